/**
 * The graph storage on SQL, shared by the SQLite and PostgreSQL backends (they differ in their
 * executor and schema rendering only). Every add runs in one transaction that also updates the
 * counters, so counters never drift from the rows; adds use `ON CONFLICT DO NOTHING` so
 * overlapping concurrent writers never fail and never duplicate.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import {
  type BranchTarget,
  compareBytes,
  type Content,
  type CoreSwhid,
  type CoreType,
  type Directory,
  type DirectoryEntry,
  type ExtendedSwhid,
  type ExtId,
  formatSwhid,
  fromHex,
  type Origin,
  originId,
  type OriginVisit,
  type OriginVisitStatus,
  type Person,
  type Release,
  type ReleaseTargetType,
  type Revision,
  type RevisionType,
  type SkippedContent,
  type Snapshot,
  type SnapshotBranch,
  type TimestampWithTimezone,
  toHex,
  type VisitStatusValue,
} from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import {
  packEntries,
  packHeaders,
  packIds,
  plainBytes,
  unpackEntries,
  unpackHeaders,
  unpackIds,
} from '../codec.js'
import type {
  AbortOptions,
  AddSummary,
  ContentHashName,
  ContentWithData,
  Counters,
  DirectoryEntryInfo,
  DirectoryLsOptions,
  MaskingState,
  ObjectKind,
  OriginListOptions,
  OriginSearchOptions,
  OriginSearchResult,
  OriginVisitGetOptions,
  OriginVisitInit,
  OriginVisitLatestOptions,
  OriginVisitStatusGetOptions,
  OriginVisitWithStatus,
  Page,
  RevisionLogOptions,
  SnapshotBranchesOptions,
  SnapshotBranchesPage,
  Storage,
} from '../interface.js'
import type { Migration, SqlDatabase, SqlExecutor, SqlValue } from './executor.js'
import { compileOriginRegexp, regexpScan } from './origin-regexp.js'
import { dateFields, dateMicros, parseStatusToken, statusToken } from './visit-dates.js'

/** Rows per multi-row statement (keeps parameters under both engines' limits). */
const CHUNK = 400

type Row = Record<string, unknown>

const b = (hex: string): Buffer => Buffer.from(hex, 'hex')
const hex = (v: unknown): string => toHex(v as Uint8Array)
const hexOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : hex(v))
const bytesOrNull = (v: unknown): Uint8Array | null =>
  v === null || v === undefined ? null : plainBytes(v as Uint8Array)
const num = (v: unknown): number => Number(v)
const str = (v: unknown): string => {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString()
  throw new TypeError(`Expected a string column, got ${typeof v}`)
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function placeholders(rows: number, cols: number): string {
  const one = `(${new Array<string>(cols).fill('?').join(', ')})`
  return new Array<string>(rows).fill(one).join(', ')
}

function inList(n: number): string {
  return `(${new Array<string>(n).fill('?').join(', ')})`
}

/** Unique objects by key, first occurrence kept. */
function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>()
  const out: T[] = []
  for (const it of items) {
    const k = key(it)
    if (!seen.has(k)) {
      seen.add(k)
      out.push(it)
    }
  }
  return out
}

function person(v: unknown): Person | null {
  return v === null || v === undefined ? null : { fullname: plainBytes(v as Uint8Array) }
}

function dateOf(seconds: unknown, micro: unknown, offset: unknown): TimestampWithTimezone | null {
  if (seconds === null || seconds === undefined) return null
  return {
    timestamp: { seconds: num(seconds), microseconds: num(micro) },
    offsetBytes: plainBytes(offset as Uint8Array),
  }
}

function dateCols(d: TimestampWithTimezone | null): SqlValue[] {
  return d === null
    ? [null, null, null]
    : [d.timestamp.seconds, d.timestamp.microseconds, Buffer.from(d.offsetBytes)]
}

function parseJson(v: unknown): Readonly<Record<string, unknown>> | null {
  if (v === null || v === undefined) return null
  return JSON.parse(str(v)) as Record<string, unknown>
}

function token(n: number): string {
  return String(n)
}

function parseToken(t: string | null | undefined, what: string): number | null {
  if (t === null || t === undefined || t === '') return null
  if (!/^\d{1,15}$/.test(t)) throw new InvalidInputError(`Invalid ${what} page token "${t}"`)
  return Number(t)
}

/** Settings of {@link SqlStorage}. */
export interface SqlStorageInit {
  /** Where content bytes go (written before content rows). */
  readonly objstorage: ObjStorage
}

/**
 * Graph storage over an {@link SqlDatabase}.
 *
 * @example
 * ```ts
 * const storage = new SqlStorage(new SqliteDb({ path: 'graph.sqlite' }), migrations('sqlite'), { objstorage })
 * await storage.open()
 * ```
 */
export class SqlStorage implements Storage {
  readonly #db: SqlDatabase
  readonly #migrations: readonly Migration[]
  readonly #objstorage: ObjStorage
  #opened = false

  constructor(db: SqlDatabase, migrations: readonly Migration[], init: SqlStorageInit) {
    this.#db = db
    this.#migrations = migrations
    this.#objstorage = init.objstorage
  }

  /** The database (for backend-specific tools and tests). */
  get db(): SqlDatabase {
    return this.#db
  }

  /** The content store this storage writes bytes to. */
  get objstorage(): ObjStorage {
    return this.#objstorage
  }

