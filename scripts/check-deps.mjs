#!/usr/bin/env node
// Checks the dependency rules of src/ (see docs/architecture.md, "Dependency rules"):
//  1. every top-level folder and file under src/ is a known area;
//  2. an area imports only the areas its rule allows, and another area only through that
//     area's index (src/<area>/index.ts, or the file itself for single-file areas);
//  3. inside an area, one sub-folder does not reach into another unless the rule allows it;
//  4. package imports: the model imports only the node: primitives listed below and nothing
//     from npm; other areas import node: built-ins and packages declared in package.json
//     "dependencies" (devDependencies are for tests and tools, not src/);
//  5. no import cycles between modules (type-only imports included).
// Every import form counts: import / export-from / side-effect `import 'x'` / dynamic `import()`
// / `import x = require()` / type-level `import('x')`. A dynamic import of a computed
// specifier cannot be checked and is itself a violation.
// Usage: node scripts/check-deps.mjs [project-root]   (default: this repository; or CHECK_DEPS_ROOT)
// Test files (*.test.ts) are not part of the product and are skipped.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

import ts from 'typescript'

const projectRoot = resolve(
  process.argv[2] ?? process.env.CHECK_DEPS_ROOT ?? join(import.meta.dirname, '..'),
)
const root = join(projectRoot, 'src')

// area -> { imports: areas it may import besides itself, internal: sub-folder -> sub-folders
// (or area-level files, always allowed) of the same area it may import }
const LOWER = ['model', 'errors', 'workers', 'sqlite-file']
const RULES = {
  errors: { imports: [] },
  // a pool of worker threads running an embedded script (batch reads, writes, compression)
  workers: { imports: [] },
  // opening an SQLite file several processes share (WAL switch that waits out the others)
  'sqlite-file': { imports: [] },
  model: { imports: ['errors'] },
  fromdisk: { imports: LOWER },
  // the S3 store writes its packs in the entry format of the local pack store
  objstorage: { imports: LOWER, internal: { s3: ['pack'] } },
  journal: { imports: LOWER },
  storage: {
    imports: [...LOWER, 'objstorage', 'journal'],
    internal: { sqlite: ['sql'], postgres: ['sql'] },
  },
  // network safety (SSRF checks) for every fetch made on someone's request
  net: { imports: LOWER },
  views: { imports: [...LOWER, 'storage'] },
  integrity: { imports: [...LOWER, 'storage', 'objstorage', 'journal'] },
  scheduler: { imports: [...LOWER, 'storage', 'net'] },
  // forges' listings, written to the scheduler's listed origins
  lister: { imports: [...LOWER, 'scheduler', 'net', 'storage'] },
  loader: {
    imports: [...LOWER, 'storage', 'objstorage', 'journal', 'fromdisk', 'net'],
    // every loader (git/, and those to come) is a producer on the loader core
    internal: {
      git: ['core'],
      hg: ['core'],
      svn: ['core'],
      bzr: ['core'],
      cvs: ['core'],
      package: ['core'],
      archive: ['core', 'package'],
      // the registry facts of the package loaders (plans), and each registry's loader on them
      pkginfo: ['core', 'package'],
      npm: ['core', 'package', 'pkginfo'],
      pypi: ['core', 'package', 'pkginfo'],
      crates: ['core', 'package', 'pkginfo'],
      debian: ['core', 'package', 'pkginfo'],
      nixguix: ['core', 'package', 'pkginfo'],
    },
  },
  mirror: { imports: [...LOWER, 'storage', 'objstorage', 'journal'] },
  // bundles cooked from the archive (flat tarballs, bare repositories, git packs)
  vault: { imports: [...LOWER, 'storage', 'objstorage'] },
  // intrinsic metadata read from archived trees, and the citations made from it
  metadata: { imports: [...LOWER, 'storage', 'objstorage'] },
  // traversals of the graph API (leaves, neighbors, visits, walks) over storage's graph reader
  graph: { imports: [...LOWER, 'storage'] },
  web: {
    imports: [
      ...LOWER,
      'storage',
      'graph',
      'objstorage',
      'journal',
      'views',
      'scheduler',
      'net',
      'integrity',
      'vault',
      'metadata',
      'lister',
    ],
  },
  cli: {
    imports: [
      ...LOWER,
      'graph',
      'fromdisk',
      'objstorage',
      'journal',
      'storage',
      'views',
      'loader',
      'mirror',
      'scheduler',
      'web',
      'integrity',
      'net',
      'lister',
      'vault',
      'metadata',
    ],
  },
  // the package entry point (src/index.ts) re-exports the public areas
  index: { imports: [...LOWER, 'fromdisk'] },
}
// single-file areas: src/<name>.ts
const FILE_AREAS = new Set(['errors', 'workers', 'sqlite-file', 'index'])
// node: modules the model may use (pure primitives, no I/O)
const MODEL_BUILTINS = new Set(['node:crypto', 'node:buffer'])

