/**
 * Keeping the code search index (docs/code-search.md) up to date: for each origin, the files of
 * the tree of its latest snapshot's head (`code_file`: path → text), the distinct texts once
 * each (`code_blob`, with a trigram index: FTS5 `trigram` on SQLite, pg_trgm GIN on PostgreSQL),
 * and what was indexed (`code_origin`: visit, snapshot, anchor: a revision, or for tarball and
 * package origins the release naming a directory, or the directory itself). Runs when a visit status
 * names a new snapshot, and by `arca code-search reindex`.
 *
 * Limits: a content is searchable when it is at most {@link CODE_MAX_BYTES} long, has no NUL
 * byte (git's own test for binary) and is valid UTF-8; others are recorded once as not
 * searchable (null text), so later visits do not read them again. Symbolic links and
 * submodules are not indexed.
 *
 * @module
 */

import type { ObjStorage } from '../../objstorage/index.js'
import type { CodeIndexStats } from '../code-search.js'
import { forEachPackedEntry, PACKED_DIR, PACKED_FILE } from '../codec.js'
import type { SqlExecutor } from './executor.js'
import { snapshotHeads } from './fork-index.js'
import { forEachOriginWithSnapshot, originRowId } from './origins.js'
import { b, hex, num, type Row } from './rows.js'
import { chunks, inList } from './statements.js'

/** Largest content indexed, in bytes. */
export const CODE_MAX_BYTES = 1024 * 1024
/** Contents read and written per batch (bounds memory). */
const BLOB_BATCH = 256
/** Permissions of a symbolic link (not indexed). */
const SYMLINK = 0o120000

/** What a tree walk found: file paths (raw bytes, joined by `/`) → content sha1_git. */
type Files = Map<string, { path: Buffer; sha1: string }>

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** An empty {@link CodeIndexStats}. */
export function codeIndexStats(): CodeIndexStats {
  return { origins: 0, files: 0, indexed: 0, skipped: 0, bytes: 0 }
}

/** What an origin's files are indexed from: a revision, a release or a directory (its tree). */
interface Anchor {
  readonly type: 'rev' | 'rel' | 'dir'
  readonly id: string
  readonly directory: string
}

/** The anchor of a branch row (`target_type`, `target`), or null (a release of a release…). */
async function branchAnchor(db: SqlExecutor, r: Row | undefined): Promise<Anchor | null> {
  if (!r || !r['target']) return null
  const id = hex(r['target'])
  if (r['target_type'] === 'revision') return revisionAnchor(db, id)
  if (r['target_type'] === 'directory') return { type: 'dir', id, directory: id }
  if (r['target_type'] === 'release') {
    const rel = await db.all<Row>(`SELECT target_type, target FROM release WHERE id = ?`, [b(id)])
    const t = rel[0]
    if (!t || !t['target']) return null
    // a tarball's or a package's release names its directory (no revision)
    if (t['target_type'] === 'directory') return { type: 'rel', id, directory: hex(t['target']) }
    if (t['target_type'] === 'revision') return revisionAnchor(db, hex(t['target']))
  }
  return null
}

async function revisionAnchor(db: SqlExecutor, id: string): Promise<Anchor | null> {
  const rows = await db.all<Row>('SELECT directory FROM revision WHERE id = ?', [b(id)])
  return rows[0] ? { type: 'rev', id, directory: hex(rows[0]['directory']) } : null
}

/**
 * The anchor a snapshot's tree is indexed from: HEAD's (an alias followed), else main/master,
 * else the first revision head; a release naming a directory (tarballs, packages) anchors on
 * itself, a branch naming a directory (`tarball-directory`) on that directory.
 */
async function headAnchor(db: SqlExecutor, snapshot: string): Promise<Anchor | null> {
  const rows = await db.all<Row>(
    `SELECT name, target_type, target FROM snapshot_branch WHERE snapshot_id = ?
     AND name IN (?, ?, ?, ?, ?)`,
    [
      b(snapshot),
      ...['HEAD', 'refs/heads/main', 'refs/heads/master', 'main', 'master'].map((s) =>
        Buffer.from(s),
      ),
    ],
  )
  const byName = new Map(
    rows.map((r) => [Buffer.from(r['name'] as Uint8Array).toString('latin1'), r]),
  )
  let head = byName.get('HEAD')
  if (head && head['target_type'] === 'alias' && head['target']) {
    const t = await db.all<Row>(
      'SELECT target_type, target FROM snapshot_branch WHERE snapshot_id = ? AND name = ?',
      [b(snapshot), Buffer.from(head['target'] as Uint8Array)],
    )
    head = t[0]
  }
  head ??=
    byName.get('refs/heads/main') ??
    byName.get('refs/heads/master') ??
    byName.get('main') ??
    byName.get('master')
  const picked = await branchAnchor(db, head)
  if (picked !== null) return picked
  const heads = await snapshotHeads(db, snapshot)
  const first = heads.sort()[0]
  return first === undefined ? null : revisionAnchor(db, first)
}

