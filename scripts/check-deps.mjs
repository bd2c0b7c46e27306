#!/usr/bin/env node
// Checks the dependency direction between areas (see docs/architecture.md):
// model imports nothing outside model (and errors); nothing imports web or cli except cli itself
// and web importing itself; storage-level areas never import loaders, web or cli.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..', 'src')
const files = []
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = join(d, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p)
  }
}
walk(root)

const areaOf = (p) => {
  const rel = relative(root, p)
  return rel.includes('/') ? rel.split('/')[0] : rel.replace(/\.(ts|js)$/, '')
}
// area -> areas it may import (besides itself)
const LOWER = ['model', 'errors']
const allowed = {
  errors: [],
  model: ['errors'],
  objstorage: LOWER,
  journal: LOWER,
  storage: [...LOWER, 'objstorage', 'journal'],
  fromdisk: LOWER,
  views: [...LOWER, 'storage'],
  web: [...LOWER, 'storage', 'objstorage', 'journal', 'views'],
  loader: [...LOWER, 'storage', 'objstorage', 'journal', 'fromdisk'],
  mirror: [...LOWER, 'storage', 'objstorage', 'journal'],
  index: null, // the package entry re-exports public areas
}
const forbiddenEverywhere = ['web', 'cli']
const problems = []
for (const f of files) {
  const src = readFileSync(f, 'utf8')
  const from = areaOf(f)
  for (const m of src.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)) {
    const target = areaOf(resolve(dirname(f), m[1]))
    if (target === from) continue
    if (forbiddenEverywhere.includes(target) && !(from === 'cli' && target === 'web')) {
      problems.push(`${relative(root, f)} imports ${target}: nothing may import web or cli`)
    }
    const rule = allowed[from]
    if (rule && !rule.includes(target)) {
      problems.push(`${relative(root, f)} (area ${from}) may not import ${target}`)
    }
  }
}
if (problems.length > 0) {
  console.error('Dependency direction violations:\n  ' + problems.join('\n  '))
  process.exit(1)
}
console.log(`check-deps: ${files.length} files, dependency direction OK`)
