#!/usr/bin/env node
// Benchmark: server-side render time of the browse pages, over a real socket against
// `arca serve` in its own process. Measures, sequentially (one request at a time, so the
// latency is the render time plus loopback): a directory page of 200 entries with a README,
// an ordinary content page (a 300-line C file, highlighted), a 1 MB content page; the floor is
// `/api/1/ping/` in the same run. Then, while 1 MB pages are rendered back to back, the
// latency of `/api/1/ping/` shows whether the big file blocks the server.
//
// Usage: npm run bench:browse [-- --requests N]
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const N = Number(opts.requests)
const arca = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const data = join(opts.dir, 'browse-archive')
const src = join(opts.dir, 'browse-src')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

if (!existsSync(join(data, 'graph.sqlite'))) {
  rmSync(data, { recursive: true, force: true })
  rmSync(src, { recursive: true, force: true })
  mkdirSync(join(src, 'lib'), { recursive: true })
  execFileSync('git', ['init', '-q', '-b', 'main', src], { env })
  writeFileSync(join(src, 'README.md'), '# Bench\n\nA *generated* project.\n\n- one\n- two\n')
  for (let i = 0; i < 200; i++) {
    const body = Array.from(
      { length: 300 },
      (_, l) => `static int f${i}_${l}(int x) { return x * ${l} + ${i}; /* line ${l} */ }`,
    ).join('\n')
    writeFileSync(join(src, 'lib', `file-${i}.c`), body + '\n')
  }
  let big = ''
  for (let l = 0; big.length < 1 << 20; l++) big += `int big_${l}(void) { return ${l}; }\n`
  writeFileSync(join(src, 'big.c'), big)
  execFileSync('git', ['-C', src, 'add', '-A'], { env })
  execFileSync(
    'git',
    ['-C', src, '-c', 'user.name=B', '-c', 'user.email=b@example.org', 'commit', '-q', '-m', 'x'],
    { env },
  )
  execFileSync(process.execPath, [arca, 'save', '--data', data, src], { stdio: 'inherit' })
}
const id = (path) =>
  execFileSync('git', ['-C', src, 'rev-parse', `HEAD:${path}`], { encoding: 'utf8', env }).trim()
const libDir = id('lib')
const file = id('lib/file-7.c')
const big = id('big.c')

const server = spawn(
  process.execPath,
  [arca, 'serve', '--data', data, '--port', '0', '--no-rate-limit'],
  {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  },
)
const base = await new Promise((ok, fail) => {
  let err = ''
  server.stderr.on('data', (b) => {
    err += b
    const m = /at (http:\/\/\S+?)\/ /.exec(err)
    if (m) ok(m[1])
  })
  server.on('exit', (c) => fail(new Error(`arca serve exited ${c}: ${err}`)))
})

async function time(path) {
  const t0 = process.hrtime.bigint()
  const res = await fetch(base + path)
  const body = await res.arrayBuffer()
  if (!res.ok) throw new Error(`${path}: ${res.status}`)
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: body.byteLength }
}
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

async function series(path, n) {
  for (let i = 0; i < 5; i++) await time(path) // warm-up
  const ms = []
  let bytes = 0
  for (let i = 0; i < n; i++) {
    const r = await time(path)
    ms.push(r.ms)
    bytes = r.bytes
  }
  return { p50: pct(ms, 0.5), p95: pct(ms, 0.95), bytes }
}

try {
  const rows = [
    ['ping (floor)', '/api/1/ping/', N],
    ['directory, 200 entries', `/browse/directory/${libDir}/`, N],
    ['content, 300 lines highlighted', `/browse/content/sha1_git:${file}/`, N],
    ['content, 1 MB', `/browse/content/sha1_git:${big}/`, Math.max(10, N / 10)],
  ]
  console.log(`${'page'.padEnd(32)} ${'p50'.padStart(9)} ${'p95'.padStart(9)}  size`)
  for (const [name, path, n] of rows) {
    const r = await series(path, n)
    console.log(
      `${name.padEnd(32)} ${r.p50.toFixed(1).padStart(6)} ms ${r.p95.toFixed(1).padStart(6)} ms  ${Math.round(r.bytes / 1024)} KB`,
    )
  }
  // Does a 1 MB page block everything else?
  let stop = false
  const heavy = (async () => {
    let n = 0
    while (!stop) {
      await time(`/browse/content/sha1_git:${big}/`)
      n++
    }
    return n
  })()
  const pings = []
  const t0 = Date.now()
  while (Date.now() - t0 < 3000) {
    pings.push((await time('/api/1/ping/')).ms)
    await new Promise((r) => setTimeout(r, 5))
  }
  stop = true
  const pages = await heavy
  console.log(
    `ping while 1 MB pages render back to back (${pages} pages): p50 ${pct(pings, 0.5).toFixed(1)} ms, p95 ${pct(pings, 0.95).toFixed(1)} ms, max ${Math.max(...pings).toFixed(1)} ms`,
  )
  console.log(
    'target: p50 <= 30 ms for directory and content pages; a 1 MB file must not block the server',
  )
} finally {
  server.kill('SIGTERM')
}
