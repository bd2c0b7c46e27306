#!/usr/bin/env node
process.env.UV_THREADPOOL_SIZE ??= '16'
// Benchmark: through the full writer layer stack (validate → buffer → filter → journal →
// backend), add ~200k contents, ~50k directories holding ~1M entries and 50k revisions into
// SQLite and into PostgreSQL; then time batched lookups. Prints objects/s, lookups/s and peak RSS.
//
// Usage: npm run bench:storage [-- --contents N --dirs N --revisions N --backends sqlite,postgres
//        --objstorage files|pack]
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import pg from 'pg'

import { makeContent, makeDirectory, makeRevision } from '../dist/index.js'
import { openArchive } from '../dist/storage/archive.js'

const { values: opts } = parseArgs({
  options: {
    contents: { type: 'string', default: '200000' },
    dirs: { type: 'string', default: '50000' },
    entries: { type: 'string', default: '20' },
    revisions: { type: 'string', default: '50000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    'no-fsync': { type: 'boolean', default: false },
    objstorage: { type: 'string', default: 'files' },
  },
})
const N_CONTENTS = Number(opts.contents)
const N_DIRS = Number(opts.dirs)
const N_ENTRIES = Number(opts.entries)
const N_REVS = Number(opts.revisions)
const enc = (s) => new TextEncoder().encode(s)

let state = 12345
const rand = (n) => {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) % n
}

function* contentBatches(size) {
  for (let i = 0; i < N_CONTENTS; i += size) {
    const batch = []
    for (let k = i; k < Math.min(N_CONTENTS, i + size); k++) {
      const data = enc(`content number ${k} ` + 'abcdefghij'.repeat(1 + (k % 40)))
      batch.push({ ...makeContent(data), data })
    }
    yield batch
  }
}

async function run(label, storageUrl) {
  const dataDir = join(opts.dir, `storage-${label}`)
  rmSync(dataDir, { recursive: true, force: true })
  const archive = await openArchive({
    dataDir,
    ...(storageUrl ? { storageUrl } : {}),
    contentStore: opts.objstorage,
    writer: 'import',
  })
  const s = archive.storage
  // Only time spent inside storage calls is measured (not generating the objects).
  let inStorage = 0
  const timed = async (p) => {
    const start = performance.now()
    await p()
    inStorage += performance.now() - start
  }
  const contentIds = []
  for (const batch of contentBatches(1000)) {
    await timed(() => s.contentAdd(batch))
    for (const c of batch) contentIds.push(c.sha1Git)
  }
  await timed(() => s.flush())
  const tContents = inStorage
  const dirIds = []
  let entries = 0
  for (let i = 0; i < N_DIRS; i += 500) {
    const batch = []
    for (let k = i; k < Math.min(N_DIRS, i + 500); k++) {
      const es = []
      for (let e = 0; e < N_ENTRIES; e++) {
        es.push({
          name: enc(`file-${k}-${e}.c`),
          type: 'file',
          perms: e % 7 === 0 ? 0o100755 : 0o100644,
          target: contentIds[rand(contentIds.length)],
        })
      }
      if (dirIds.length > 0)
        es.push({
          name: enc('sub'),
          type: 'dir',
          perms: 0o40000,
          target: dirIds[rand(dirIds.length)],
        })
      entries += es.length
      batch.push(makeDirectory({ entries: es }))
    }
    await timed(() => s.directoryAdd(batch))
    for (const d of batch) dirIds.push(d.id)
  }
  await timed(() => s.flush())
  const tDirs = inStorage
  const who = { fullname: enc('Bench Mark <bench@example.org>') }
  const revIds = []
  for (let i = 0; i < N_REVS; i += 1000) {
    const batch = []
    for (let k = i; k < Math.min(N_REVS, i + 1000); k++) {
      const date = {
        timestamp: { seconds: 1600000000 + k, microseconds: 0 },
        offsetBytes: enc('+0200'),
      }
      const parents = revIds.length > 0 ? [revIds[revIds.length - 1]] : []
      const r = makeRevision({
        directory: dirIds[rand(dirIds.length)],
        parents,
        author: who,
        committer: who,
        date,
        committerDate: date,
        message: enc(`commit ${k}\n`),
      })
      batch.push(r)
      revIds.push(r.id)
    }
    await timed(() => s.revisionAdd(batch))
  }
  await timed(() => s.flush())
  const tRevs = inStorage
  const t0 = 0
  const objects = N_CONTENTS + N_DIRS + N_REVS
  const addSeconds = (tRevs - t0) / 1000

  // Lookups on the backend (readers do not use the writer layers): batches of random known ids.
  const b = archive.backend
  const pick = (ids, n) => Array.from({ length: n }, () => ids[rand(ids.length)])
  const timeLookups = async (fn, ids, batch, rounds) => {
    const start = performance.now()
    for (let r = 0; r < rounds; r++) await fn(pick(ids, batch))
    return (batch * rounds) / ((performance.now() - start) / 1000)
  }
  const missingRate = await timeLookups((ids) => b.contentMissing(ids), contentIds, 1000, 100)
  const contentGetRate = await timeLookups((ids) => b.contentGet(ids), contentIds, 1000, 50)
  const dirRate = await timeLookups((ids) => b.directoryGet(ids), dirIds, 100, 200)
  const revRate = await timeLookups((ids) => b.revisionGet(ids), revIds, 100, 200)
  await archive.close()
  rmSync(dataDir, { recursive: true, force: true })

  const fmt = (x) => Math.round(x).toLocaleString('en')
  console.log(`${label}${opts['no-fsync'] ? ' (content files not fsynced)' : ''}:`)
  console.log(
    `  added ${fmt(objects)} objects (${fmt(N_CONTENTS)} contents, ${fmt(N_DIRS)} directories with ${fmt(entries)} entries, ${fmt(N_REVS)} revisions) in ${addSeconds.toFixed(1)} s spent in storage calls`,
  )
  console.log(
    `  => ${fmt(objects / addSeconds)} objects/s; ${fmt((objects + entries) / addSeconds)}/s counting each directory entry as an object\n     contents ${fmt(N_CONTENTS / ((tContents - t0) / 1000))}/s, directories ${fmt(N_DIRS / ((tDirs - tContents) / 1000))}/s = ${fmt(entries / ((tDirs - tContents) / 1000))} entries/s, revisions ${fmt(N_REVS / ((tRevs - tDirs) / 1000))}/s`,
  )
  console.log(
    `  lookups: contentMissing ${fmt(missingRate)}/s, contentGet ${fmt(contentGetRate)}/s, directoryGet ${fmt(dirRate)}/s, revisionGet ${fmt(revRate)}/s`,
  )
  return objects / addSeconds
}

const backends = opts.backends.split(',')
if (backends.includes('sqlite')) await run('sqlite', undefined)
if (backends.includes('postgres')) {
  const name = `arca_bench_${process.pid}`
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  try {
    await run('postgres', `${opts.postgres}/${name}`)
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
