#!/usr/bin/env node
// Benchmark of origin search, on SQLite (the archive's file) and on PostgreSQL: N generated
// origin URLs (default 1,000,000) are added through the storage API (then, as setup, one visit
// each by one INSERT … SELECT, and on PostgreSQL the ANALYZE that autovacuum runs after a bulk
// load), then multi-word queries (every word anywhere in the URL, any order) are timed as the
// API route runs them: one page of 100 visited, unmasked results and the total counted up to
// 1,000, from one query (src/web/search-total.ts). Also the page and the capped count in
// parallel (the route before) and the exact total as counted before that, for comparison. Reference, same run and same rows: the same words as an unindexed scan (one
// case-insensitive substring test per word over every URL, in SQL on the same database).
// Also times the object counters (GET /api/1/stat/counters/'s read). Then the fork list of
// an origin with 1,000 forks (see forkBench).
// Prints p50/p95 per backend and per query, this process's CPU time (all of SQLite's work; on
// PostgreSQL the server's is not in it), the ratio to the reference, and peak RSS.
//
// Usage: npm run bench:search [-- --origins N --backends sqlite,postgres --runs R --reuse]
// --reuse keeps the generated archives (the data dir under --dir and, on PostgreSQL, the database
// arca_bench_search) and, when they are there from an earlier run with the same N, times them
// again without generating anything (the schema is migrated on open as usual).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import Database from 'better-sqlite3'
import pg from 'pg'

import { makeRevision, makeSnapshot, utf8 } from '../dist/index.js'
import { openArchive } from '../dist/storage/archive.js'
import { searchPageAndTotal } from '../dist/web/search-total.js'

const { values: opts } = parseArgs({
  options: {
    origins: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '10' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    forks: { type: 'string', default: '1000' },
    reuse: { type: 'boolean', default: false },
  },
})
const N = Number(opts.origins)
const RUNS = Number(opts.runs)

const HOSTS = ['github.com', 'gitlab.com', 'bitbucket.org', 'git.sr.ht', 'codeberg.org']
const WORDS = (
  'apollo linux kernel react vue parser compiler engine http server client graph ' +
  'search archive mirror python rust go java lua shell tools utils core lib web api ' +
  'data model vision audio video crypto network storage cache queue stream test docs'
).split(' ')

// deterministic generator (a small LCG), so both backends get the same URLs
let state = 12345
const rand = (n) => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0
  return (state >>> 8) % n
}

function url(i) {
  const host = HOSTS[i % HOSTS.length]
  const owner = `user${rand(50000)}`
  const words = [WORDS[rand(WORDS.length)], WORDS[rand(WORDS.length)]]
  return `https://${host}/${owner}/${words.join('-')}-${i}`
}

// what people type: a rare owner with a word, two common words, a word and a number, three words
const KINDS = {
  'user4242 kernel': 'rare owner + word',
  'linux kernel': 'two common words',
  'apollo 11': 'word + 2-digit number',
  'chrislgarry Apollo 11': 'one match',
  'github react parser': 'forge + two words',
  'gitlab rust compiler 77': 'forge + two words + number',
  'codeberg storage cache': 'rarer forge + two words',
  'Queue STREAM user12': 'two words + owner prefix, mixed case',
}
const QUERIES = Object.keys(KINDS)
/** The total the API sends: exact up to this many (SEARCH_TOTAL_CAP). */
const CAP = 1000

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const ms = (x) => `${x.toFixed(1)} ms`

// CPU time (ms) of the PostgreSQL server processes serving the bench's database (same machine),
// from /proc: their work is not in this process's CPU time. Null for SQLite.
let serverCpu = async () => null

