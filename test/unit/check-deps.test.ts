// scripts/check-deps.mjs against small src/ trees written here, each with one planted
// violation, plus a clean tree and the real src/.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '..', '..')
const script = join(repo, 'scripts', 'check-deps.mjs')
const base = mkdtempSync(join(tmpdir(), 'arca-check-deps-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

type Tree = Record<string, string>

/** A tree that follows every rule: each area imported through its index, declared packages. */
const CLEAN: Tree = {
  'package.json': JSON.stringify({
    name: 'planted',
    dependencies: { hono: '^4.0.0', '@msgpack/msgpack': '^3.0.0' },
    devDependencies: { vitest: '^4.0.0' },
  }),
  'src/errors.ts': 'export class ArcaError extends Error {}\n',
  'src/index.ts': "export * from './errors.js'\nexport * from './model/index.js'\n",
  'src/model/index.ts': "export { sha1 } from './hash.js'\n",
  'src/model/hash.ts': [
    "import { createHash } from 'node:crypto'",
    "import { ArcaError } from '../errors.js'",
    'export const sha1 = (b: Uint8Array): string => createHash("sha1").update(b).digest("hex")',
    'export const fail = (): never => { throw new ArcaError() }',
    '',
  ].join('\n'),
  'src/model/hash.test.ts': "import { it } from 'vitest'\nit('is skipped', () => {})\n",
  'src/storage/index.ts': "export { SqlThing } from './sql/thing.js'\n",
  'src/storage/sql/thing.ts': [
    "import { encode } from '@msgpack/msgpack'",
    "import { sha1 } from '../../model/index.js'",
    'export class SqlThing { id = sha1(encode(1)) }',
    '',
  ].join('\n'),
  'src/storage/sqlite/db.ts':
    "import type { SqlThing } from '../sql/thing.js'\nexport type T = SqlThing\n",
  'src/web/index.ts': "export { app } from './app.js'\n",
  'src/web/app.ts': [
    "import { Hono } from 'hono'",
    "import { SqlThing } from '../storage/index.js'",
    "import { mountApi } from './api/routes.js'",
    "import { mountBrowse } from './browse/pages.js'",
    'export const app = new Hono()',
    'mountApi(app, new SqlThing())',
    'mountBrowse(app)',
    '',
  ].join('\n'),
  'src/web/shared.ts': 'export const parse = (q: string): string => q\n',
  'src/web/api/routes.ts': [
    "import type { Hono } from 'hono'",
    "import type { SqlThing } from '../../storage/index.js'",
    "import { parse } from '../shared.js'",
    'export const mountApi = (app: Hono, s: SqlThing): void => { app.get(parse("/"), (c) => c.text(s.id)) }',
    '',
  ].join('\n'),
  'src/web/browse/pages.ts': [
    "import type { Hono } from 'hono'",
    "import { parse } from '../shared.js'",
    'export const mountBrowse = (app: Hono): void => { app.get(parse("/b"), (c) => c.text("b")) }',
    '',
  ].join('\n'),
}

let n = 0
function check(changes: Tree): { status: number | null; out: string } {
  const root = join(base, `tree-${n++}`)
  for (const [path, text] of Object.entries({ ...CLEAN, ...changes })) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  const r = spawnSync(process.execPath, [script, root], { encoding: 'utf8' })
  return { status: r.status, out: r.stdout + r.stderr }
}

describe('scripts/check-deps.mjs', () => {
  it('passes a clean tree', () => {
    const r = check({})
    expect(r.out).toContain('dependency rules OK')
    expect(r.status).toBe(0)
  })

  it('passes the real src/', () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8' })
    expect(r.stdout + r.stderr).toContain('dependency rules OK')
    expect(r.status).toBe(0)
  })

  const cases: [string, Tree, string][] = [
    [
      'an unknown folder',
      { 'src/extras/x.ts': 'export const x = 1\n' },
      'src/extras/: unknown area',
    ],
    [
      'an unknown top-level file',
      { 'src/util.ts': 'export const x = 1\n' },
      'src/util.ts: unknown area',
    ],
    [
      "a deep import into another area's internals",
      { 'src/web/shared.ts': "export { SqlThing as parse } from '../storage/sql/thing.js'\n" },
      "src/web/shared.ts:1: export-from '../storage/sql/thing.js' reaches into storage's internals",
    ],
    [
      'the model importing an npm package',
      { 'src/model/extra.ts': "import { Hono } from 'hono'\nexport const h = new Hono()\n" },
      "src/model/extra.ts:1: import 'hono': the model imports no npm package",
    ],
    [
      'the model importing node:fs',
      {
        'src/model/extra.ts':
          "import { readFileSync } from 'node:fs'\nexport const r = readFileSync\n",
      },
      "src/model/extra.ts:1: import 'node:fs': the model may import only node:crypto, node:buffer",
    ],
    [
      'a forbidden side-effect import',
      { 'src/storage/sql/extra.ts': "import '../../web/index.js'\n" },
      "src/storage/sql/extra.ts:1: side-effect import '../../web/index.js': area storage may not import area web",
    ],
    [
      'a forbidden dynamic import',
      {
        'src/storage/sql/extra.ts':
          "export const load = async (): Promise<unknown> => await import('../../web/index.js')\n",
      },
      "src/storage/sql/extra.ts:1: dynamic import() '../../web/index.js': area storage may not import area web",
    ],
    [
      'a dynamic import of a computed specifier',
      {
        'src/web/extra.ts':
          "const m = 'x'\nexport const load = async (): Promise<unknown> => await import(m)\n",
      },
      'src/web/extra.ts:2: dynamic import() of a computed specifier cannot be checked',
    ],
    [
      'an undeclared package',
      { 'src/web/extra.ts': "import pad from 'left-pad'\nexport const p = pad\n" },
      "src/web/extra.ts:1: import 'left-pad': package left-pad is not declared in package.json dependencies",
    ],
    [
      'a devDependency in src/',
      { 'src/web/extra.ts': "import { it } from 'vitest'\nexport const t = it\n" },
      "src/web/extra.ts:1: import 'vitest': vitest is a devDependency",
    ],
    [
      'an import cycle',
      {
        'src/web/c1.ts': "import { b } from './c2.js'\nexport const a = (): number => b + 1\n",
        'src/web/c2.ts':
          "import type { a } from './c1.js'\nexport type A = typeof a\nexport const b = 1\n",
      },
      'import cycle: src/web/c1.ts -> src/web/c2.ts -> src/web/c1.ts',
    ],
    [
      'a forbidden direction (storage -> web)',
      {
        'src/storage/sql/extra.ts':
          "import { app } from '../../web/index.js'\nexport const a = app\n",
      },
      "src/storage/sql/extra.ts:1: import '../../web/index.js': area storage may not import area web",
    ],
    [
      "browse reaching into the API's internals",
      {
        'src/web/browse/extra.ts':
          "import { mountApi } from '../api/routes.js'\nexport const m = mountApi\n",
      },
      "src/web/browse/extra.ts:1: import '../api/routes.js': web/browse/ may not reach into web/api/",
    ],
    [
      'an import leaving src/',
      { 'src/web/extra.ts': "import { x } from '../../test/helpers.js'\nexport const y = x\n" },
      "src/web/extra.ts:1: import '../../test/helpers.js' does not resolve to a file",
    ],
  ]
  for (const [what, changes, message] of cases) {
    it(`fails on ${what}`, () => {
      const r = check(changes)
      expect(r.out).toContain(message)
      expect(r.status).toBe(1)
    })
  }
})