const problems = []
const problem = (msg) => problems.push(msg)
const rel = (p) => relative(root, p).split(sep).join('/')

// ---- package.json
let deps = new Set()
let devDeps = new Set()
try {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'))
  deps = new Set(Object.keys(pkg.dependencies ?? {}))
  devDeps = new Set(Object.keys(pkg.devDependencies ?? {}))
} catch (e) {
  problem(`cannot read ${join(projectRoot, 'package.json')}: ${e.message}`)
}

// ---- files and areas
if (!existsSync(root) || !statSync(root).isDirectory()) {
  console.error(`check-deps: no src/ folder under ${projectRoot}`)
  process.exit(2)
}
const files = []
const walk = (d) => {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (/\.(ts|mts|cts|js|mjs|cjs|tsx|jsx)$/.test(name) && !/\.test\.[a-z]+$/.test(name))
      files.push(p)
  }
}
for (const name of readdirSync(root).sort()) {
  const p = join(root, name)
  if (statSync(p).isDirectory()) {
    if (!RULES[name] || FILE_AREAS.has(name)) problem(`src/${name}/: unknown area (no rule)`)
  } else if (!/\.test\.[a-z]+$/.test(name)) {
    const base = name.replace(/\.ts$/, '')
    if (!name.endsWith('.ts') || !FILE_AREAS.has(base))
      problem(`src/${name}: unknown area (no rule)`)
  }
}
walk(root)

// 'storage/sql/executor.ts' -> { area: 'storage', sub: 'sql' }; 'web/app.ts' -> { area: 'web', sub: null }
const placeOf = (p) => {
  const parts = rel(p).split('/')
  if (parts.length === 1) return { area: parts[0].replace(/\.[a-z]+$/, ''), sub: null }
  return { area: parts[0], sub: parts.length > 2 ? parts[1] : null }
}
const indexOf = (area) => join(root, FILE_AREAS.has(area) ? `${area}.ts` : `${area}/index.ts`)

// ---- imports of one file, by AST
const importsOf = (file, text) => {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found = [] // { spec, line, kind, typeOnly }
  const add = (node, spec, kind, typeOnly = false) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
    found.push({ spec, line, kind, typeOnly })
  }
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause
      const kind = c ? 'import' : 'side-effect import'
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name &&
            !!c.namedBindings &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)))
      add(node, node.moduleSpecifier.text, kind, typeOnly)
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node, node.moduleSpecifier.text, 'export-from', node.isTypeOnly)
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteralLike(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression.text, 'import-require', node.isTypeOnly)
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) {
        add(node, arg.literal.text, 'type import()', true)
      }
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const kind =
        node.expression.kind === ts.SyntaxKind.ImportKeyword ? 'dynamic import()' : 'require()'
      const arg = node.arguments[0]
      if (arg && ts.isStringLiteralLike(arg)) add(node, arg.text, kind)
      else add(node, null, kind)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

// relative specifier -> absolute file under src/ (or null)
const resolveRelative = (from, spec) => {
  const p = resolve(dirname(from), spec)
  const candidates = [p]
  for (const [js, t] of [
    ['.js', '.ts'],
    ['.mjs', '.mts'],
    ['.cjs', '.cts'],
    ['.jsx', '.tsx'],
  ]) {
    if (p.endsWith(js)) candidates.unshift(p.slice(0, -js.length) + t)
  }
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c
  return null
}