async function timeQueries(label, search, perQuery = false) {
  const times = []
  const byQuery = new Map(QUERIES.map((q) => [q, { times: [], cpu: 0, server: 0 }]))
  const server0 = await serverCpu()
  const cpu0 = process.cpuUsage()
  // per query: its runs one after the other, so that CPU time is told apart by query
  const order = perQuery
    ? QUERIES.flatMap((q) => Array.from({ length: RUNS }, () => q))
    : Array.from({ length: RUNS }, () => QUERIES).flat()
  for (let i = 0; i < order.length; i++) {
    const q = order[i]
    const first = perQuery && (i === 0 || order[i - 1] !== q)
    const last = perQuery && (i === order.length - 1 || order[i + 1] !== q)
    const st = byQuery.get(q)
    if (first) {
      st.cpu0 = process.cpuUsage()
      st.server0 = await serverCpu()
    }
    const t0 = performance.now()
    await search(q)
    const t = performance.now() - t0
    times.push(t)
    st.times.push(t)
    if (last) {
      const c = process.cpuUsage(st.cpu0)
      st.cpu = (c.user + c.system) / 1000 / RUNS
      const sv = await serverCpu()
      st.server = sv === null ? null : (sv - st.server0) / RUNS
    }
  }
  const cpu = process.cpuUsage(cpu0)
  const server1 = await serverCpu()
  const serverMs = server0 === null ? null : (server1 - server0) / times.length
  const p50 = percentile(times, 50)
  const p95 = percentile(times, 95)
  const cpuMs = (cpu.user + cpu.system) / 1000 / times.length
  console.log(
    `  ${label}: p50 ${ms(p50)}, p95 ${ms(p95)} (${times.length} queries; ` +
      `this process's CPU ${ms(cpuMs)} a query` +
      (serverMs === null ? ')' : `, PostgreSQL server's ${ms(serverMs)})`),
  )
  if (perQuery)
    for (const [q, st] of byQuery)
      console.log(
        `    ${KINDS[q].padEnd(38)} "${q}": p50 ${ms(percentile(st.times, 50))}, ` +
          `p95 ${ms(percentile(st.times, 95))}, CPU ${ms(st.cpu)}` +
          (st.server === null ? '' : ` + server ${ms(st.server)}`),
      )
  return p95
}

