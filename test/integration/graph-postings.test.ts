/**
 * The directory-entry reverse index as posting lists (storage migration 19), on SQLite and
 * PostgreSQL: a target held by hundreds of directories written in many batches (more posting
 * rows than one read page), paged answers, removal of directories from the lists, and an archive
 * with migration 18's one-row-per-edge table migrated and reindexed. Directory ids and the
 * expected parents come from `git mktree` over the entries written by hand, never from Arca.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'

import pg from 'pg'
import { describe, expect, it } from 'vitest'

import { UnavailableError } from '../../src/errors.js'
import { type Directory, makeDirectory, utf8 } from '../../src/index.js'
import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { PostgresDb } from '../../src/storage/postgres/postgres-db.js'
import type { Dialect, SqlDatabase } from '../../src/storage/sql/executor.js'
import { migrations } from '../../src/storage/sql/schema.js'
import { SqlStorage } from '../../src/storage/sql/sql-storage.js'
import { SqliteDb } from '../../src/storage/sqlite/sqlite-db.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const available = await postgresAvailable()

const fake = (s: string): string => createHash('sha1').update(s).digest('hex')
const SHARED = fake('shared file')
const THIRD = fake('every third')

interface Spec {
  /** name -> target, every entry a regular file */
  readonly files: [string, string][]
}

/** 600 batches of 1 or 2 directories: every one holds SHARED (some twice), every third THIRD. */
function specs(): Spec[][] {
  const batches: Spec[][] = []
  let n = 0
  for (let k = 0; k < 600; k++) {
    const batch: Spec[] = []
    for (let j = 0; j <= k % 2; j++, n++) {
      const files: [string, string][] = [
        ['shared', SHARED],
        [`own-${n}`, fake(`own ${n}`)],
      ]
      if (n % 3 === 0) files.push(['third', THIRD])
      if (n % 5 === 0) files.push(['shared-again', SHARED])
      batch.push({ files })
    }
    batches.push(batch)
  }
  return batches
}

/** Tree ids by `git mktree --missing --batch`, one per spec. */
function gitTreeIds(all: readonly Spec[], cwd: string): string[] {
  const input = all
    .map((s) => s.files.map(([name, t]) => `100644 blob ${t}\t${name}\n`).join(''))
    .join('\n')
  execFileSync('git', ['init', '-q', cwd])
  return execFileSync('git', ['mktree', '--missing', '--batch'], { cwd, input })
    .toString()
    .trim()
    .split('\n')
}

const directoryOf = (s: Spec): Directory =>
  makeDirectory({
    entries: s.files.map(([name, target]) => ({
      name: utf8(name),
      type: 'file' as const,
      perms: 0o100644,
      target,
    })),
  })