  async open(): Promise<void> {
    if (this.#opened) return
    await this.#objstorage.open()
    await this.#migrate()
    this.#opened = true
  }

  async #migrate(): Promise<void> {
    for (const m of this.#migrations) {
      await this.#db.transaction(async (tx) => {
        if (tx.dialect === 'postgres') {
          // One migrator at a time across processes (even creating the bookkeeping table races:
          // CREATE TABLE IF NOT EXISTS is not atomic in PostgreSQL).
          await tx.all('SELECT pg_advisory_xact_lock(4242001)')
        }
        await tx.run(
          'CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
        )
        const done = await tx.all('SELECT version FROM schema_migration WHERE version = ?', [
          m.version,
        ])
        if (done.length > 0) return
        for (const s of m.statements) await tx.run(s)
        await tx.run(
          'INSERT INTO schema_migration (version, description, applied_at) VALUES (?, ?, ?)',
          [m.version, m.description, new Date().toISOString()],
        )
      })
    }
  }

  async close(): Promise<void> {
    this.#opened = false
    await this.#db.close()
    await this.#objstorage.close()
  }

  flush(): Promise<AddSummary> {
    return Promise.resolve({})
  }

  async #bump(tx: SqlExecutor, kind: ObjectKind, n: number): Promise<void> {
    if (n > 0) await tx.run('UPDATE counter SET value = value + ? WHERE kind = ?', [n, kind])
  }

  /** Inserts rows, ignoring existing keys; returns how many were new. */
  async #insert(
    tx: SqlExecutor,
    table: string,
    cols: readonly string[],
    rows: readonly SqlValue[][],
  ): Promise<number> {
    let added = 0
    for (const part of chunks(rows, Math.max(1, Math.floor((CHUNK * 8) / cols.length)))) {
      added += await tx.run(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${placeholders(part.length, cols.length)} ON CONFLICT DO NOTHING`,
        part.flat(),
      )
    }
    return added
  }

  async #existing(
    table: string,
    col: string,
    ids: readonly Uint8Array[],
    tx: SqlExecutor = this.#db,
  ): Promise<Set<string>> {
    const found = new Set<string>()
    for (const part of chunks(ids)) {
      const rows = await tx.all<Row>(
        `SELECT ${col} AS k FROM ${table} WHERE ${col} IN ${inList(part.length)}`,
        part,
      )
      for (const r of rows) found.add(hex(r['k']))
    }
    return found
  }

  async #missingIds(table: string, col: string, ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)]
    const found = await this.#existing(table, col, unique.map(b))
    return unique.filter((id) => !found.has(id))
  }

  async #getRows(
    table: string,
    col: string,
    ids: readonly string[],
    select = '*',
  ): Promise<Map<string, Row>> {
    const out = new Map<string, Row>()
    const unique = [...new Set(ids)]
    for (const part of chunks(unique)) {
      const rows = await this.#db.all<Row>(
        `SELECT ${select} FROM ${table} WHERE ${col} IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const r of rows) out.set(hex(r[col]), r)
    }
    return out
  }

  // -- contents ------------------------------------------------------------------------------

  async contentAdd(
    contents: readonly ContentWithData[],
    options: AbortOptions = {},
  ): Promise<AddSummary> {
    const unique = uniqueBy(contents, (c) => c.sha1Git)
    for (const c of unique) {
      if (c.data.length !== c.length) {
        throw new InvalidInputError(
          `Cannot add content "swh:1:cnt:${c.sha1Git}": length ${c.length} but ${c.data.length} bytes given`,
        )
      }
    }
    const missing = new Set(await this.contentMissing(unique.map((c) => c.sha1Git)))
    const todo = unique.filter((c) => missing.has(c.sha1Git))
    // Write order: bytes go to the content store before the rows that make them visible, so a
    // visible content row always has its bytes (a crash in between leaves unreferenced bytes,
    // which a rerun reuses).
    await this.#objstorage.addBatch(
      todo.map((c) => ({ id: c.sha1Git, data: c.data })),
      options,
    )
    const summary = await this.contentAddMetadata(todo)
    return { ...summary, 'content:add:bytes': todo.reduce((n, c) => n + c.length, 0) }
  }

  async contentAddMetadata(contents: readonly Content[]): Promise<AddSummary> {
    const unique = uniqueBy(contents, (c) => c.sha1Git)
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'content',
        ['sha1_git', 'sha1', 'sha256', 'blake2s256', 'length', 'status', 'ctime'],
        unique.map((c) => [
          b(c.sha1Git),
          b(c.sha1),
          b(c.sha256),
          b(c.blake2s256),
          c.length,
          c.status,
          c.ctime?.getTime() ?? null,
        ]),
      )
      await this.#bump(tx, 'content', n)
      return n
    })
    return { 'content:add': added }
  }

  contentMissing(ids: readonly string[]): Promise<string[]> {
    return this.#missingIds('content', 'sha1_git', ids)
  }

  async contentGet(
    ids: readonly string[],
    hash: ContentHashName = 'sha1_git',
  ): Promise<(Content | null)[]> {
    const rows = await this.#getRows('content', hash, ids)
    return ids.map((id) => {
      const r = rows.get(id)
      return r ? contentFromRow(r) : null
    })
  }

  async skippedContentAdd(contents: readonly SkippedContent[]): Promise<AddSummary> {
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'skipped_content',
        [
          'hash_key',
          'sha1',
          'sha1_git',
          'sha256',
          'blake2s256',
          'length',
          'reason',
          'origin',
          'ctime',
        ],
        contents.map((c) => [
          skippedKey(c),
          c.sha1 === null ? null : b(c.sha1),
          c.sha1Git === null ? null : b(c.sha1Git),
          c.sha256 === null ? null : b(c.sha256),
          c.blake2s256 === null ? null : b(c.blake2s256),
          c.length,
          c.reason,
          c.origin,
          c.ctime?.getTime() ?? null,
        ]),
      )
      await this.#bump(tx, 'skipped_content', n)
      return n
    })
    return { 'skipped_content:add': added }
  }

  async skippedContentMissing(contents: readonly SkippedContent[]): Promise<SkippedContent[]> {
    const keys = contents.map(skippedKey)
    const found = await this.#existing('skipped_content', 'hash_key', keys)
    return contents.filter((_, i) => !found.has(toHex(keys[i]!)))
  }

  async skippedContentFind(sha1Git: string): Promise<SkippedContent[]> {
    const rows = await this.#db.all<Row>('SELECT * FROM skipped_content WHERE sha1_git = ?', [
      b(sha1Git),
    ])
    return rows.map(skippedFromRow)
  }

  // -- directories ---------------------------------------------------------------------------

  async directoryAdd(directories: readonly Directory[]): Promise<AddSummary> {
    const unique = uniqueBy(directories, (d) => d.id)
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'directory',
        ['id', 'entries', 'raw_manifest'],
        unique.map((d) => [
          b(d.id),
          Buffer.from(packEntries(d.entries)),
          d.rawManifest === null ? null : Buffer.from(d.rawManifest),
        ]),
      )
      await this.#bump(tx, 'directory', n)
      return n
    })
    return { 'directory:add': added }
  }

  directoryMissing(ids: readonly string[]): Promise<string[]> {
    return this.#missingIds('directory', 'id', ids)
  }

  async directoryGet(ids: readonly string[]): Promise<(Directory | null)[]> {
    const rows = await this.#getRows('directory', 'id', ids)
    return ids.map((id) => {
      const r = rows.get(id)
      return r
        ? {
            id,
            entries: unpackEntries(r['entries'] as Uint8Array),
            rawManifest: bytesOrNull(r['raw_manifest']),
          }
        : null
    })
  }

  async #entryInfos(
    dirId: string,
    entries: readonly DirectoryEntry[],
    prefix: Uint8Array | null,
  ): Promise<DirectoryEntryInfo[]> {
    const fileTargets = [...new Set(entries.filter((e) => e.type === 'file').map((e) => e.target))]
    // Hashes come back as hex text computed by the database: listings of big directories then
    // allocate no buffer per hash.
    const hexOf = (col: string): string =>
      this.#db.dialect === 'postgres' ? `encode(${col}, 'hex')` : `lower(hex(${col}))`
    const contents = new Map<string, Row>()
    for (const part of chunks(fileTargets)) {
      const rows = await this.#db.all<Row>(
        `SELECT ${hexOf('sha1_git')} AS id, length, status, ${hexOf('sha1')} AS sha1, ${hexOf('sha256')} AS sha256, ${hexOf('blake2s256')} AS blake2s256 FROM content WHERE sha1_git IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const r of rows) contents.set(str(r['id']), r)
    }
    return entries.map((e) => {
      const c = e.type === 'file' ? contents.get(e.target) : undefined
      return {
        ...e,
        dirId,
        path: prefix === null ? e.name : Buffer.concat([prefix, Buffer.from('/'), e.name]),
        length: c ? num(c['length']) : null,
        status: c ? (str(c['status']) as 'visible' | 'hidden') : null,
        sha1: c ? str(c['sha1']) : null,
        sha256: c ? str(c['sha256']) : null,
        blake2s256: c ? str(c['blake2s256']) : null,
      }
    })
  }

  async directoryLs(
    id: string,
    options: DirectoryLsOptions = {},
  ): Promise<DirectoryEntryInfo[] | null> {
    const [dir] = await this.directoryGet([id])
    if (!dir) return null
    const top = await this.#entryInfos(id, dir.entries, null)
    if (!options.recursive) return top
    // Depth first, each directory's entry before its children.
    const out: DirectoryEntryInfo[] = []
    const visit = async (entries: DirectoryEntryInfo[]): Promise<void> => {
      for (const e of entries) {
        options.signal?.throwIfAborted()
        out.push(e)
        if (e.type !== 'dir') continue
        const [sub] = await this.directoryGet([e.target])
        if (sub) await visit(await this.#entryInfos(e.target, sub.entries, e.path))
      }
    }
    await visit(top)
    return out
  }

  async directoryEntryGetByPath(
    id: string,
    path: readonly Uint8Array[],
  ): Promise<DirectoryEntryInfo | null> {
    if (path.length === 0) return null
    let current = id
    let prefix: Uint8Array | null = null
    for (let i = 0; i < path.length; i++) {
      const [dir] = await this.directoryGet([current])
      if (!dir) return null
      const entry = dir.entries.find((e) => compareBytes(e.name, path[i]!) === 0)
      if (!entry) return null
      if (i === path.length - 1) {
        const [info] = await this.#entryInfos(current, [entry], prefix)
        return info
          ? {
              ...info,
              path: Buffer.concat(path.flatMap((p, k) => (k === 0 ? [p] : [Buffer.from('/'), p]))),
            }
          : null
      }
      if (entry.type !== 'dir') return null
      prefix = prefix === null ? entry.name : Buffer.concat([prefix, Buffer.from('/'), entry.name])
      current = entry.target
    }
    return null
  }

  // -- revisions -----------------------------------------------------------------------------

  async revisionAdd(revisions: readonly Revision[]): Promise<AddSummary> {
    const unique = uniqueBy(revisions, (r) => r.id)
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'revision',
        [
          'id',
          'directory',
          'parents',
          'author',
          'committer',
          'date_seconds',
          'date_micro',
          'date_offset',
          'committer_date_seconds',
          'committer_date_micro',
          'committer_date_offset',
          'message',
          'type',
          'synthetic',
          'metadata',
          'extra_headers',
          'raw_manifest',
        ],
        unique.map((r) => [
          b(r.id),
          b(r.directory),
          Buffer.from(packIds(r.parents)),
          r.author === null ? null : Buffer.from(r.author.fullname),
          r.committer === null ? null : Buffer.from(r.committer.fullname),
          ...dateCols(r.date),
          ...dateCols(r.committerDate),
          r.message === null ? null : Buffer.from(r.message),
          r.type,
          r.synthetic ? 1 : 0,
          r.metadata === null ? null : JSON.stringify(r.metadata),
          Buffer.from(packHeaders(r.extraHeaders)),
          r.rawManifest === null ? null : Buffer.from(r.rawManifest),
        ]),
      )
      await this.#bump(tx, 'revision', n)
      return n
    })
    return { 'revision:add': added }
  }

  revisionMissing(ids: readonly string[]): Promise<string[]> {
    return this.#missingIds('revision', 'id', ids)
  }

  async revisionGet(ids: readonly string[]): Promise<(Revision | null)[]> {
    const rows = await this.#getRows('revision', 'id', ids)
    return ids.map((id) => {
      const r = rows.get(id)
      return r ? revisionFromRow(r) : null
    })
  }

  revisionLog(ids: readonly string[], options: RevisionLogOptions = {}): AsyncIterable<Revision> {
    const self = this
    const limit = options.limit ?? Infinity
    return {
      async *[Symbol.asyncIterator]() {
        const seen = new Set<string>()
        let frontier = [...new Set(ids)]
        frontier.forEach((id) => seen.add(id))
        let emitted = 0
        while (frontier.length > 0 && emitted < limit) {
          options.signal?.throwIfAborted()
          const revs = await self.revisionGet(frontier)
          const next: string[] = []
          for (const r of revs) {
            if (!r) continue
            yield r
            if (++emitted >= limit) return
            for (const p of r.parents) {
              if (!seen.has(p)) {
                seen.add(p)
                next.push(p)
              }
            }
          }
          frontier = next
        }
      },
    }
  }

  // -- releases ------------------------------------------------------------------------------

  async releaseAdd(releases: readonly Release[]): Promise<AddSummary> {
    const unique = uniqueBy(releases, (r) => r.id)
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'release',
        [
          'id',
          'target',
          'target_type',
          'name',
          'message',
          'author',
          'date_seconds',
          'date_micro',
          'date_offset',
          'synthetic',
          'raw_manifest',
        ],
        unique.map((r) => [
          b(r.id),
          r.target === null ? null : b(r.target),
          r.targetType,
          Buffer.from(r.name),
          r.message === null ? null : Buffer.from(r.message),
          r.author === null ? null : Buffer.from(r.author.fullname),
          ...dateCols(r.date),
          r.synthetic ? 1 : 0,
          r.rawManifest === null ? null : Buffer.from(r.rawManifest),
        ]),
      )
      await this.#bump(tx, 'release', n)
      return n
    })
    return { 'release:add': added }
  }

  releaseMissing(ids: readonly string[]): Promise<string[]> {
    return this.#missingIds('release', 'id', ids)
  }

  async releaseGet(ids: readonly string[]): Promise<(Release | null)[]> {
    const rows = await this.#getRows('release', 'id', ids)
    return ids.map((id) => {
      const r = rows.get(id)
      return r ? releaseFromRow(r) : null
    })
  }

  // -- snapshots -----------------------------------------------------------------------------

  async snapshotAdd(snapshots: readonly Snapshot[]): Promise<AddSummary> {
    let added = 0
    for (const s of uniqueBy(snapshots, (x) => x.id)) {
      added += await this.#db.transaction(async (tx) => {
        const exists = await tx.all('SELECT 1 AS x FROM snapshot WHERE id = ?', [b(s.id)])
        if (exists.length > 0) return 0
        // Branches first, then the snapshot row: the row is what makes the snapshot visible.
        await this.#insert(
          tx,
          'snapshot_branch',
          ['snapshot_id', 'name', 'target_type', 'target'],
          s.branches.map((br) => [
            b(s.id),
            Buffer.from(br.name),
            br.target?.targetType ?? null,
            br.target === null
              ? null
              : br.target.targetType === 'alias'
                ? Buffer.from(br.target.target)
                : b(br.target.target),
          ]),
        )
        const n = await this.#insert(
          tx,
          'snapshot',
          ['id', 'branch_count'],
          [[b(s.id), s.branches.length]],
        )
        await this.#bump(tx, 'snapshot', n)
        return n
      })
    }
    return { 'snapshot:add': added }
  }

  snapshotMissing(ids: readonly string[]): Promise<string[]> {
    return this.#missingIds('snapshot', 'id', ids)
  }

  async snapshotGet(ids: readonly string[]): Promise<(Snapshot | null)[]> {
    const out: (Snapshot | null)[] = []
    for (const id of ids) {
      const branches: SnapshotBranch[] = []
      let from: Uint8Array | undefined
      let page: SnapshotBranchesPage | null
      let found = true
      do {
        page = await this.snapshotGetBranches(id, {
          branchesCount: 10_000,
          ...(from ? { branchesFrom: from } : {}),
        })
        if (!page) {
          found = false
          break
        }
        branches.push(...page.branches)
        from = page.nextBranch ?? undefined
      } while (page.nextBranch !== null)
      out.push(found ? { id, branches } : null)
    }
    return out
  }

  async snapshotGetBranches(
    id: string,
    options: SnapshotBranchesOptions = {},
  ): Promise<SnapshotBranchesPage | null> {
    const exists = await this.#db.all('SELECT 1 AS x FROM snapshot WHERE id = ?', [b(id)])
    if (exists.length === 0) return null
    const count = Math.max(1, Math.min(options.branchesCount ?? 1000, 100_000))
    const where: string[] = ['snapshot_id = ?']
    const params: SqlValue[] = [b(id)]
    if (options.branchesFrom !== undefined) {
      where.push('name >= ?')
      params.push(Buffer.from(options.branchesFrom))
    }
    if (options.targetTypes !== undefined) {
      if (options.targetTypes.length === 0) return { id, branches: [], nextBranch: null }
      where.push(`target_type IN ${inList(options.targetTypes.length)}`)
      params.push(...options.targetTypes)
    }
    if (options.branchNameExcludePrefix !== undefined) {
      // Names starting with the prefix are exactly those in [prefix, the next prefix): a range
      // the index answers, applied before LIMIT so that every page is full.
      const p = Buffer.from(options.branchNameExcludePrefix)
      const end = prefixEnd(p)
      if (end === null) where.push('name < ?')
      else where.push('(name < ? OR name >= ?)')
      params.push(p, ...(end === null ? [] : [end]))
    }
    const rows = await this.#db.all<Row>(
      `SELECT name, target_type, target FROM snapshot_branch WHERE ${where.join(' AND ')} ORDER BY name LIMIT ?`,
      [...params, count + 1],
    )
    const branches = rows.slice(0, count).map(branchFromRow)
    const nextBranch = rows.length > count ? plainBytes(rows[count]!['name'] as Uint8Array) : null
    return { id, branches, nextBranch }
  }

  async snapshotCountBranches(id: string): Promise<Readonly<Record<string, number>> | null> {
    const exists = await this.#db.all('SELECT 1 AS x FROM snapshot WHERE id = ?', [b(id)])
    if (exists.length === 0) return null
    const rows = await this.#db.all<Row>(
      'SELECT target_type, COUNT(*) AS n FROM snapshot_branch WHERE snapshot_id = ? GROUP BY target_type',
      [b(id)],
    )
    const out: Record<string, number> = {}
    for (const r of rows)
      out[r['target_type'] === null ? 'null' : str(r['target_type'])] = num(r['n'])
    return out
  }

  // -- origins -------------------------------------------------------------------------------

  async originAdd(origins: readonly Origin[]): Promise<AddSummary> {
    const unique = uniqueBy(origins, (o) => o.url)
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'origin',
        ['url', 'sha1'],
        unique.map((o) => [o.url, b(originId(o.url))]),
      )
      await this.#bump(tx, 'origin', n)
      return n
    })
    return { 'origin:add': added }
  }

  async originGet(urls: readonly string[]): Promise<(Origin | null)[]> {
    const found = new Set<string>()
    for (const part of chunks([...new Set(urls)])) {
      const rows = await this.#db.all<Row>(
        `SELECT url FROM origin WHERE url IN ${inList(part.length)}`,
        part,
      )
      rows.forEach((r) => found.add(str(r['url'])))
    }
    return urls.map((u) => (found.has(u) ? { url: u } : null))
  }

  async originGetBySha1(ids: readonly string[]): Promise<(Origin | null)[]> {
    const rows = await this.#getRows('origin', 'sha1', ids, 'url, sha1')
    return ids.map((id) => {
      const r = rows.get(id)
      return r ? { url: str(r['url']) } : null
    })
  }

  async #originIds(tx: SqlExecutor, urls: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const part of chunks([...new Set(urls)])) {
      const rows = await tx.all<Row>(
        `SELECT id, url FROM origin WHERE url IN ${inList(part.length)}`,
        part,
      )
      rows.forEach((r) => out.set(str(r['url']), num(r['id'])))
    }
    return out
  }

  async #originId(url: string, tx: SqlExecutor = this.#db): Promise<number | null> {
    return (await this.#originIds(tx, [url])).get(url) ?? null
  }

  async originList(options: OriginListOptions = {}): Promise<Page<Origin>> {
    const after = parseToken(options.pageToken, 'origin list') ?? 0
    const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000))
    const rows = await this.#db.all<Row>(
      'SELECT id, url FROM origin WHERE id > ? ORDER BY id LIMIT ?',
      [after, limit + 1],
    )
    const page = rows.slice(0, limit)
    return {
      results: page.map((r) => ({ url: str(r['url']) })),
      nextPageToken: rows.length > limit ? token(num(page[page.length - 1]!['id'])) : null,
    }
  }

  #searchWhere(pattern: string, options: OriginSearchOptions): { sql: string; params: SqlValue[] } {
    const where: string[] = []
    const params: SqlValue[] = []
    // A regular expression is matched in JavaScript by regexpScan (linear time, bounded).
    if (!options.regexp && pattern !== '') {
      const escaped = pattern.replace(/[\\%_]/g, (c) => '\\' + c)
      where.push(
        this.#db.dialect === 'postgres' ? "o.url ILIKE ? ESCAPE '\\'" : "o.url LIKE ? ESCAPE '\\'",
      )
      params.push(`%${escaped}%`)
    }
    if (options.visitTypes && options.visitTypes.length > 0) {
      where.push(
        `EXISTS (SELECT 1 FROM origin_visit v WHERE v.origin_id = o.id AND v.type IN ${inList(options.visitTypes.length)})`,
      )
      params.push(...options.visitTypes)
    } else if (options.withVisit) {
      where.push('EXISTS (SELECT 1 FROM origin_visit v WHERE v.origin_id = o.id)')
    }
    if (options.excludeMasked) {
      const hexSha1 =
        this.#db.dialect === 'postgres' ? "encode(o.sha1, 'hex')" : 'lower(hex(o.sha1))'
      where.push(
        `NOT EXISTS (SELECT 1 FROM masked_object m WHERE m.swhid = 'swh:1:ori:' || ${hexSha1})`,
      )
    }
    return { sql: where.length > 0 ? where.join(' AND ') : '1 = 1', params }
  }

  async originSearch(
    pattern: string,
    options: OriginSearchOptions = {},
  ): Promise<Page<OriginSearchResult>> {
    const after = parseToken(options.pageToken, 'origin search') ?? 0
    const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000))
    const w = this.#searchWhere(pattern, options)
    const rows: Row[] = options.regexp
      ? await regexpScan(this.#db, compileOriginRegexp(pattern), w, { after, want: limit + 1 })
      : await this.#db.all<Row>(
          `SELECT o.id, o.url FROM origin o WHERE ${w.sql} AND o.id > ? ORDER BY o.id LIMIT ?`,
          [...w.params, after, limit + 1],
        )
    const page = rows.slice(0, limit)
    const types = new Map<number, string[]>()
    const ids = page.map((r) => num(r['id']))
    for (const part of chunks(ids)) {
      const trows = await this.#db.all<Row>(
        `SELECT DISTINCT origin_id, type FROM origin_visit WHERE origin_id IN ${inList(part.length)} ORDER BY type`,
        part,
      )
      for (const t of trows) {
        const list = types.get(num(t['origin_id'])) ?? []
        list.push(str(t['type']))
        types.set(num(t['origin_id']), list)
      }
    }
    return {
      results: page.map((r) => {
        const vt = types.get(num(r['id'])) ?? []
        return { url: str(r['url']), visitTypes: vt, hasVisits: vt.length > 0 }
      }),
      nextPageToken: rows.length > limit ? token(ids[ids.length - 1]!) : null,
    }
  }

  async originSearchCount(pattern: string, options: OriginSearchOptions = {}): Promise<number> {
    const w = this.#searchWhere(pattern, options)
    if (options.regexp) return (await regexpScan(this.#db, compileOriginRegexp(pattern), w)).length
    const rows = await this.#db.all<Row>(
      `SELECT COUNT(*) AS n FROM origin o WHERE ${w.sql}`,
      w.params,
    )
    return num(rows[0]?.['n'] ?? 0)
  }

  // -- visits --------------------------------------------------------------------------------

  async originVisitAdd(visits: readonly OriginVisitInit[]): Promise<OriginVisit[]> {
    const out: OriginVisit[] = []
    for (const v of visits) {
      out.push(
        await this.#db.transaction(async (tx) => {
          // Lock the origin row so concurrent writers number visits one after the other
          // (SQLite's BEGIN IMMEDIATE already serialises writers).
          const rows = await tx.all<Row>(
            `SELECT id FROM origin WHERE url = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
            [v.origin],
          )
          if (rows.length === 0)
            throw new NotFoundError(`Cannot add a visit of unknown origin "${v.origin}"`)
          const oid = num(rows[0]!['id'])
          if (v.visit !== undefined) {
            if (!Number.isSafeInteger(v.visit) || v.visit < 1)
              throw new InvalidInputError(`Invalid visit number ${v.visit}`)
            const existing = await tx.all<Row>(
              'SELECT date, type FROM origin_visit WHERE origin_id = ? AND visit = ?',
              [oid, v.visit],
            )
            if (existing.length > 0) {
              const e = existing[0]!
              return {
                origin: v.origin,
                visit: v.visit,
                ...dateFields(e['date']),
                type: str(e['type']),
              }
            }
          }
          const max = await tx.all<Row>(
            'SELECT MAX(visit) AS m FROM origin_visit WHERE origin_id = ?',
            [oid],
          )
          const visit = v.visit ?? num(max[0]?.['m'] ?? 0) + 1
          await tx.run(
            'INSERT INTO origin_visit (origin_id, visit, date, type) VALUES (?, ?, ?, ?)',
            [oid, visit, dateMicros(v), v.type],
          )
          await this.#bump(tx, 'origin_visit', 1)
          return { origin: v.origin, visit, ...dateFields(dateMicros(v)), type: v.type }
        }),
      )
    }
    return out
  }

  async originVisitStatusAdd(statuses: readonly OriginVisitStatus[]): Promise<AddSummary> {
    const added = await this.#db.transaction(async (tx) => {
      const ids = await this.#originIds(
        tx,
        statuses.map((s) => s.origin),
      )
      if (tx.dialect === 'postgres' && ids.size > 0) {
        // Writers of statuses of one origin go one after the other, so that the check for an
        // equal stored status below sees what the other wrote (SQLite serialises writers).
        await tx.all(
          `SELECT id FROM origin WHERE id IN ${inList(ids.size)} ORDER BY id FOR UPDATE`,
          [...ids.values()],
        )
      }
      // Every status is kept, in the order given; one equal in every field to a stored one
      // (a replay) is skipped.
      const seen = new Set<string>()
      let n = 0
      for (const s of statuses) {
        const oid = ids.get(s.origin)
        if (oid === undefined)
          throw new NotFoundError(`Cannot add a visit status of unknown origin "${s.origin}"`)
        const row: SqlValue[] = [
          oid,
          s.visit,
          dateMicros(s),
          s.status,
          s.snapshot === null ? null : b(s.snapshot),
          s.type,
          s.metadata === null ? null : JSON.stringify(s.metadata),
        ]
        const key = JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v)))
        if (seen.has(key)) continue
        seen.add(key)
        const stored = await tx.all<Row>(
          'SELECT status, snapshot, type, metadata FROM origin_visit_status WHERE origin_id = ? AND visit = ? AND date = ?',
          row.slice(0, 3),
        )
        const same = stored.some(
          (r) =>
            str(r['status']) === s.status &&
            hexOrNull(r['snapshot']) === s.snapshot &&
            str(r['type']) === s.type &&
            (r['metadata'] === null ? null : str(r['metadata'])) === row[6],
        )
        if (same) continue
        await tx.run(
          'INSERT INTO origin_visit_status (origin_id, visit, date, status, snapshot, type, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
          row,
        )
        n++
      }
      await this.#bump(tx, 'origin_visit_status', n)
      return n
    })
    return { 'origin_visit_status:add': added }
  }

  async originVisitGet(
    origin: string,
    options: OriginVisitGetOptions = {},
  ): Promise<Page<OriginVisit>> {
    const oid = await this.#originId(origin)
    if (oid === null) return { results: [], nextPageToken: null }
    const after = parseToken(options.pageToken, 'visit')
    const desc = options.order === 'desc'
    const limit = Math.max(1, Math.min(options.limit ?? 10, 10_000))
    const cond = after === null ? '' : desc ? ' AND visit < ?' : ' AND visit > ?'
    const rows = await this.#db.all<Row>(
      `SELECT visit, date, type FROM origin_visit WHERE origin_id = ?${cond} ORDER BY visit ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
      after === null ? [oid, limit + 1] : [oid, after, limit + 1],
    )
    const page = rows.slice(0, limit)
    return {
      results: page.map((r) => visitFromRow(origin, r)),
      nextPageToken: rows.length > limit ? token(num(page[page.length - 1]!['visit'])) : null,
    }
  }

  async originVisitGetByNumber(origin: string, visit: number): Promise<OriginVisit | null> {
    const oid = await this.#originId(origin)
    if (oid === null) return null
    const rows = await this.#db.all<Row>(
      'SELECT visit, date, type FROM origin_visit WHERE origin_id = ? AND visit = ?',
      [oid, visit],
    )
    return rows[0] ? visitFromRow(origin, rows[0]) : null
  }

  async originVisitGetLatest(
    origin: string,
    options: OriginVisitLatestOptions = {},
  ): Promise<OriginVisitWithStatus | null> {
    const oid = await this.#originId(origin)
    if (oid === null) return null
    const where = ['v.origin_id = ?']
    const params: SqlValue[] = [oid]
    if (options.type !== undefined) {
      where.push('v.type = ?')
      params.push(options.type)
    }
    if (options.allowedStatuses && options.allowedStatuses.length > 0) {
      where.push(`s.status IN ${inList(options.allowedStatuses.length)}`)
      params.push(...options.allowedStatuses)
    }
    if (options.requireSnapshot) where.push('s.snapshot IS NOT NULL')
    const rows = await this.#db.all<Row>(
      `SELECT v.visit, v.date AS vdate, v.type AS vtype, s.date, s.status, s.snapshot, s.type, s.metadata
       FROM origin_visit v JOIN origin_visit_status s ON s.origin_id = v.origin_id AND s.visit = v.visit
       WHERE ${where.join(' AND ')} ORDER BY v.visit DESC, s.date DESC, s.seq DESC LIMIT 1`,
      params,
    )
    const r = rows[0]
    if (!r) return null
    return {
      visit: {
        origin,
        visit: num(r['visit']),
        ...dateFields(r['vdate']),
        type: str(r['vtype']),
      },
      status: statusFromRow(origin, r),
    }
  }

  async originVisitStatusGetLatest(
    origin: string,
    visit: number,
  ): Promise<OriginVisitStatus | null> {
    const oid = await this.#originId(origin)
    if (oid === null) return null
    const rows = await this.#db.all<Row>(
      'SELECT visit, date, status, snapshot, type, metadata FROM origin_visit_status WHERE origin_id = ? AND visit = ? ORDER BY date DESC, seq DESC LIMIT 1',
      [oid, visit],
    )
    return rows[0] ? statusFromRow(origin, rows[0]) : null
  }

  async originVisitStatusGetRecent(
    limit: number,
    options: { readonly statuses?: readonly string[] } = {},
  ): Promise<OriginVisitStatus[]> {
    const statuses = options.statuses ?? []
    const where = statuses.length > 0 ? `WHERE s.status IN ${inList(statuses.length)}` : ''
    const rows = await this.#db.all<Row>(
      `SELECT o.url, s.visit, s.date, s.status, s.snapshot, s.type, s.metadata FROM origin_visit_status s JOIN origin o ON o.id = s.origin_id ${where} ORDER BY s.date DESC, s.seq DESC LIMIT ?`,
      [...statuses, Math.max(1, Math.min(limit, 1000))],
    )
    return rows.map((r) => statusFromRow(str(r['url']), r))
  }

  async originVisitStatusGet(
    origin: string,
    visit: number,
    options: OriginVisitStatusGetOptions = {},
  ): Promise<Page<OriginVisitStatus>> {
    const oid = await this.#originId(origin)
    if (oid === null) return { results: [], nextPageToken: null }
    const after = parseStatusToken(options.pageToken)
    const desc = options.order === 'desc'
    const limit = Math.max(1, Math.min(options.limit ?? 10, 10_000))
    const op = desc ? '<' : '>'
    const cond = after === null ? '' : ` AND (date ${op} ? OR (date = ? AND seq ${op} ?))`
    const dir = desc ? 'DESC' : 'ASC'
    const rows = await this.#db.all<Row>(
      `SELECT visit, date, seq, status, snapshot, type, metadata FROM origin_visit_status WHERE origin_id = ? AND visit = ?${cond} ORDER BY date ${dir}, seq ${dir} LIMIT ?`,
      after === null
        ? [oid, visit, limit + 1]
        : [oid, visit, after[0], after[0], after[1], limit + 1],
    )
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    return {
      results: page.map((r) => statusFromRow(origin, r)),
      nextPageToken: rows.length > limit && last ? statusToken(last['date'], last['seq']) : null,
    }
  }

  // -- extids --------------------------------------------------------------------------------

  async extidAdd(extids: readonly ExtId[]): Promise<AddSummary> {
    const unique = uniqueBy(extids, (e) => e.id)
    const added = await this.#db.transaction(async (tx) => {
      const n = await this.#insert(
        tx,
        'extid',
        [
          'id',
          'extid_type',
          'extid',
          'extid_version',
          'target_type',
          'target',
          'payload_type',
          'payload',
        ],
        unique.map((e) => [
          b(e.id),
          e.extidType,
          Buffer.from(e.extid),
          e.extidVersion,
          e.target.type,
          b(e.target.id),
          e.payloadType,
          e.payload === null ? null : b(e.payload),
        ]),
      )
      await this.#bump(tx, 'extid', n)
      return n
    })
    return { 'extid:add': added }
  }

  async extidGetFromExtid(
    extidType: string,
    extids: readonly Uint8Array[],
    options: { readonly version?: number } = {},
  ): Promise<ExtId[]> {
    const out: ExtId[] = []
    for (const part of chunks(extids)) {
      const params: SqlValue[] = [extidType, ...part.map((e) => Buffer.from(e))]
      let sql = `SELECT * FROM extid WHERE extid_type = ? AND extid IN ${inList(part.length)}`
      if (options.version !== undefined) {
        sql += ' AND extid_version = ?'
        params.push(options.version)
      }
      out.push(...(await this.#db.all<Row>(sql, params)).map(extidFromRow))
    }
    return out
  }

  async extidGetFromTarget(
    target: CoreSwhid,
    options: { readonly extidType?: string; readonly version?: number } = {},
  ): Promise<ExtId[]> {
    const params: SqlValue[] = [b(target.id), target.type]
    let sql = 'SELECT * FROM extid WHERE target = ? AND target_type = ?'
    if (options.extidType !== undefined) {
      sql += ' AND extid_type = ?'
      params.push(options.extidType)
    }
    if (options.version !== undefined) {
      sql += ' AND extid_version = ?'
      params.push(options.version)
    }
    return (await this.#db.all<Row>(sql, params)).map(extidFromRow)
  }

  // -- counters and masking ------------------------------------------------------------------

  async statCounters(): Promise<Counters> {
    const rows = await this.#db.all<Row>('SELECT kind, value FROM counter')
    const out: Record<string, number> = {}
    for (const r of rows) out[str(r['kind'])] = num(r['value'])
    return out as Counters
  }

  async maskedGet(
    swhids: readonly ExtendedSwhid[],
  ): Promise<ReadonlyMap<string, readonly MaskingState[]>> {
    const out = new Map<string, MaskingState[]>()
    const keys = [...new Set(swhids.map((s) => formatSwhid(s)))]
    for (const part of chunks(keys)) {
      const rows = await this.#db.all<Row>(
        `SELECT swhid, request_id, state FROM masked_object WHERE swhid IN ${inList(part.length)}`,
        part,
      )
      for (const r of rows) {
        const list = out.get(str(r['swhid'])) ?? []
        list.push({
          requestId: str(r['request_id']),
          state: str(r['state']) as MaskingState['state'],
        })
        out.set(str(r['swhid']), list)
      }
    }
    return out
  }

  /**
   * Records a masking request over objects (takedowns): from then on {@link maskedGet} reports
   * them. `state: null` lifts every mask of the given objects (whatever request set it).
   */
  async maskSet(
    requestId: string,
    reason: string,
    swhids: readonly string[],
    state: MaskingState['state'] | null,
    date: Date = new Date(),
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await this.#insert(
        tx,
        'masking_request',
        ['id', 'reason', 'date'],
        [[requestId, reason, date.getTime()]],
      )
      for (const s of swhids) {
        // Lifting (state null) unmasks the object whatever request masked it.
        if (state === null) await tx.run('DELETE FROM masked_object WHERE swhid = ?', [s])
        else
          await tx.run('DELETE FROM masked_object WHERE swhid = ? AND request_id = ?', [
            s,
            requestId,
          ])
        if (state !== null) {
          await tx.run('INSERT INTO masked_object (swhid, request_id, state) VALUES (?, ?, ?)', [
            s,
            requestId,
            state,
          ])
        }
      }
    })
  }
}

function skippedKey(c: SkippedContent): Buffer {
  if (c.sha1 === null && c.sha1Git === null && c.sha256 === null && c.blake2s256 === null) {
    throw new InvalidInputError('Cannot add a skipped content without any hash')
  }
  return Buffer.from(
    fromHex(
      toHexDigest(`${c.sha1 ?? ''}:${c.sha1Git ?? ''}:${c.sha256 ?? ''}:${c.blake2s256 ?? ''}`),
    ),
  )
}

function toHexDigest(s: string): string {
  return createHash('sha1').update(s).digest('hex')
}

function contentFromRow(r: Row): Content {
  return {
    sha1: hex(r['sha1']),
    sha1Git: hex(r['sha1_git']),
    sha256: hex(r['sha256']),
    blake2s256: hex(r['blake2s256']),
    length: num(r['length']),
    status: str(r['status']) as Content['status'],
    ctime: r['ctime'] === null || r['ctime'] === undefined ? null : new Date(num(r['ctime'])),
  }
}

function skippedFromRow(r: Row): SkippedContent {
  return {
    sha1: hexOrNull(r['sha1']),
    sha1Git: hexOrNull(r['sha1_git']),
    sha256: hexOrNull(r['sha256']),
    blake2s256: hexOrNull(r['blake2s256']),
    length: r['length'] === null ? null : num(r['length']),
    status: 'absent',
    reason: str(r['reason']),
    origin: r['origin'] === null ? null : str(r['origin']),
    ctime: r['ctime'] === null || r['ctime'] === undefined ? null : new Date(num(r['ctime'])),
  }
}

function revisionFromRow(r: Row): Revision {
  return {
    id: hex(r['id']),
    directory: hex(r['directory']),
    parents: unpackIds(r['parents'] as Uint8Array),
    author: person(r['author']),
    committer: person(r['committer']),
    date: dateOf(r['date_seconds'], r['date_micro'], r['date_offset']),
    committerDate: dateOf(
      r['committer_date_seconds'],
      r['committer_date_micro'],
      r['committer_date_offset'],
    ),
    message: bytesOrNull(r['message']),
    type: str(r['type']) as RevisionType,
    synthetic: num(r['synthetic']) !== 0,
    metadata: parseJson(r['metadata']),
    extraHeaders: unpackHeaders(r['extra_headers'] as Uint8Array),
    rawManifest: bytesOrNull(r['raw_manifest']),
  }
}

function releaseFromRow(r: Row): Release {
  return {
    id: hex(r['id']),
    target: hexOrNull(r['target']),
    targetType: str(r['target_type']) as ReleaseTargetType,
    name: plainBytes(r['name'] as Uint8Array),
    message: bytesOrNull(r['message']),
    author: person(r['author']),
    date: dateOf(r['date_seconds'], r['date_micro'], r['date_offset']),
    synthetic: num(r['synthetic']) !== 0,
    rawManifest: bytesOrNull(r['raw_manifest']),
  }
}

function branchFromRow(r: Row): SnapshotBranch {
  const name = plainBytes(r['name'] as Uint8Array)
  const type = r['target_type']
  if (type === null || type === undefined) return { name, target: null }
  const target: BranchTarget =
    type === 'alias'
      ? { targetType: 'alias', target: plainBytes(r['target'] as Uint8Array) }
      : { targetType: str(type) as ReleaseTargetType, target: hex(r['target']) }
  return { name, target }
}

/** The smallest byte string greater than every string starting with `p`; null if none. */
function prefixEnd(p: Buffer): Buffer | null {
  let n = p.length
  while (n > 0 && p[n - 1] === 0xff) n--
  if (n === 0) return null
  const end = Buffer.from(p.subarray(0, n))
  end[n - 1] = end[n - 1]! + 1
  return end
}

function visitFromRow(origin: string, r: Row): OriginVisit {
  return { origin, visit: num(r['visit']), ...dateFields(r['date']), type: str(r['type']) }
}

function statusFromRow(origin: string, r: Row): OriginVisitStatus {
  return {
    origin,
    visit: num(r['visit']),
    ...dateFields(r['date']),
    status: str(r['status']) as VisitStatusValue,
    snapshot: hexOrNull(r['snapshot']),
    type: str(r['type']),
    metadata: parseJson(r['metadata']),
  }
}

function extidFromRow(r: Row): ExtId {
  return {
    id: hex(r['id']),
    extidType: str(r['extid_type']),
    extid: plainBytes(r['extid'] as Uint8Array),
    extidVersion: num(r['extid_version']),
    target: { type: str(r['target_type']) as CoreType, id: hex(r['target']) },
    payloadType: r['payload_type'] === null ? null : str(r['payload_type']),
    payload: hexOrNull(r['payload']),
  }
}
