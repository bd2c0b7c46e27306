#!/usr/bin/env node
// Benchmark of provenance (docs/provenance.md), one section per measurement (add a function to
// SECTIONS to add one; `--only a,b` runs some). On one archive made by `arca save` of the given
// repositories (default: a generated one; pass clones of express and git/git with --repo):
//
// - save: `arca save` wall time (ingest with the provenance index maintained), and the index's
//   share of it: `arca provenance reindex --force` on the same archive does exactly the indexing
//   work again, so overhead = reindex / (save - reindex). Target under 30%.
// - whereis: GET /api/1/provenance/whereis/<swhid>/ (in process, app.request) for a sample of
//   contents and directories of the repositories' histories, p50/p95; reference, same run and
//   same objects: GET /api/1/content/sha1_git:<id>/ (one indexed lookup). Target p95 under 10 ms.
//   Also POST /provenance/whereare/ with batches of 100 (what swh-scanner sends).
// - http: the same whereis and content requests over HTTP to `arca serve` (its own process; one
//   keep-alive connection, so no connection setup is timed), p50/p95 and the server's CPU per
//   request (from /proc), the client's apart. The in-process section times the app alone (the
//   bench's Request and Response included); this one adds Node's HTTP server and the socket.
//
// Prints p50/p95, ratios to the references, and peak RSS.
//
// `--repo PATH` (repeatable or a comma list): real repositories, each first copied into the bench
// directory with `git clone --mirror --no-local` (bench/lib/real-repos.mjs). `--storage postgres`
// runs on a fresh PostgreSQL database (made and dropped by the bench, on --postgres), or
// `--storage postgres://…/db` on one given. `--reuse` queries the archive of an earlier run
// (`--data DIR`: any archive; no saves, so no save section).
//
// Usage: npm run bench:provenance [-- --repo PATH[,PATH…] --sample N --runs R --only whereis,http
//        --storage postgres --reuse --data DIR]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { openArchive } from '../dist/storage/archive.js'
import { createApp } from '../dist/web/app.js'
import { webContext } from '../dist/web/server.js'
import { cloneRepos, loadAverage, objectCount, repoArgs } from './lib/real-repos.mjs'
import { generateRepo } from './lib/synthetic-repo.mjs'

