#!/usr/bin/env node
// Benchmark of the storage's directory writes (the graph's reverse index with them): replays the
// directories of a loaded archive's graph.sqlite into a fresh archive through SqlStorage, in
// batches, and prints wall and CPU time. The build (`dist/`) of another checkout can be given to
// compare builds alternately; PG_URL=postgres://… writes into that (empty) database instead.
//
// Usage: node bench/graph-index-write.mjs <source graph.sqlite> [batch] [checkout]
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'

import Database from 'better-sqlite3'

const src = process.argv[2]
const batch = Number(process.argv[3] ?? 550)
const tree = resolve(process.argv[4] ?? resolve(import.meta.dirname, '..'))
const { SqlStorage } = await import(`${tree}/dist/storage/sql/sql-storage.js`)
const { SqliteDb } = await import(`${tree}/dist/storage/sqlite/sqlite-db.js`)
const { PostgresDb } = await import(`${tree}/dist/storage/postgres/postgres-db.js`)
const pgUrl = process.env.PG_URL
const { migrations } = await import(`${tree}/dist/storage/sql/schema.js`)
const { FsObjStorage } = await import(`${tree}/dist/objstorage/fs/fs-objstorage.js`)
const { unpackEntries } = await import(`${tree}/dist/storage/codec.js`)
// Directories in about the order a loader writes them: revisions by date, each root walked
// depth first, subtrees first, each directory once.
const sdb = new Database(src, { readonly: true })
const dirs = sdb.prepare('SELECT id, entries, raw_manifest FROM directory').all()
const byId = new Map(dirs.map((d) => [d.id.toString('hex'), d]))
const revs = sdb.prepare('SELECT directory FROM revision ORDER BY committer_date_seconds, id').all()
const order = []
const seen = new Set()
const visit = (id) => {
  if (seen.has(id) || !byId.has(id)) return
  seen.add(id)
  const d = byId.get(id)
  for (const e of unpackEntries(d.entries)) if (e.type === 'dir') visit(e.target)
  order.push({ id, entries: unpackEntries(d.entries), rawManifest: d.raw_manifest })
}
for (const r of revs) visit(r.directory.toString('hex'))
const dir = `/tmp/arca-bench-graph-index-${process.pid}`
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir)
const s = new SqlStorage(
  pgUrl ? new PostgresDb({ url: pgUrl }) : new SqliteDb({ path: `${dir}/graph.sqlite` }),
  migrations(pgUrl ? 'postgres' : 'sqlite'),
  {
    objstorage: new FsObjStorage({ root: `${dir}/objects`, fsync: false }),
  },
)
await s.open()
const c0 = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < order.length; i += batch) await s.directoryAdd(order.slice(i, i + batch))
const t1 = performance.now()
const c = process.cpuUsage(c0)
await s.close()
console.log(
  `${tree}: ${order.length} dirs in batches of ${batch}: wall ${((t1 - t0) / 1000).toFixed(2)} s, CPU ${((c.user + c.system) / 1e6).toFixed(2)} s, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
)
rmSync(dir, { recursive: true, force: true })