async function run(label, storageUrl, scan) {
  const dataDir = join(opts.dir, `search-${label}`)
  const marker = join(dataDir, 'bench-origins')
  const reused =
    opts.reuse && existsSync(marker) && readFileSync(marker, 'utf8').trim() === String(N)
  if (!reused) rmSync(dataDir, { recursive: true, force: true })
  const m0 = performance.now()
  const archive = await openArchive({
    dataDir,
    ...(storageUrl ? { storageUrl } : {}),
    writer: 'import',
  })
  const s = archive.storage
  if (reused) {
    const openS = (performance.now() - m0) / 1000
    console.log(
      `${label}: reusing ${N.toLocaleString('en-US')} origins (opened and migrated in ${openS.toFixed(1)} s)`,
    )
  } else {
    state = 12345
    const t0 = performance.now()
    for (let i = 0; i < N; i += 5000) {
      const batch = []
      for (let k = i; k < Math.min(N, i + 5000); k++) batch.push({ url: url(k) })
      if (i === 0) batch.push({ url: 'https://github.com/chrislgarry/Apollo-11' })
      await s.originAdd(batch)
    }
    await s.flush()
    const addS = (performance.now() - t0) / 1000
    console.log(`${label}: ${N.toLocaleString('en-US')} origins added in ${addS.toFixed(1)} s`)
    await visitAll(archive, storageUrl, dataDir)
  }
  const api = { withVisit: true, excludeMasked: true }
  for (const q of QUERIES) {
    const page = await s.originSearch(q, { ...api, limit: 100 })
    const total = await s.originSearchCount(q, api)
    console.log(`  "${q}": ${total} matches, first page ${page.results.length}`)
  }
  console.log(`  load average before timing: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)
  const p95 = await timeQueries(
    `API search: page of 100 + total exact up to ${CAP.toLocaleString('en-US')} (as the route: one query)`,
    (q) => searchPageAndTotal(s, q, api, { limit: 100 }),
    true,
  )
  await timeQueries('page of 100 and capped count in parallel (the route before)', (q) =>
    Promise.all([
      s.originSearch(q, { ...api, limit: 100 }),
      s.originSearchCount(q, { ...api, countLimit: CAP + 1 }),
    ]),
  )
  const before = await timeQueries(
    'as before: page of 100 + exact total, one after the other',
    async (q) => {
      await s.originSearch(q, { ...api, limit: 100 })
      await s.originSearchCount(q, api)
    },
  )
  await timeQueries('browse page: 100 by URL + total exact up to 1,000', (q) =>
    searchPageAndTotal(s, q, api, { limit: 100, order: 'url' }),
  )
  const ref = await timeQueries('reference: unindexed scan (page of 100 + total)', (q) =>
    scan(dataDir, storageUrl, q.split(/\s+/).filter(Boolean)),
  )
  console.log(
    `  ratio at p95: API search/reference ${(p95 / ref).toFixed(2)}x, ` +
      `API search/as before ${(p95 / before).toFixed(2)}x`,
  )
  const ct = []
  for (let r = 0; r < 200; r++) {
    const c0 = performance.now()
    await s.statCounters()
    ct.push(performance.now() - c0)
  }
  console.log(`  counters: p50 ${ms(percentile(ct, 50))}, p95 ${ms(percentile(ct, 95))}`)
  await forkBench(archive, reused)
  await archive.close()
  if (opts.reuse) writeFileSync(marker, `${N}\n`)
}

// Setup, not timed: one git visit for every origin (the API lists visited origins only), in one
// INSERT … SELECT beside the storage API; on PostgreSQL then ANALYZE, as autovacuum would after
// such a load (the test server runs without autovacuum): the planner walks the primary key for
// common words only with the table's statistics.
async function visitAll(archive, storageUrl, dataDir) {
  const t0 = performance.now()
  const sql = `INSERT INTO origin_visit (origin_id, visit, date, type)
    SELECT id, 1, 1767225600000000, 'git' FROM origin`
  if (storageUrl) {
    const c = new pg.Client({ connectionString: storageUrl })
    await c.connect()
    await c.query(sql)
    await c.query('ANALYZE origin, origin_visit')
    await c.end()
  } else {
    await archive.storage.flush()
    const db = new Database(join(dataDir, 'graph.sqlite'))
    db.exec(sql)
    db.close()
  }
  console.log(
    `  setup: a visit for every origin in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
const rev = (msg, parents) =>
  makeRevision({
    directory: EMPTY_TREE,
    parents,
    author: null,
    committer: null,
    date: null,
    committerDate: null,
    message: utf8(msg),
  })

// An origin with FORKS forks: a history of 2,000 revisions; fork i adds 1 + i % 3 revisions on
// revision 2,000 - i % 500 (so most fork points are not a recorded head). Times the indexing
// (on ingest, incremental), the fork list (page of 20, the API's default, and of 100, the
// browse page's) with HEADs and ahead/behind, and a re-visit with one new commit.
async function forkBench(archive, reused) {
  const s = archive.storage
  const F = Number(opts.forks)
  const main = 'https://github.com/bench/forked-project'
  if (reused && (await s.originForks(main, { limit: 1 })).total === F) return forkTimes(s, main)
  const chain = [rev('bench r1', [])]
  for (let i = 2; i <= 2000; i++) chain.push(rev(`bench r${i}`, [chain[i - 2].id]))
  const forkRevs = []
  const forkHeads = []
  for (let i = 0; i < F; i++) {
    let parent = chain[2000 - (i % 500) - 1].id
    for (let k = 0; k <= i % 3; k++) {
      const r = rev(`bench fork ${i} ${k}`, [parent])
      forkRevs.push(r)
      parent = r.id
    }
    forkHeads.push(parent)
  }
  await s.revisionAdd([...chain, ...forkRevs])
  const urls = [main, ...forkHeads.map((_, i) => `https://github.com/forker${i}/forked-project`)]
  const heads = [chain[1999].id, ...forkHeads]
  const snaps = heads.map((h) =>
    makeSnapshot([
      { name: utf8('HEAD'), target: { targetType: 'alias', target: utf8('refs/heads/main') } },
      { name: utf8('refs/heads/main'), target: { targetType: 'revision', target: h } },
    ]),
  )
  await s.snapshotAdd(snaps)
  await s.originAdd(urls.map((url) => ({ url })))
  await s.flush()
  const date = new Date('2026-01-01T00:00:00Z')
  const visits = await s.originVisitAdd(urls.map((origin) => ({ origin, date, type: 'git' })))
  const before = archive.backend.forkIndexStats()
  const t0 = performance.now()
  for (let i = 0; i < visits.length; i++)
    await s.originVisitStatusAdd([
      { ...visits[i], status: 'full', snapshot: snaps[i].id, metadata: null },
    ])
  const idx = performance.now() - t0
  const after = archive.backend.forkIndexStats()
  console.log(
    `  fork index: ${urls.length} origins indexed on ingest in ${(idx / 1000).toFixed(1)} s ` +
      `(${((idx / urls.length) | 0).toLocaleString('en-US')} ms each), ` +
      `${(after.walked - before.walked).toLocaleString('en-US')} revisions walked`,
  )
  await forkTimes(s, main)
  // A re-visit of the project with one new commit.
  const next = rev('bench r2001', [chain[1999].id])
  await s.revisionAdd([next])
  const snap = makeSnapshot([
    { name: utf8('HEAD'), target: { targetType: 'alias', target: utf8('refs/heads/main') } },
    { name: utf8('refs/heads/main'), target: { targetType: 'revision', target: next.id } },
  ])
  await s.snapshotAdd([snap])
  await s.flush()
  const [v] = await s.originVisitAdd([{ origin: main, date: new Date(), type: 'git' }])
  const w0 = archive.backend.forkIndexStats().walked
  const r0 = performance.now()
  await s.originVisitStatusAdd([{ ...v, status: 'full', snapshot: snap.id, metadata: null }])
  console.log(
    `  re-visit with 1 new commit: indexed in ${ms(performance.now() - r0)}, ` +
      `${archive.backend.forkIndexStats().walked - w0} revision walked`,
  )
}

/** Times the fork list of `main`: pages of 20 (the API's default) and 100 (the browse page's). */
async function forkTimes(s, main) {
  for (const limit of [20, 100]) {
    const times = []
    const cpu0 = process.cpuUsage()
    const server0 = await serverCpu()
    let page
    for (let r = 0; r < 20; r++) {
      const c0 = performance.now()
      page = await s.originForks(main, { limit })
      times.push(performance.now() - c0)
    }
    const cpu = process.cpuUsage(cpu0)
    const server = server0 === null ? null : ((await serverCpu()) - server0) / times.length
    console.log(
      `  fork list of an origin with ${page.total} forks (page of ${limit}, heads + ahead/behind): ` +
        `p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}, ` +
        `this process's CPU ${ms((cpu.user + cpu.system) / 1000 / times.length)} a page` +
        (server === null ? '' : `, PostgreSQL server's ${ms(server)}`),
    )
  }
}

let sqliteDb
async function sqliteScan(dataDir, _url, words) {
  sqliteDb ??= new Database(join(dataDir, 'graph.sqlite'), { readonly: true })
  const where = words.map(() => 'instr(lower(url), lower(?)) > 0').join(' AND ')
  sqliteDb.prepare(`SELECT url FROM origin WHERE ${where} ORDER BY id LIMIT 100`).all(...words)
  sqliteDb.prepare(`SELECT COUNT(*) FROM origin WHERE ${where}`).get(...words)
}

let pgClient
async function pgScan(_dir, url, words) {
  if (!pgClient) {
    pgClient = new pg.Client({ connectionString: url })
    await pgClient.connect()
  }
  const where = words.map((_, i) => `strpos(lower(url), lower($${i + 1})) > 0`).join(' AND ')
  await pgClient.query(`SELECT url FROM origin WHERE ${where} ORDER BY id LIMIT 100`, words)
  await pgClient.query(`SELECT COUNT(*) FROM origin WHERE ${where}`, words)
}

const backends = opts.backends.split(',')
if (backends.includes('sqlite')) {
  await run('sqlite', undefined, sqliteScan)
  sqliteDb?.close()
}
if (backends.includes('postgres')) {
  const name = opts.reuse ? 'arca_bench_search' : `arca_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  // a kept database without the marker of a finished run (in the data dir) is made again
  const marker = join(opts.dir, 'search-postgres', 'bench-origins')
  const complete = existsSync(marker) && readFileSync(marker, 'utf8').trim() === String(N)
  if (exists.rowCount > 0 && !complete) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
  if (exists.rowCount === 0 || !complete) await admin.query(`CREATE DATABASE ${name}`)
  const probe = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await probe.connect()
  serverCpu = async () => {
    const { rows } = await probe.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      name,
    ])
    let ticks = 0
    for (const { pid } of rows) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
        ticks += Number(f[11]) + Number(f[12])
      } catch {
        // a backend that has just exited
      }
    }
    return ticks * 10 // USER_HZ = 100
  }
  try {
    await run('postgres', `${opts.postgres}/${name}`, pgScan)
  } finally {
    await pgClient?.end()
    await probe.end()
    if (!opts.reuse) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