const packageName = (spec) => {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

// ---- check every import
const graph = new Map() // file -> Set(file)
for (const f of files) {
  const from = placeOf(f)
  const rule = RULES[from.area]
  const edges = new Set()
  graph.set(f, edges)
  for (const imp of importsOf(f, readFileSync(f, 'utf8'))) {
    const where = `src/${rel(f)}:${imp.line}`
    const what = `${imp.kind} '${imp.spec}'`
    if (imp.spec === null) {
      problem(`${where}: ${imp.kind} of a computed specifier cannot be checked`)
      continue
    }
    if (imp.spec.startsWith('.') || imp.spec.startsWith('/')) {
      const target = resolveRelative(f, imp.spec)
      if (!target) {
        problem(`${where}: ${what} does not resolve to a file`)
        continue
      }
      if (!target.startsWith(root + sep)) {
        problem(`${where}: ${what} leaves src/`)
        continue
      }
      edges.add(target)
      const to = placeOf(target)
      if (to.area === from.area) {
        // inside one area: a sub-folder reaches into another only if the rule says so
        if (to.sub && to.sub !== from.sub) {
          const ok = from.sub ? (rule?.internal?.[from.sub] ?? []).includes(to.sub) : true
          if (!ok) {
            problem(
              `${where}: ${what}: ${from.area}/${from.sub}/ may not reach into ${to.area}/${to.sub}/ (internals of a sibling)`,
            )
          }
        }
        continue
      }
      if (!rule) continue // unknown area, already reported
      if (!rule.imports.includes(to.area)) {
        problem(`${where}: ${what}: area ${from.area} may not import area ${to.area}`)
      } else if (target !== indexOf(to.area)) {
        problem(
          `${where}: ${what} reaches into ${to.area}'s internals; import src/${rel(indexOf(to.area))} instead`,
        )
      }
      continue
    }
    // package or built-in
    if (imp.spec.startsWith('node:')) {
      const mod = imp.spec.split('/')[0]
      if (from.area === 'model' && !MODEL_BUILTINS.has(mod) && !MODEL_BUILTINS.has(imp.spec)) {
        problem(
          `${where}: ${what}: the model may import only ${[...MODEL_BUILTINS].join(', ')} (no I/O)`,
        )
      }
      continue
    }
    const name = packageName(imp.spec)
    if (from.area === 'model') {
      problem(`${where}: ${what}: the model imports no npm package`)
    } else if (devDeps.has(name) && !deps.has(name)) {
      problem(`${where}: ${what}: ${name} is a devDependency; src/ may use only dependencies`)
    } else if (!deps.has(name)) {
      problem(`${where}: ${what}: package ${name} is not declared in package.json dependencies`)
    }
  }
}

// ---- cycles (Tarjan's strongly connected components)
{
  let counter = 0
  const idx = new Map()
  const low = new Map()
  const stack = []
  const on = new Set()
  const sccs = []
  const strong = (v) => {
    idx.set(v, counter)
    low.set(v, counter)
    counter++
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const scc = []
      let w
      do {
        w = stack.pop()
        on.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || graph.get(v)?.has(v)) sccs.push(scc)
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) strong(v)
  for (const scc of sccs) {
    // shortest path from the first module back to itself, inside the component
    const members = new Set(scc)
    const start = scc.sort()[0]
    const prev = new Map()
    const queue = [start]
    let end = null
    while (queue.length && end === null) {
      const v = queue.shift()
      for (const w of graph.get(v) ?? []) {
        if (!members.has(w)) continue
        if (w === start) {
          end = v
          break
        }
        if (!prev.has(w)) {
          prev.set(w, v)
          queue.push(w)
        }
      }
    }
    const path = [start]
    for (let v = end; v !== start && v !== null; v = prev.get(v)) path.unshift(v)
    path.unshift(start)
    problem(`import cycle: ${path.map((p) => `src/${rel(p)}`).join(' -> ')}`)
  }
}

if (problems.length > 0) {
  console.error('check-deps: dependency rule violations:\n  ' + problems.join('\n  '))
  process.exit(1)
}
console.log(`check-deps: ${files.length} files, dependency rules OK`)