/** Every regular file under directory `root` (breadth first, batched reads). */
async function walkTree(db: SqlExecutor, root: string): Promise<Files> {
  const files: Files = new Map()
  let level: { id: string; prefix: Buffer }[] = [{ id: root, prefix: Buffer.alloc(0) }]
  while (level.length > 0) {
    const next: { id: string; prefix: Buffer }[] = []
    for (const part of chunks(level)) {
      // one subtree may stand at several paths (two empty folders): each id asked once
      const ids = [...new Set(part.map((p) => p.id))]
      const rows = await db.all<Row>(
        `SELECT id, entries FROM directory WHERE id IN ${inList(ids.length)}`,
        ids.map(b),
      )
      const entries = new Map(rows.map((r) => [hex(r['id']), r['entries'] as Uint8Array]))
      for (const { id, prefix } of part) {
        const blob = entries.get(id)
        if (!blob) continue
        forEachPackedEntry(blob, (code, ns, ne, t, perms) => {
          const name = Buffer.from(blob.subarray(ns, ne))
          const path = prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name
          const target = Buffer.from(blob.subarray(t, t + 20)).toString('hex')
          if (code === PACKED_DIR) next.push({ id: target, prefix: path })
          else if (code === PACKED_FILE && perms !== SYMLINK)
            files.set(path.toString('hex'), { path, sha1: target })
        })
      }
    }
    level = next
  }
  return files
}

/** The text of a content, or null when it is not searchable (see the module notes). */
function searchableText(bytes: Uint8Array): string | null {
  if (bytes.length > CODE_MAX_BYTES || bytes.includes(0)) return null
  try {
    return utf8.decode(bytes)
  } catch {
    return null
  }
}

/** Makes sure every content of `sha1s` has a `code_blob` row; returns sha1 → blob id. */
async function ensureBlobs(
  db: SqlExecutor,
  objstorage: ObjStorage,
  sha1s: readonly string[],
  stats: CodeIndexStats,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>()
  for (const part of chunks([...new Set(sha1s)], BLOB_BATCH)) {
    const known = await db.all<Row>(
      `SELECT id, sha1_git FROM code_blob WHERE sha1_git IN ${inList(part.length)}`,
      part.map(b),
    )
    known.forEach((r) => ids.set(hex(r['sha1_git']), num(r['id'])))
    const fresh = part.filter((s) => !ids.has(s))
    if (fresh.length === 0) continue
    const lengths = await db.all<Row>(
      `SELECT sha1_git, length FROM content WHERE sha1_git IN ${inList(fresh.length)}`,
      fresh.map(b),
    )
    const size = new Map(lengths.map((r) => [hex(r['sha1_git']), num(r['length'])]))
    const texts: [string, string | null][] = []
    for (const s of fresh) {
      const len = size.get(s)
      let text: string | null = null
      if (len !== undefined && len <= CODE_MAX_BYTES) {
        try {
          const bytes = objstorage.getBytesSync
            ? objstorage.getBytesSync(s)
            : await objstorage.getBytes(s)
          text = searchableText(bytes)
        } catch {
          text = null // absent bytes: not searchable (a later reindex reads it again)
        }
      }
      if (text === null) stats.skipped++
      else {
        stats.indexed++
        stats.bytes += Buffer.byteLength(text)
      }
      texts.push([s, text])
    }
    await db.transaction(async (tx) => {
      for (const group of chunks(texts, 64))
        await tx.run(
          `INSERT INTO code_blob (sha1_git, text) VALUES ${group.map(() => '(?, ?)').join(', ')}
           ON CONFLICT DO NOTHING`,
          group.flatMap(([s, t]) => [b(s), t]),
        )
    })
    const got = await db.all<Row>(
      `SELECT id, sha1_git FROM code_blob WHERE sha1_git IN ${inList(fresh.length)}`,
      fresh.map(b),
    )
    got.forEach((r) => ids.set(hex(r['sha1_git']), num(r['id'])))
  }
  return ids
}

/** The latest visit status naming a snapshot: visit number and snapshot, or null. */
async function latestVisit(
  db: SqlExecutor,
  oid: number,
): Promise<{ visit: number; snapshot: string } | null> {
  const rows = await db.all<Row>(
    `SELECT visit, snapshot FROM origin_visit_status WHERE origin_id = ? AND snapshot IS NOT NULL
     ORDER BY visit DESC, date DESC, seq DESC LIMIT 1`,
    [oid],
  )
  return rows[0] ? { visit: num(rows[0]['visit']), snapshot: hex(rows[0]['snapshot']) } : null
}

