#!/usr/bin/env node
// Benchmark: `arca serve` over a pre-loaded embedded archive, with the load generator
// (autocannon) in a separate process. Measures requests/s and p99 latency for resolve, content
// metadata, a directory listing, a 10 KB raw content and a 1000-SWHID known query.
//
// Usage: npm run bench:api [-- --seconds S --connections C --only directory,resolve]
// (`--only`: the scenarios whose label holds one of the comma-separated words; all by default.)
// Besides req/s and latency, the server's CPU time (user+sys, from /proc) over each scenario.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
    only: { type: 'string' },
  },
})
const arca = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const data = join(opts.dir, 'api-archive')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

// 1. A pre-loaded archive: a generated history repository plus one with a 10 KB file.
if (!existsSync(join(data, 'graph.sqlite'))) {
  rmSync(data, { recursive: true, force: true })
  const src = join(opts.dir, 'api-src')
  rmSync(src, { recursive: true, force: true })
  mkdirSync(join(src, 'lib'), { recursive: true })
  execFileSync('git', ['init', '-q', '-b', 'main', src], { env })
  writeFileSync(join(src, 'ten-kb.txt'), 'x'.repeat(10 * 1024))
  for (let i = 0; i < 200; i++)
    writeFileSync(join(src, 'lib', `file-${i}.c`), `int f${i}(void) { return ${i}; }\n`)
  execFileSync('git', ['-C', src, 'add', '-A'], { env })
  execFileSync(
    'git',
    [
      '-C',
      src,
      '-c',
      'user.name=B',
      '-c',
      'user.email=b@example.org',
      'commit',
      '-q',
      '-m',
      'bench',
    ],
    { env },
  )
  execFileSync(process.execPath, [arca, 'save', '--data', data, src], { stdio: 'inherit' })
  rmSync(src, { recursive: true, force: true })
}
const q = (args) =>
  execFileSync(process.execPath, [arca, ...args, '--data', data], { encoding: 'utf8' })
const snapshot = JSON.parse(
  q(['visits', '--json', join(opts.dir, 'api-src')])
    .trim()
    .split('\n')
    .at(-1),
).snapshot
const head = JSON.parse(q(['cat', `swh:1:snp:${snapshot}`])).branches['refs/heads/main'].target
const rev = JSON.parse(q(['cat', `swh:1:rev:${head}`]))
const root = rev.directory
const entries = q(['ls', '--json', `swh:1:dir:${root}`])
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
const tenKb = entries.find((e) => e.name === 'ten-kb.txt').target
const libDir = entries.find((e) => e.name === 'lib').target
const files = q(['ls', '--json', `swh:1:dir:${libDir}`])
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
const known = JSON.stringify([
  ...files.map((e) => `swh:1:cnt:${e.target}`),
  ...Array.from(
    { length: 1000 - files.length },
    (_, i) => `swh:1:cnt:${i.toString(16).padStart(40, '0')}`,
  ),
])

// 2. The server, in its own process.
const port = 5600 + Math.floor(Math.random() * 300)
const server = spawn(
  process.execPath,
  [arca, 'serve', '--data', data, '--port', String(port), '--no-rate-limit'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
)
await new Promise((res, rej) => {
  const t = setTimeout(() => rej(new Error('server did not start')), 15000)
  server.stderr.on('data', (d) => {
    if (String(d).includes('serving')) {
      clearTimeout(t)
      res()
    }
  })
})
const base = `http://127.0.0.1:${port}/api/1`
const scenarios = [
  ['resolve', { url: `${base}/resolve/swh:1:rev:${head}/` }],
  ['content metadata', { url: `${base}/content/sha1_git:${files[7].target}/` }],
  ['directory listing (201 entries)', { url: `${base}/directory/${libDir}/` }],
  ['raw content, 10 KB', { url: `${base}/content/sha1_git:${tenKb}/raw/` }],
  [
    'known, 1000 SWHIDs',
    {
      url: `${base}/known/`,
      method: 'POST',
      body: known,
      headers: { 'content-type': 'application/json' },
    },
  ],
]

// 3. The load generator, in a separate process.
const runner = `
  const autocannon = require(${JSON.stringify(resolve(import.meta.dirname, '..', 'node_modules', 'autocannon'))})
  const o = JSON.parse(process.argv[1])
  autocannon(o, (err, r) => {
    if (err) { console.error(err); process.exit(1) }
    process.stdout.write(JSON.stringify({ rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors + r.non2xx, total: r.requests.total }))
  })`
const only = opts.only
  ?.split(',')
  .map((w) => w.trim().toLowerCase())
  .filter((w) => w !== '')
const chosen = only ? scenarios.filter(([label]) => only.some((w) => label.includes(w))) : scenarios
if (chosen.length === 0) throw new Error(`--only ${opts.only}: no scenario matches`)
// The server's user+sys CPU seconds so far (Linux /proc; null elsewhere).
const clockTicks = 100
const serverCpu = () => {
  try {
    const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8')
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / clockTicks
  } catch {
    return null
  }
}
let failed = false
console.log(
  `arca serve, embedded archive; autocannon ${opts.connections} connections, ${opts.seconds} s per scenario`,
)
for (const [label, o] of chosen) {
  const cpu0 = serverCpu()
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      runner,
      JSON.stringify({
        ...o,
        connections: Number(opts.connections),
        duration: Number(opts.seconds),
      }),
    ],
    { encoding: 'utf8' },
  )
  const cpu1 = serverCpu()
  const r = JSON.parse(out)
  if (r.errors > 0) failed = true
  const cpu =
    cpu0 === null || cpu1 === null
      ? ''
      : `   server CPU ${(cpu1 - cpu0).toFixed(2)} s (${Math.round(((cpu1 - cpu0) * 1e6) / r.total)} µs/req)`
  console.log(
    `  ${label.padEnd(34)} ${Math.round(r.rps).toLocaleString('en').padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms${cpu}${r.errors ? `   ${r.errors} errors` : ''}`,
  )
}
const rss = execFileSync('ps', ['-o', 'rss=', '-p', String(server.pid)], {
  encoding: 'utf8',
}).trim()
console.log(
  `server RSS after the run: ${Math.round(Number(rss) / 1024)} MB; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
)
console.log('target: content metadata >= 5,000 req/s with p99 < 20 ms')
server.kill('SIGTERM')
if (failed) process.exitCode = 1
