#!/usr/bin/env node
// Benchmark of harvesting. Part implemented so far: the task queue's own overhead, with no-op
// tasks, on SQLite (the archive's file) and on PostgreSQL: enqueue N tasks (batches of 1,000;
// most with an origin, so the one-running-task-per-origin rule is in play), then W concurrent
// in-process workers claim batches and complete every task one by one (one UPDATE each, as a
// real worker would). Reference, same run and same database: raw batched INSERT of N rows, then
// one autocommit DELETE per row by W concurrent loops (the least a durable queue can do per task).
// Prints tasks/s per backend, the reference rows/s, and peak RSS.
// Part 0 (harvest-save.mjs): Save Code Now, POST to succeeded on the embedded default.
// Part 2 (harvest-schedule.mjs): choosing the next 1,000 visits among LISTED listed origins
// (default 1,000,000), timed per call.
//
// Usage: npm run bench:harvest [-- --tasks N --workers W --batch B --origins K --listed L
//   --parts save,queue,schedule --requests R --backends sqlite,postgres]
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import pg from 'pg'

import { openTaskQueue } from '../dist/scheduler/index.js'
import { openSqlDatabase } from '../dist/storage/index.js'
import { saveBench } from './harvest-save.mjs'
import { scheduleBench } from './harvest-schedule.mjs'

const { values: opts } = parseArgs({
  options: {
    tasks: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '4' },
    batch: { type: 'string', default: '50' },
    origins: { type: 'string', default: '2000' },
    listed: { type: 'string', default: '1000000' },
    parts: { type: 'string', default: 'save,queue,schedule' },
    requests: { type: 'string', default: '20' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  },
})
const N = Number(opts.tasks)
const W = Number(opts.workers)
const B = Number(opts.batch)
const ORIGINS = Number(opts.origins)
const rate = (n, ms) => Math.round((n / ms) * 1000).toLocaleString('en-US')

async function queueRun(url) {
  const queue = await openTaskQueue(url)
  const tasks = Array.from({ length: N }, (_, i) => ({
    kind: 'noop',
    // nine in ten tasks have an origin
    origin: i % 10 === 9 ? null : `https://example.org/repo-${i % ORIGINS}.git`,
    args: { i },
    priority: i % 100 === 0 ? 100 : 0,
  }))
  const t0 = performance.now()
  for (let i = 0; i < N; i += 1000) await queue.enqueue(tasks.slice(i, i + 1000))
  const t1 = performance.now()
  let done = 0
  let running = 0
  const worker = async (name) => {
    for (;;) {
      const claimed = await queue.claim(name, { leaseMs: 600_000, limit: B })
      if (claimed.length === 0) {
        // all claimed; or what is left waits behind an origin another worker runs
        if (done + running === N) return
        await new Promise((r) => setTimeout(r, 1))
        continue
      }
      running += claimed.length
      for (const t of claimed) {
        if (!(await queue.complete(t.lease))) throw new Error(`lease of task ${t.id} lost`)
        done++
        running--
      }
    }
  }
  await Promise.all(Array.from({ length: W }, (_, w) => worker(`w${w}`)))
  const t2 = performance.now()
  if (done !== N) throw new Error(`completed ${done} of ${N}`)
  await queue.close()
  return { enqueueMs: t1 - t0, runMs: t2 - t1, totalMs: t2 - t0 }
}

async function referenceRun(url) {
  // the same commit setting as the queue's own connections (see src/scheduler/factory.ts)
  const db = openSqlDatabase(url, { postgresSettings: { synchronous_commit: 'off' } })
  const ddl =
    db.dialect === 'sqlite'
      ? 'CREATE TABLE bench_ref (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL)'
      : 'CREATE TABLE bench_ref (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)'
  await db.run(ddl)
  const t0 = performance.now()
  const ids = []
  for (let i = 0; i < N; i += 1000) {
    const n = Math.min(1000, N - i)
    const rows = await db.transaction((tx) =>
      tx.all(
        `INSERT INTO bench_ref (payload) VALUES ${Array.from({ length: n }, () => '(?)').join(', ')} RETURNING id`,
        Array.from({ length: n }, (_, k) => JSON.stringify({ i: i + k })),
      ),
    )
    for (const r of rows) ids.push(Number(r.id))
  }
  let next = 0
  const loop = async () => {
    while (next < ids.length) await db.run('DELETE FROM bench_ref WHERE id = ?', [ids[next++]])
  }
  await Promise.all(Array.from({ length: W }, loop))
  const t1 = performance.now()
  await db.close()
  return { totalMs: t1 - t0 }
}

async function bench(label, url, fresh) {
  const parts = opts.parts.split(',')
  if (parts.includes('schedule')) {
    console.log(
      `${label}: choosing the next 1,000 visits among ${Number(opts.listed).toLocaleString('en-US')} listed origins`,
    )
    const { times } = await scheduleBench(url, { listed: Number(opts.listed), log: console.log })
    const rss = Math.round(process.resourceUsage().maxRSS / 1024)
    console.log(
      `  ${label}: slowest ${Math.max(...times).toFixed(0)} ms, median ${[...times].sort((a, b) => a - b)[2].toFixed(0)} ms; peak RSS so far ${rss} MB`,
    )
    url = await fresh()
  }
  if (!parts.includes('queue')) return
  const q = await queueRun(url)
  const ref = await referenceRun(url)
  console.log(
    `${label}: ${N.toLocaleString('en-US')} no-op tasks, ${W} workers, claim batches of ${B}: ` +
      `${rate(N, q.totalMs)} tasks/s end to end (enqueue ${rate(N, q.enqueueMs)}/s, ` +
      `claim + complete ${rate(N, q.runMs)}/s); reference INSERT + DELETE ${rate(N, ref.totalMs)} rows/s ` +
      `(queue at ${((ref.totalMs / q.totalMs) * 100).toFixed(0)}% of it)`,
  )
}

if (opts.parts.split(',').includes('save'))
  await saveBench({
    dir: join(opts.dir, 'harvest-save'),
    requests: Number(opts.requests),
    log: console.log,
  })

const backends = opts.backends.split(',')
if (backends.includes('sqlite')) {
  const dir = join(opts.dir, 'harvest-sqlite')
  rmSync(dir, { recursive: true, force: true })
  let n = 0
  await bench(
    'SQLite',
    `sqlite:${join(dir, 'graph.sqlite')}`,
    async () => `sqlite:${join(dir, `graph-${++n}.sqlite`)}`,
  )
  rmSync(dir, { recursive: true, force: true })
}
if (backends.includes('postgres')) {
  const name = `arca_bench_harvest_${process.pid}`
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  try {
    await bench('PostgreSQL', `${opts.postgres}/${name}`, async () => {
      await admin.query(`CREATE DATABASE ${name}_q`)
      return `${opts.postgres}/${name}_q`
    })
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`DROP DATABASE IF EXISTS ${name}_q WITH (FORCE)`)
    await admin.end()
  }
}
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
