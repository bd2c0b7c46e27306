#!/usr/bin/env node
// Summary of a V8 CPU profile (`node --cpu-prof`): self and inclusive time per function, the
// heaviest first. Inclusive time counts a function once per sample even when it recurses.
//
// Usage: node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [--top N] [--by self|total]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, by: { type: 'string', default: 'self' } },
})
if (positionals.length !== 1) {
  console.error('usage: cpu-profile-summary.mjs FILE.cpuprofile [--top N] [--by self|total]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
// Sample durations: timeDeltas[i] is the time before sample i; the last one gets the mean.
const dt = profile.timeDeltas
const durations = profile.samples.map((_, i) => (i + 1 < dt.length ? dt[i + 1] : 0))
const total = durations.reduce((a, b) => a + b, 0)
const label = (n) => {
  const f = n.callFrame
  const file = f.url
    ? f.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src|node_modules)\//, '$1/')
    : ''
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`
}
const self = new Map()
const incl = new Map()
profile.samples.forEach((id, i) => {
  const d = durations[i]
  const key = label(nodes.get(id))
  self.set(key, (self.get(key) ?? 0) + d)
  const seen = new Set()
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const k = label(nodes.get(at))
    if (seen.has(k)) continue
    seen.add(k)
    incl.set(k, (incl.get(k) ?? 0) + d)
  }
})
const rows = [...incl.keys()].map((k) => ({ k, self: self.get(k) ?? 0, total: incl.get(k) }))
rows.sort((a, b) => (opts.by === 'total' ? b.total - a.total : b.self - a.self))
const ms = (us) => (us / 1000).toFixed(0).padStart(7)
console.log(`profile: ${(total / 1e6).toFixed(2)} s sampled, ${profile.samples.length} samples`)
console.log(`${'self ms'.padStart(7)} ${'total ms'.padStart(8)}  function`)
for (const r of rows.slice(0, Number(opts.top)))
  console.log(`${ms(r.self)} ${ms(r.total).padStart(8)}  ${r.k}`)
