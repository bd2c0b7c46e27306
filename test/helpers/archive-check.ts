/**
 * Integrity checks of an archive after crashes: every visible object's references are visible,
 * and every content file under its final name hashes to its name.
 */
import { toHex } from '../../src/model/bytes.js'
import type { Archive } from '../../src/storage/archive.js'
import { unpackEntries, unpackIds } from '../../src/storage/codec.js'

type Row = Record<string, unknown>

/** Problems found: dangling edges and corrupt content files (empty when the archive is sound). */
export async function checkArchive(archive: Archive): Promise<string[]> {
  const db = archive.backend.db
  const problems: string[] = []
  const ids = async (sql: string): Promise<Set<string>> =>
    new Set((await db.all<Row>(sql)).map((r) => toHex(r['k'] as Uint8Array)))
  const contents = await ids('SELECT sha1_git AS k FROM content')
  const directories = await ids('SELECT id AS k FROM directory')
  const revisions = await ids('SELECT id AS k FROM revision')
  const releases = await ids('SELECT id AS k FROM release')
  const snapshots = await ids('SELECT id AS k FROM snapshot')
  const byKind: Record<string, Set<string>> = {
    content: contents,
    directory: directories,
    revision: revisions,
    release: releases,
    snapshot: snapshots,
  }

  for (const r of await db.all<Row>('SELECT id, entries FROM directory')) {
    for (const e of unpackEntries(r['entries'] as Uint8Array)) {
      if (e.type === 'file' && !contents.has(e.target))
        problems.push(`directory ${toHex(r['id'] as Uint8Array)} -> missing content ${e.target}`)
      if (e.type === 'dir' && !directories.has(e.target))
        problems.push(`directory ${toHex(r['id'] as Uint8Array)} -> missing directory ${e.target}`)
    }
  }
  for (const r of await db.all<Row>('SELECT id, directory, parents FROM revision')) {
    const id = toHex(r['id'] as Uint8Array)
    if (!directories.has(toHex(r['directory'] as Uint8Array)))
      problems.push(`revision ${id} -> missing directory`)
    for (const p of unpackIds(r['parents'] as Uint8Array))
      if (!revisions.has(p)) problems.push(`revision ${id} -> missing parent ${p}`)
  }
  for (const r of await db.all<Row>('SELECT id, target, target_type FROM release')) {
    const t = r['target'] === null ? null : toHex(r['target'] as Uint8Array)
    if (t !== null && !byKind[String(r['target_type'])]?.has(t))
      problems.push(
        `release ${toHex(r['id'] as Uint8Array)} -> missing ${String(r['target_type'])} ${t}`,
      )
  }
  for (const r of await db.all<Row>(
    'SELECT b.snapshot_id, b.target, b.target_type FROM snapshot_branch b JOIN snapshot s ON s.id = b.snapshot_id',
  )) {
    const type = r['target_type'] as string | null
    if (type === null || type === 'alias') continue
    const t = toHex(r['target'] as Uint8Array)
    if (!byKind[type]?.has(t))
      problems.push(`snapshot ${toHex(r['snapshot_id'] as Uint8Array)} -> missing ${type} ${t}`)
  }
  for (const r of await db.all<Row>(
    'SELECT snapshot FROM origin_visit_status WHERE snapshot IS NOT NULL',
  )) {
    const t = toHex(r['snapshot'] as Uint8Array)
    if (!snapshots.has(t)) problems.push(`visit status -> missing snapshot ${t}`)
  }
  for (const c of contents) {
    if (!(await archive.objstorage.has(c))) problems.push(`content row ${c} without bytes`)
  }
  for await (const id of archive.objstorage.list()) {
    try {
      await archive.objstorage.getBytes(id, { verify: true })
    } catch (e) {
      problems.push(`content file ${id}: ${(e as Error).message}`)
    }
  }
  return problems
}