/**
 * Makes the indexed files of origin `oid` those of its latest snapshot's head. Does nothing
 * when that snapshot is indexed already, unless `force`. Returns whether it indexed.
 */
export async function codeIndexOrigin(
  db: SqlExecutor,
  objstorage: ObjStorage,
  oid: number,
  stats: CodeIndexStats,
  force = false,
): Promise<boolean> {
  const latest = await latestVisit(db, oid)
  if (latest === null) return false
  const done = await db.all<Row>('SELECT snapshot, visit FROM code_origin WHERE origin_id = ?', [
    oid,
  ])
  if (!force && done[0] && hex(done[0]['snapshot']) === latest.snapshot) {
    if (num(done[0]['visit']) !== latest.visit)
      await db.run('UPDATE code_origin SET visit = ? WHERE origin_id = ?', [latest.visit, oid])
    return false
  }
  const anchor = await headAnchor(db, latest.snapshot)
  const files: Files = anchor ? await walkTree(db, anchor.directory) : (new Map() as Files)
  const blobIds = await ensureBlobs(
    db,
    objstorage,
    [...files.values()].map((f) => f.sha1),
    stats,
  )
  await db.transaction(async (tx) => {
    const old = await tx.all<Row>('SELECT path, blob_id FROM code_file WHERE origin_id = ?', [oid])
    const had = new Map(
      old.map((r) => [Buffer.from(r['path'] as Uint8Array).toString('hex'), num(r['blob_id'])]),
    )
    const stale = [...had.keys()].filter((k) => {
      const f = files.get(k)
      return f === undefined || blobIds.get(f.sha1) !== had.get(k)
    })
    for (const part of chunks(stale))
      await tx.run(`DELETE FROM code_file WHERE origin_id = ? AND path IN ${inList(part.length)}`, [
        oid,
        ...part.map(b),
      ])
    const fresh = [...files].filter(
      ([k, f]) => had.get(k) !== blobIds.get(f.sha1) && blobIds.has(f.sha1),
    )
    for (const part of chunks(fresh, 200))
      await tx.run(
        `INSERT INTO code_file (origin_id, path, blob_id) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT DO NOTHING`,
        part.flatMap(([, f]) => [oid, f.path, blobIds.get(f.sha1)!]),
      )
    await tx.run(
      `INSERT INTO code_origin (origin_id, visit, snapshot, revision, anchor_type)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (origin_id) DO UPDATE SET visit = excluded.visit, snapshot = excluded.snapshot,
         revision = excluded.revision, anchor_type = excluded.anchor_type`,
      [
        oid,
        latest.visit,
        b(latest.snapshot),
        anchor === null ? null : b(anchor.id),
        anchor === null || anchor.type === 'rev' ? null : anchor.type,
      ],
    )
  })
  stats.origins++
  stats.files += files.size
  return true
}

/** Indexes the origins of statuses that name a snapshot (after they are stored). */
export async function codeIndexStatuses(
  db: SqlExecutor,
  objstorage: ObjStorage,
  statuses: readonly { readonly origin: string; readonly snapshot: string | null }[],
  stats: CodeIndexStats,
): Promise<void> {
  const urls = new Set(statuses.filter((s) => s.snapshot !== null).map((s) => s.origin))
  for (const url of urls) {
    const oid = await originRowId(db, url)
    if (oid !== null) await codeIndexOrigin(db, objstorage, oid, stats)
  }
}

/** What {@link codeReindex} did. */
export interface CodeReindexReport extends CodeIndexStats {
  /** Origins with a snapshot looked at. */
  checked: number
  /** Texts no longer named by any indexed file, dropped. */
  dropped: number
}

/**
 * Indexes every origin with a snapshot (archives made before the index, or after a crash),
 * skipping those indexed at their latest snapshot unless `force`; then drops texts no file
 * names any more.
 */
export async function codeReindex(
  db: SqlExecutor,
  objstorage: ObjStorage,
  options: {
    readonly force?: boolean
    readonly onOrigin?: (checked: number, stats: CodeIndexStats) => void
  } = {},
): Promise<CodeReindexReport> {
  const report: CodeReindexReport = { ...codeIndexStats(), checked: 0, dropped: 0 }
  await forEachOriginWithSnapshot(db, async (id) => {
    await codeIndexOrigin(db, objstorage, id, report, options.force ?? false)
    options.onOrigin?.(++report.checked, report)
  })
  await db.run('DELETE FROM code_file WHERE origin_id NOT IN (SELECT id FROM origin)')
  await db.run('DELETE FROM code_origin WHERE origin_id NOT IN (SELECT id FROM origin)')
  report.dropped = await db.run(
    'DELETE FROM code_blob WHERE NOT EXISTS (SELECT 1 FROM code_file f WHERE f.blob_id = code_blob.id)',
  )
  return report
}
