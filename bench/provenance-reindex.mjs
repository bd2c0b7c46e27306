#!/usr/bin/env node
// Harness: a forced provenance reindex (the same walk as on ingest) of an existing SQLite
// archive, in process, each statement on provenance_first and directory counted (calls, ids,
// rows) and timed; prints CPU (user+sys), wall, the load average and a hash of every
// provenance_first row (to compare builds: it must not change). NOWRAP=1: no counting.
//
// Usage: node bench/provenance-reindex.mjs DATA_DIR [DIST_DIR]
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
const [data, distArg] = process.argv.slice(2)
const dist = resolve(distArg ?? join(import.meta.dirname, '..', 'dist'))
const file = join(data, 'graph.sqlite')
const runsArg = process.env.RUNS
const { SqliteDb } = await import(`${dist}/storage/sqlite/sqlite-db.js`)
const { reindexProvenance } = await import(`${dist}/storage/sql/provenance-index.js`)
const db = new SqliteDb({ path: file })
const counts = new Map()
const key = (sql) => sql.replace(/\s+/g, ' ').slice(0, 60)
const wrap = (ex) => {
  for (const m of ['all', 'run']) {
    const orig = ex[m].bind(ex)
    ex[m] = async (sql, p) => {
      const t = process.hrtime.bigint()
      const r = await orig(sql, p)
      const c = counts.get(key(sql)) ?? { n: 0, ns: 0n, ids: 0, rows: 0 }
      c.n++
      c.ids += p?.length ?? 0
      c.rows += Array.isArray(r) ? r.length : 0
      c.ns += process.hrtime.bigint() - t
      counts.set(key(sql), c)
      return r
    }
  }
  const tx = ex.transaction.bind(ex)
  ex.transaction = (fn) =>
    tx((t) => {
      wrap(t)
      return fn(t)
    })
  return ex
}
if (!process.env.NOWRAP) wrap(db)
const runs = Number(runsArg ?? 1)
for (let i = 0; i < runs; i++) {
  counts.clear()
  const u0 = process.cpuUsage()
  const t0 = performance.now()
  const rep = await reindexProvenance(db, { force: true })
  const wall = (performance.now() - t0) / 1000
  const u = process.cpuUsage(u0)
  const cpu = (u.user + u.system) / 1e6
  const rows = await db.all(
    'SELECT id, kind, revision, date, origin_id, path, anchor_type FROM provenance_first ORDER BY id',
  )
  const h = createHash('sha256')
  for (const r of rows)
    h.update(
      JSON.stringify([
        Buffer.from(r.id).toString('hex'),
        r.kind,
        Buffer.from(r.revision).toString('hex'),
        r.date,
        r.origin_id,
        Buffer.from(r.path).toString('hex'),
        r.anchor_type,
      ]),
    )
  const revs = await db.all('SELECT count(*) AS n FROM provenance_revision')
  console.log(
    `wall ${wall.toFixed(2)} s cpu ${cpu.toFixed(2)} s (user ${(u.user / 1e6).toFixed(2)} sys ${(u.system / 1e6).toFixed(2)}) load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} report ${JSON.stringify(rep)} rows ${rows.length} revs ${revs[0].n} sha ${h.digest('hex').slice(0, 16)}`,
  )
  for (const [k, c] of [...counts].filter(([k]) => /provenance_first|FROM directory/.test(k)))
    console.log(
      `  ${c.n}\t${c.ids} params\t${c.rows} rows\t${(Number(c.ns) / 1e9).toFixed(3)} s\t${k}`,
    )
}
await db.close?.()