async function suite(dialect: Dialect, makeDb: () => SqlDatabase, dir: string): Promise<void> {
  const open = async (): Promise<SqlStorage> => {
    const s = new SqlStorage(makeDb(), migrations(dialect), {
      objstorage: new FsObjStorage({ root: join(dir, 'objects'), fsync: false }),
    })
    await s.open()
    return s
  }
  const batches = specs()
  const flat = batches.flat()
  const ids = gitTreeIds(flat, join(dir, 'git'))
  const dirs = flat.map(directoryOf)
  expect(dirs.map((d) => d.id)).toEqual(ids)
  const holding = (t: string, except: ReadonlySet<string> = new Set()): string[] =>
    flat
      .map((s, i) => (s.files.some(([, x]) => x === t) && !except.has(ids[i]!) ? ids[i]! : null))
      .filter((x): x is string => x !== null)
      .sort()
  /** Distinct (target, directory) pairs: the edges. */
  const edges = (except: ReadonlySet<string> = new Set()): number =>
    flat.reduce(
      (n, s, i) => n + (except.has(ids[i]!) ? 0 : new Set(s.files.map(([, t]) => t)).size),
      0,
    )

  let s = await open()
  const parents = async (targets: string[], limit = 1_000_000): Promise<Map<string, string[]>> =>
    s.graphSuccessors(
      targets.map((t) => `swh:1:cnt:${t}`),
      { direction: 'backward', edges: new Set(['cnt:dir']), limit },
    )
  const dirSwhids = (xs: string[]): string[] => xs.map((x) => `swh:1:dir:${x}`)
  try {
    let at = 0
    for (const batch of batches) {
      await s.directoryAdd(dirs.slice(at, at + batch.length))
      at += batch.length
    }
    // Stored again, with one new: nothing listed twice.
    const extra = directoryOf({
      files: [
        ['shared', SHARED],
        ['extra', fake('extra')],
      ],
    })
    await s.directoryAdd([...dirs.slice(0, 40), extra])
    const extraId = gitTreeIds(
      [
        {
          files: [
            ['shared', SHARED],
            ['extra', fake('extra')],
          ],
        },
      ],
      join(dir, 'git'),
    )[0]!
    expect(extra.id).toBe(extraId)
    const sharedAll = [...holding(SHARED), extraId].sort()
    expect(sharedAll.length).toBe(flat.length + 1)

    // More posting rows for SHARED than one read page (600 batches and the extra one).
    const rows = await s.db.all<{ n: unknown }>(
      'SELECT COUNT(*) AS n FROM graph_dir_post WHERE target = ?',
      [Buffer.from(SHARED, 'hex')],
    )
    expect(Number(rows[0]!.n)).toBe(601)
    expect((await parents([SHARED])).get(`swh:1:cnt:${SHARED}`)).toEqual(dirSwhids(sharedAll))
    expect((await parents([THIRD])).get(`swh:1:cnt:${THIRD}`)).toEqual(dirSwhids(holding(THIRD)))
    // Paged: the first `limit` (target, directory) pairs in that order.
    for (const limit of [1, 7, 513, 800]) {
      const got = (await parents([SHARED], limit)).get(`swh:1:cnt:${SHARED}`)
      expect(got, String(limit)).toEqual(dirSwhids(sharedAll.slice(0, limit)))
    }
    const [lo, hi] = [SHARED, THIRD].sort() as [string, string]
    const loAll = lo === SHARED ? sharedAll : holding(THIRD)
    const hiAll = hi === SHARED ? sharedAll : holding(THIRD)
    const both = await parents([hi, lo], loAll.length + 5)
    expect(both.get(`swh:1:cnt:${lo}`)).toEqual(dirSwhids(loAll))
    expect(both.get(`swh:1:cnt:${hi}`)).toEqual(dirSwhids(hiAll.slice(0, 5)))
    expect((await s.graphCounts()).arcsByType['dir:*']).toBe(edges() + 2)

    // Removal: the smallest id (the first of its list), one in the middle, one alone in its
    // batch (batch 0 has one directory: its lists go).
    const gone = new Set([sharedAll[0]!, sharedAll[200]!, ids[0]!].filter((x) => x !== extraId))
    expect(await s.removeObjects([...gone].map((x) => `swh:1:dir:${x}`))).toBe(gone.size)
    expect((await parents([SHARED])).get(`swh:1:cnt:${SHARED}`)).toEqual(
      dirSwhids(sharedAll.filter((x) => !gone.has(x))),
    )
    expect((await parents([THIRD])).get(`swh:1:cnt:${THIRD}`) ?? []).toEqual(
      dirSwhids(holding(THIRD, gone)),
    )
    expect((await s.graphCounts()).arcsByType['dir:*']).toBe(edges(gone) + 2)
    const own0 = fake('own 0')
    expect((await parents([own0])).get(`swh:1:cnt:${own0}`)).toBeUndefined()

    // An archive of migration 18: one row per edge, no posting lists.
    await s.db.transaction(async (tx) => {
      await tx.run('DROP TABLE graph_dir_post')
      await tx.run(
        `CREATE TABLE graph_dir_edge (
           target ${dialect === 'sqlite' ? 'BLOB' : 'BYTEA'} NOT NULL,
           dir ${dialect === 'sqlite' ? 'BLOB' : 'BYTEA'} NOT NULL, PRIMARY KEY (target, dir)
         )${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
      )
      const old: Buffer[] = []
      for (const [i, spec] of flat.entries()) {
        if (gone.has(ids[i]!)) continue
        for (const t of new Set(spec.files.map(([, x]) => x)))
          old.push(Buffer.from(t, 'hex'), Buffer.from(ids[i]!, 'hex'))
      }
      for (let i = 0; i < old.length; i += 1000) {
        const part = old.slice(i, i + 1000)
        await tx.run(
          `INSERT INTO graph_dir_edge (target, dir) VALUES ${new Array(part.length / 2).fill('(?, ?)').join(', ')}`,
          part,
        )
      }
      await tx.run('DELETE FROM schema_migration WHERE version = 19')
    })
    await s.close()
    s = await open()
    const tables = await s.db.all(
      dialect === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE name = 'graph_dir_edge'"
        : "SELECT tablename FROM pg_tables WHERE tablename = 'graph_dir_edge'",
    )
    expect(tables).toEqual([])
    expect(await s.graphIndexComplete()).toBe(false)
    await expect(parents([SHARED])).rejects.toBeInstanceOf(UnavailableError)
    // Added while the index is incomplete: left to the reindex, which lists it once.
    const late = directoryOf({
      files: [
        ['shared', SHARED],
        ['late', fake('late')],
      ],
    })
    await s.directoryAdd([late])
    const lateId = gitTreeIds(
      [
        {
          files: [
            ['shared', SHARED],
            ['late', fake('late')],
          ],
        },
      ],
      join(dir, 'git'),
    )[0]!
    expect((await s.graphReindex()).directories).toBe(flat.length - gone.size + 2)
    expect(await s.graphIndexComplete()).toBe(true)
    expect((await parents([SHARED])).get(`swh:1:cnt:${SHARED}`)).toEqual(
      dirSwhids([...sharedAll.filter((x) => !gone.has(x)), lateId].sort()),
    )
    expect((await parents([THIRD])).get(`swh:1:cnt:${THIRD}`)).toEqual(
      dirSwhids(holding(THIRD, gone)),
    )
    expect((await s.graphCounts()).arcsByType['dir:*']).toBe(edges(gone) + 4)
    // Complete again: ingest lists new directories at once.
    const after = directoryOf({ files: [['shared', SHARED]] })
    await s.directoryAdd([after])
    expect((await parents([SHARED])).get(`swh:1:cnt:${SHARED}`)).toContain(`swh:1:dir:${after.id}`)
    expect((await s.graphCounts()).arcsByType['dir:*']).toBe(edges(gone) + 5)
  } finally {
    await s.close()
  }
}

/**
 * A reindex (several pages) while other batches of directories are added: each directory ends
 * up in the lists exactly once, whichever side of the reindex's resume point its id falls.
 */
async function concurrentSuite(dialect: Dialect, makeDb: () => SqlDatabase, dir: string) {
  const s = new SqlStorage(makeDb(), migrations(dialect), {
    objstorage: new FsObjStorage({ root: join(dir, 'objects'), fsync: false }),
  })
  await s.open()
  try {
    const target = fake('held by all')
    const all: Spec[] = []
    for (let n = 0; n < 4800; n++)
      all.push({
        files: [
          ['all', target],
          [`f${n}`, fake(`file ${n}`)],
        ],
      })
    const ids = gitTreeIds(all, join(dir, 'git'))
    const dirs = all.map(directoryOf)
    expect(dirs.map((d) => d.id)).toEqual(ids)
    for (let i = 0; i < 4500; i += 500) await s.directoryAdd(dirs.slice(i, i + 500))
    await s.db.transaction(async (tx) => {
      await tx.run("UPDATE graph_index SET complete = 0, resume = NULL WHERE name = 'directory'")
    })
    const adding = (async () => {
      for (let i = 4500; i < 4800; i += 10) await s.directoryAdd(dirs.slice(i, i + 10))
    })()
    const [report] = await Promise.all([s.graphReindex(), adding])
    expect(report.directories).toBeGreaterThanOrEqual(4500)
    expect((await s.graphCounts()).arcsByType['dir:*']).toBe(2 * 4800)
    const got = await s.graphSuccessors([`swh:1:cnt:${target}`], {
      direction: 'backward',
      edges: new Set(['cnt:dir']),
      limit: 1_000_000,
    })
    expect(got.get(`swh:1:cnt:${target}`)).toEqual([...ids].sort().map((x) => `swh:1:dir:${x}`))
  } finally {
    await s.close()
  }
}

describe('graph reverse index as posting lists', () => {
  it('SQLite', async () => {
    const dir = makeTemp('arca-postings-')
    try {
      await suite('sqlite', () => new SqliteDb({ path: join(dir, 'graph.sqlite') }), dir)
    } finally {
      removeTemp(dir)
    }
  }, 60_000)

  it('SQLite: a reindex while directories are added lists each once', async () => {
    const dir = makeTemp('arca-postings-')
    try {
      await concurrentSuite('sqlite', () => new SqliteDb({ path: join(dir, 'graph.sqlite') }), dir)
    } finally {
      removeTemp(dir)
    }
  }, 60_000)

  it.runIf(available)(
    'PostgreSQL: a reindex while directories are added lists each once',
    async () => {
      const db = await createTestDatabase()
      const dir = makeTemp('arca-postings-')
      try {
        await concurrentSuite('postgres', () => new PostgresDb({ url: db.url }), dir)
      } finally {
        await db.drop()
        removeTemp(dir)
      }
    },
    60_000,
  )

  it.runIf(available)(
    'PostgreSQL',
    async () => {
      const db = await createTestDatabase()
      const dir = makeTemp('arca-postings-')
      try {
        await suite('postgres', () => new PostgresDb({ url: db.url }), dir)
      } finally {
        await db.drop()
        removeTemp(dir)
      }
    },
    60_000,
  )
})

describe.runIf(available)('graph reverse index on PostgreSQL, several writers', () => {
  it('an ingest does not wait for another one in flight', async () => {
    const db = await createTestDatabase()
    const dir = makeTemp('arca-postings-')
    const other = new pg.Client({ connectionString: db.url })
    try {
      const s = new SqlStorage(new PostgresDb({ url: db.url }), migrations('postgres'), {
        objstorage: new FsObjStorage({ root: join(dir, 'objects'), fsync: false }),
      })
      await s.open()
      const [first, second] = [0, 1].map((n) =>
        directoryOf({ files: [['f', fake(`writer ${n}`)]] }),
      )
      await s.directoryAdd([first!])
      // another process in the middle of an ingest: the index's lock held as an ingest holds it
      await other.connect()
      await other.query('BEGIN')
      await other.query("SELECT complete FROM graph_index WHERE name = 'directory' FOR SHARE")
      await s.directoryAdd([second!])
      const found = await s.graphSuccessors([`swh:1:cnt:${fake('writer 1')}`], {
        direction: 'backward',
        edges: new Set(['cnt:dir']),
        limit: 10,
      })
      expect(found.get(`swh:1:cnt:${fake('writer 1')}`)).toEqual([`swh:1:dir:${second!.id}`])
      await other.query('COMMIT')
      await s.close()
    } finally {
      await other.end().catch(() => undefined)
      await db.drop()
      removeTemp(dir)
    }
  }, 60_000)
})
