#!/usr/bin/env node
// Benchmark of origin search, on SQLite (the archive's file) and on PostgreSQL: N generated
// origin URLs (default 1,000,000) are added through the storage API, then multi-word queries
// (every word anywhere in the URL, any order) are timed as the API route runs them: one page
// of 100 results plus the total count. Reference, same run and same rows: the same words as
// an unindexed scan (one case-insensitive substring test per word over every URL, in SQL on
// the same database). Also times the object counters (GET /api/1/stat/counters/'s read).
// Then the fork list of an origin with 1,000 forks (see forkBench).
// Prints p50/p95 per backend, the ratio to the reference, and peak RSS.
//
// Usage: npm run bench:search [-- --origins N --backends sqlite,postgres --runs R]
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import Database from 'better-sqlite3'
import pg from 'pg'

import { makeRevision, makeSnapshot, utf8 } from '../dist/index.js'
import { openArchive } from '../dist/storage/archive.js'

const { values: opts } = parseArgs({
  options: {
    origins: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    forks: { type: 'string', default: '1000' },
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
const QUERIES = [
  'user4242 kernel',
  'linux kernel',
  'apollo 11',
  'chrislgarry Apollo 11',
  'github react parser',
  'gitlab rust compiler 77',
  'codeberg storage cache',
  'Queue STREAM user12',
]

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const ms = (x) => `${x.toFixed(1)} ms`

async function timeQueries(label, search) {
  const times = []
  for (let r = 0; r < RUNS; r++) {
    for (const q of QUERIES) {
      const t0 = performance.now()
      await search(q)
      times.push(performance.now() - t0)
    }
  }
  const p50 = percentile(times, 50)
  const p95 = percentile(times, 95)
  console.log(`  ${label}: p50 ${ms(p50)}, p95 ${ms(p95)} (${times.length} queries)`)
  return p95
}

async function run(label, storageUrl, scan) {
  const dataDir = join(opts.dir, `search-${label}`)
  rmSync(dataDir, { recursive: true, force: true })
  const archive = await openArchive({
    dataDir,
    ...(storageUrl ? { storageUrl } : {}),
    writer: 'import',
  })
  const s = archive.storage
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
  for (const q of QUERIES) {
    const page = await s.originSearch(q, { limit: 100 })
    const total = await s.originSearchCount(q)
    console.log(`  "${q}": ${total} matches, first page ${page.results.length}`)
  }
  const p95 = await timeQueries('multi-word search (page of 100 + total)', async (q) => {
    await s.originSearch(q, { limit: 100 })
    await s.originSearchCount(q)
  })
  await timeQueries('multi-word search as the API runs it (visited, unmasked)', async (q) => {
    const o = { withVisit: true, excludeMasked: true }
    await s.originSearch(q, { ...o, limit: 100 })
    await s.originSearchCount(q, o)
  })
  await timeQueries('multi-word search, total capped at 10,000', async (q) => {
    await s.originSearch(q, { limit: 100 })
    await s.originSearchCount(q, { countLimit: 10_000 })
  })
  await timeQueries('search page (100 by URL, as the browse page) + total', async (q) => {
    await s.originSearch(q, { limit: 100, order: 'url' })
    await s.originSearchCount(q)
  })
  const ref = await timeQueries('reference: unindexed scan (page of 100 + total)', (q) =>
    scan(dataDir, storageUrl, q.split(/\s+/).filter(Boolean)),
  )
  console.log(`  ratio search/reference at p95: ${(p95 / ref).toFixed(2)}x`)
  const ct = []
  for (let r = 0; r < 200; r++) {
    const c0 = performance.now()
    await s.statCounters()
    ct.push(performance.now() - c0)
  }
  console.log(`  counters: p50 ${ms(percentile(ct, 50))}, p95 ${ms(percentile(ct, 95))}`)
  await forkBench(archive)
  await archive.close()
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
async function forkBench(archive) {
  const s = archive.storage
  const F = Number(opts.forks)
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
  const main = 'https://github.com/bench/forked-project'
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
  for (const limit of [20, 100]) {
    const times = []
    let page
    for (let r = 0; r < 20; r++) {
      const c0 = performance.now()
      page = await s.originForks(main, { limit })
      times.push(performance.now() - c0)
    }
    console.log(
      `  fork list of an origin with ${page.total} forks (page of ${limit}, heads + ahead/behind): ` +
        `p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}`,
    )
  }
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
  const name = `arca_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  try {
    await run('postgres', `${opts.postgres}/${name}`, pgScan)
  } finally {
    await pgClient?.end()
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
