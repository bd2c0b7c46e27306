/**
 * Integrity checks of an archive after crashes, or beside a writer: every visible object's
 * references are visible, and every content file under its final name hashes to its name.
 */
import {
  type BranchTarget,
  type CoreType,
  references,
  type ReferencingObject,
  type ReleaseTargetType,
  type SnapshotBranch,
  toHex,
} from '../../src/model/index.js'
import type { Archive } from '../../src/storage/archive.js'
import { unpackEntries, unpackIds } from '../../src/storage/codec.js'

type Row = Record<string, unknown>

const NAME: Record<CoreType, string> = {
  cnt: 'content',
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
}

/** Problems found: dangling edges and corrupt content files (empty when the archive is sound). */
export async function checkArchive(archive: Archive): Promise<string[]> {
  const db = archive.backend.db
  const problems: string[] = []
  const ids = async (sql: string): Promise<Set<string>> =>
    new Set((await db.all<Row>(sql)).map((r) => toHex(r['k'] as Uint8Array)))
  // Rows that reference come first, the ids they reference after: a writer stores what is
  // referenced before what references it, so a check running beside a writer sees no false
  // dangling edge (each SELECT reads one consistent state; a later one sees at least as much).
  const edges: [string, ReferencingObject][] = []
  const visitSnapshots = (
    await db.all<Row>('SELECT snapshot FROM origin_visit_status WHERE snapshot IS NOT NULL')
  ).map((r) => toHex(r['snapshot'] as Uint8Array))
  const branches = new Map<string, SnapshotBranch[]>()
  for (const r of await db.all<Row>(
    'SELECT b.snapshot_id, b.target, b.target_type FROM snapshot_branch b JOIN snapshot s ON s.id = b.snapshot_id',
  )) {
    const type = r['target_type'] as string | null
    // Aliases and dangling branches reference no object.
    if (type === null || type === 'alias') continue
    const snapshot = toHex(r['snapshot_id'] as Uint8Array)
    const target = {
      targetType: type as ReleaseTargetType,
      target: toHex(r['target'] as Uint8Array),
    } satisfies BranchTarget
    let list = branches.get(snapshot)
    if (!list) branches.set(snapshot, (list = []))
    list.push({ name: new Uint8Array(), target })
  }
  for (const [snapshot, list] of branches) edges.push([`snapshot ${snapshot}`, { branches: list }])
  for (const r of await db.all<Row>('SELECT id, target, target_type FROM release'))
    edges.push([
      `release ${toHex(r['id'] as Uint8Array)}`,
      {
        targetType: r['target_type'] as ReleaseTargetType,
        target: r['target'] === null ? null : toHex(r['target'] as Uint8Array),
      },
    ])
  for (const r of await db.all<Row>('SELECT id, directory, parents FROM revision'))
    edges.push([
      `revision ${toHex(r['id'] as Uint8Array)}`,
      {
        directory: toHex(r['directory'] as Uint8Array),
        parents: unpackIds(r['parents'] as Uint8Array),
      },
    ])
  for (const r of await db.all<Row>('SELECT id, entries FROM directory'))
    edges.push([
      `directory ${toHex(r['id'] as Uint8Array)}`,
      { entries: unpackEntries(r['entries'] as Uint8Array) },
    ])

  const byType: Record<CoreType, Set<string>> = {
    snp: await ids('SELECT id AS k FROM snapshot'),
    rel: await ids('SELECT id AS k FROM release'),
    rev: await ids('SELECT id AS k FROM revision'),
    dir: await ids('SELECT id AS k FROM directory'),
    cnt: await ids('SELECT sha1_git AS k FROM content'),
  }
  const contents = byType.cnt
  for (const [what, object] of edges)
    for (const ref of references(object))
      if (!byType[ref.type].has(ref.id))
        problems.push(`${what} -> missing ${NAME[ref.type]} ${ref.id}`)
  for (const t of visitSnapshots)
    if (!byType.snp.has(t)) problems.push(`visit status -> missing snapshot ${t}`)
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