const { values: opts } = parseArgs({
  options: {
    repo: { type: 'string', multiple: true, default: [] },
    sample: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string', default: '' },
    storage: { type: 'string', default: '' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    reuse: { type: 'boolean', default: false },
    'as-is': { type: 'boolean', default: false },
    data: { type: 'string', default: '' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const RUNS = Number(opts.runs)
const SAMPLE = Number(opts.sample)
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const data = opts.data ? resolve(opts.data) : join(opts.dir, 'provenance-archive')
// `--storage postgres`: a database of the bench's own, made afresh before every save.
const PG_DB = 'arca_bench_provenance'
const freshPostgres = opts.storage === 'postgres'
const storageUrl = freshPostgres ? `${opts.postgres}/${PG_DB}` : opts.storage
const storageArgs = storageUrl ? ['--storage', storageUrl] : []

async function recreateDatabase() {
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${PG_DB}`)
  } finally {
    await admin.end()
  }
}

// `--as-is`: the repositories are used where they are (a mirror clone made already).
let repos = opts['as-is']
  ? repoArgs(opts.repo).map((p) => resolve(p))
  : cloneRepos(repoArgs(opts.repo), opts.dir, env)
if (repos.length === 0) {
  const repo = join(opts.dir, 'provenance-3000x3.git')
  if (!existsSync(join(repo, 'HEAD'))) generateRepo({ repo, commits: 3000, files: 3, env })
  repos = [repo]
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const median = (xs) => percentile(xs, 50)
const ms = (x) => `${x.toFixed(2)} ms`
let peakChildKb = 0

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    env,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`)
  const [wall, user, sys, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number)
  peakChildKb = Math.max(peakChildKb, kb)
  return { wall, cpu: user + sys }
}

/** Fresh archive of every repository; returns the save and reindex times (medians). */
async function buildArchive() {
  const saves = []
  const reindexes = []
  const add = (a, b) => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu })
  for (let run = 0; run < RUNS; run++) {
    rmSync(data, { recursive: true, force: true })
    if (freshPostgres) await recreateDatabase()
    else if (storageUrl && run > 0) break // a database given: only its first save adds anything
    let save = { wall: 0, cpu: 0 }
    for (const repo of repos)
      save = add(
        save,
        timed(process.execPath, [arcaBin, 'save', '--data', data, ...storageArgs, repo]),
      )
    saves.push(save)
    reindexes.push(
      timed(process.execPath, [
        arcaBin,
        'provenance',
        'reindex',
        '--force',
        '--data',
        data,
        ...storageArgs,
      ]),
    )
  }
  const med = (xs, k) => median(xs.map((x) => x[k]))
  return {
    save: { wall: med(saves, 'wall'), cpu: med(saves, 'cpu') },
    reindex: { wall: med(reindexes, 'wall'), cpu: med(reindexes, 'cpu') },
    runs: saves.length,
  }
}

/** Contents and directories of a sample of each repository's commits (git ls-tree). */
function sampleObjects() {
  const out = new Map()
  for (const repo of repos) {
    const commits = execFileSync('git', ['-C', repo, 'rev-list', '--all'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
      .trim()
      .split('\n')
    const step = Math.max(1, Math.floor(commits.length / 40))
    for (let i = 0; i < commits.length; i += step) {
      const ls = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '-t', commits[i]], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      })
      for (const line of ls.split('\n')) {
        const m = /^\d+ (blob|tree) ([0-9a-f]{40})\t/.exec(line)
        if (m) out.set(m[2], m[1] === 'blob' ? 'cnt' : 'dir')
      }
    }
  }
  // Deterministic spread over what was found.
  const all = [...out]
  const step = Math.max(1, Math.floor(all.length / SAMPLE))
  return all.filter((_, i) => i % step === 0).slice(0, SAMPLE)
}

async function timeRequests(app, paths, init) {
  const times = []
  for (const p of paths) {
    const t0 = performance.now()
    const res = await app.request(`http://bench.local/api/1/${p}`, init)
    await res.arrayBuffer()
    times.push(performance.now() - t0)
    if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`)
  }
  return times
}

let built = null
async function ensureArchive() {
  if (opts.reuse) return null
  built ??= await buildArchive()
  return built
}

async function saveSection() {
  const archived = await ensureArchive()
  if (archived === null) return console.log('save: skipped (--reuse)')
  const { save, reindex } = archived
  // CPU time (user + system) is the robust measure on a shared machine; wall time is shown too.
  const overhead = (k) => reindex[k] / Math.max(save[k] - reindex[k], 1e-9)
  const objects = repos.map(objectCount).reduce((a, b) => a + b, 0)
  console.log(
    `save: ${repos.length} repositories (${objects.toLocaleString('en')} git objects), ${built.runs} runs, medians; load average ${loadAverage()}`,
  )
  console.log(
    `  arca save (index maintained)       wall ${save.wall.toFixed(2)} s  cpu ${save.cpu.toFixed(2)} s`,
  )
  console.log(
    `  arca provenance reindex --force    wall ${reindex.wall.toFixed(2)} s  cpu ${reindex.cpu.toFixed(2)} s`,
  )
  console.log(
    `  indexing overhead on arca save: ${(overhead('cpu') * 100).toFixed(1)}% of CPU time, ` +
      `${(overhead('wall') * 100).toFixed(1)}% of wall time (target under 30%)`,
  )
}

async function whereisSection() {
  await ensureArchive()
  const objects = sampleObjects()
  const archive = await openArchive({
    dataDir: data,
    ...(storageUrl ? { storageUrl } : {}),
  })
  try {
    const app = createApp(
      webContext(
        archive,
        {},
        { exemptNetworks: [], rates: { swh_api: { count: 1e9, seconds: 60 } } },
      ),
    )
    const whereis = objects.map(([id, t]) => `provenance/whereis/swh:1:${t}:${id}/`)
    const contents = objects.filter(([, t]) => t === 'cnt').map(([id]) => `content/sha1_git:${id}/`)
    // Warm both paths once (statement caches, page cache), then measure.
    await timeRequests(app, whereis.slice(0, 50))
    await timeRequests(app, contents.slice(0, 50))
    const cpu0 = process.cpuUsage()
    const w = []
    const c = []
    for (let r = 0; r < RUNS; r++) {
      w.push(...(await timeRequests(app, whereis)))
      c.push(...(await timeRequests(app, contents)))
    }
    const batches = []
    for (let i = 0; i < objects.length; i += 100)
      batches.push(JSON.stringify(objects.slice(i, i + 100).map(([id, t]) => `swh:1:${t}:${id}`)))
    const wa = []
    for (let r = 0; r < RUNS; r++)
      for (const body of batches)
        wa.push(
          ...(await timeRequests(app, ['provenance/whereare/'], {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/json' },
          })),
        )
    const p95 = percentile(w, 95)
    const cpu = process.cpuUsage(cpu0)
    console.log(
      `whereis: ${objects.length} objects (${contents.length} contents), ${RUNS} runs, ${storageUrl ? 'PostgreSQL' : 'SQLite'}; load average ${loadAverage()}; CPU of the timed requests ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s over ${(w.length + c.length + wa.length).toLocaleString('en')} requests`,
    )
    console.log(`  GET provenance/whereis/    p50 ${ms(percentile(w, 50))}  p95 ${ms(p95)}`)
    console.log(
      `  GET content/sha1_git (ref) p50 ${ms(percentile(c, 50))}  p95 ${ms(percentile(c, 95))}`,
    )
    console.log(
      `  POST provenance/whereare/ (100 SWHIDs) p50 ${ms(percentile(wa, 50))}  p95 ${ms(percentile(wa, 95))}`,
    )
    console.log(
      `  ratio whereis / content lookup (p95): ${(p95 / percentile(c, 95)).toFixed(2)}x; whereis p95 ${ms(p95)} (target under 10 ms)`,
    )
  } finally {
    await archive.close()
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function processCpu(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

/**
 * whereis over HTTP: `arca serve` in its own process (rate limits counted: no exempt network,
 * a rate no request reaches), the bench as client on one keep-alive connection, one request at
 * a time; the server's CPU per request is read from /proc, the client's apart.
 */
async function httpSection() {
  await ensureArchive()
  const objects = sampleObjects()
  const server = spawn(
    process.execPath,
    [
      arcaBin,
      'serve',
      '--data',
      data,
      ...storageArgs,
      '--port',
      '0',
      '--exempt',
      'none',
      '--rate',
      'swh_api=1000000000/m',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env },
  )
  const base = await new Promise((res, rej) => {
    let err = ''
    server.stderr.on('data', (d) => {
      err += d
      const m = /at (http:\/\/\S+?)\/ \(API/.exec(err)
      if (m) res(m[1])
    })
    server.once('exit', (code) => rej(new Error(`arca serve exited (${code}): ${err}`)))
  })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const get = (path) =>
    new Promise((res, rej) => {
      http
        .get(`${base}/api/1/${path}`, { agent }, (r) => {
          r.resume()
          r.on('end', () =>
            r.statusCode === 200 ? res() : rej(new Error(`${path}: HTTP ${r.statusCode}`)),
          )
        })
        .on('error', rej)
    })
  const timeAll = async (paths) => {
    const times = []
    for (const p of paths) {
      const t0 = performance.now()
      await get(p)
      times.push(performance.now() - t0)
    }
    return times
  }
  try {
    const whereis = objects.map(([id, t]) => `provenance/whereis/swhid/swh:1:${t}:${id}/`)
    const contents = objects.filter(([, t]) => t === 'cnt').map(([id]) => `content/sha1_git:${id}/`)
    // A whole pass of each first (the server's code is optimised over thousands of requests),
    // then runs of both in turn, so that neither is measured on a colder server.
    await timeAll(whereis)
    await timeAll(contents)
    const w = { times: [], server: 0, client: 0 }
    const c = { times: [], server: 0, client: 0 }
    const measure = async (paths, into) => {
      const s0 = processCpu(server.pid)
      const c0 = process.cpuUsage()
      into.times.push(...(await timeAll(paths)))
      const used = process.cpuUsage(c0)
      into.server += (processCpu(server.pid) - s0) * 1000
      into.client += (used.user + used.system) / 1000
    }
    for (let r = 0; r < RUNS; r++) {
      await measure(whereis, w)
      await measure(contents, c)
    }
    for (const m of [w, c]) {
      m.server /= m.times.length
      m.client /= m.times.length
    }
    console.log(
      `whereis over HTTP (arca serve, one keep-alive connection): ${objects.length} objects, ${RUNS} runs, ${storageUrl ? 'PostgreSQL' : 'SQLite'}; load average ${loadAverage()}`,
    )
    const line = (label, m) =>
      console.log(
        `  ${label} p50 ${ms(percentile(m.times, 50))}  p95 ${ms(percentile(m.times, 95))}  server CPU ${ms(m.server)} a request, client ${ms(m.client)}`,
      )
    line('GET provenance/whereis/   ', w)
    line('GET content/sha1_git (ref)', c)
    console.log(
      `  ratio whereis / content lookup: p95 ${(percentile(w.times, 95) / percentile(c.times, 95)).toFixed(2)}x, server CPU ${(w.server / c.server).toFixed(2)}x`,
    )
  } finally {
    agent.destroy()
    server.kill('SIGTERM')
    await new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r()))
  }
}

/** Each measurement, by name, in run order. */
const SECTIONS = { save: saveSection, whereis: whereisSection, http: httpSection }

const only = opts.only ? opts.only.split(',') : Object.keys(SECTIONS)
for (const name of only) {
  if (!SECTIONS[name])
    throw new Error(`Unknown section "${name}": ${Object.keys(SECTIONS).join(', ')}`)
  await SECTIONS[name]()
}
console.log(
  `peak RSS: bench process ${Math.round(process.resourceUsage().maxRSS / 1024)} MB, arca commands ${Math.round(peakChildKb / 1024)} MB`,
)
