/**
 * The reverse-edge index of the graph API (migration 18): one row per (entry target, directory)
 * and per (parent, revision), written in the transaction that adds the directory or revision,
 * so that no stored object lacks its rows; `reindexGraph` fills it for objects stored before.
 *
 * @module
 */

import type { Directory, Revision } from '../../model/index.js'
import { forEachPackedEntry, unpackIds } from '../codec.js'
import type { GraphReindexReport } from '../graph.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { b, hex, num, type Row } from './rows.js'
import { scanPackedDirectories } from './scan.js'
import { insert } from './statements.js'

/** Rows of the directory-entry reverse index for `dirs` (inside their adding transaction). */
export async function indexDirectoryEdges(
  tx: SqlExecutor,
  dirs: readonly Directory[],
): Promise<void> {
  const rows: SqlValue[][] = []
  for (const d of dirs) {
    const id = b(d.id)
    const seen = new Set<string>()
    for (const e of d.entries) {
      if (seen.has(e.target)) continue
      seen.add(e.target)
      rows.push([b(e.target), id])
    }
  }
  await insert(tx, 'graph_dir_edge', ['target', 'dir'], rows)
}

/** Rows of the revision-parent reverse index for `revs` (inside their adding transaction). */
export async function indexRevisionParents(
  tx: SqlExecutor,
  revs: readonly Revision[],
): Promise<void> {
  const rows: SqlValue[][] = []
  for (const r of revs) {
    const id = b(r.id)
    for (const p of new Set(r.parents)) rows.push([b(p), id])
  }
  await insert(tx, 'graph_rev_parent', ['parent', 'rev'], rows)
}

/** Removes the index rows of a directory and a revision about to be deleted. */
export async function unindexObject(
  tx: SqlExecutor,
  type: 'dir' | 'rev',
  id: string,
): Promise<void> {
  if (type === 'dir') {
    const rows = await tx.all<Row>('SELECT entries FROM directory WHERE id = ?', [b(id)])
    const blob = rows[0]?.['entries'] as Uint8Array | undefined
    if (!blob) return
    const targets = new Set<string>()
    forEachPackedEntry(blob, (_c, _s, _e, t) => targets.add(hex(blob.subarray(t, t + 20))))
    for (const t of targets)
      await tx.run('DELETE FROM graph_dir_edge WHERE target = ? AND dir = ?', [b(t), b(id)])
    return
  }
  const rows = await tx.all<Row>('SELECT parents FROM revision WHERE id = ?', [b(id)])
  const packed = rows[0]?.['parents'] as Uint8Array | undefined
  if (!packed) return
  for (const p of new Set(unpackIds(packed)))
    await tx.run('DELETE FROM graph_rev_parent WHERE parent = ? AND rev = ?', [b(p), b(id)])
}

/** Whether both parts of the index cover every stored object. */
export async function graphIndexComplete(db: SqlExecutor): Promise<boolean> {
  const rows = await db.all<Row>('SELECT complete FROM graph_index')
  return rows.length > 0 && rows.every((r) => num(r['complete']) === 1)
}

const PAGE = 2000

/** Fills the index from stored objects, page by page, recording where to resume. */
export async function reindexGraph(
  db: SqlExecutor,
  options: {
    readonly onPage?: (report: GraphReindexReport) => void
    readonly signal?: AbortSignal
  } = {},
): Promise<GraphReindexReport> {
  let directories = 0
  let revisions = 0
  const state = new Map<string, { complete: boolean; resume: string | null }>()
  for (const r of await db.all<Row>('SELECT name, complete, resume FROM graph_index')) {
    const resume = r['resume'] as Uint8Array | null | undefined
    state.set(String(r['name']), {
      complete: num(r['complete']) === 1,
      resume: resume ? hex(resume) : null,
    })
  }
  const save = (tx: SqlExecutor, name: string, next: string | null): Promise<number> =>
    next === null
      ? tx.run('UPDATE graph_index SET complete = 1, resume = NULL WHERE name = ?', [name])
      : tx.run('UPDATE graph_index SET resume = ? WHERE name = ?', [b(next), name])

  const dirState = state.get('directory')
  if (dirState && !dirState.complete) {
    let after = dirState.resume
    for (;;) {
      options.signal?.throwIfAborted()
      const page = await scanPackedDirectories(db, after, PAGE)
      await db.transaction(async (tx) => {
        const rows: SqlValue[][] = []
        for (const d of page.items) {
          const id = b(d.key)
          const targets = new Set<string>()
          const blob = d.packed
          forEachPackedEntry(blob, (_c, _s, _e, t) => targets.add(hex(blob.subarray(t, t + 20))))
          for (const t of targets) rows.push([b(t), id])
        }
        await insert(tx, 'graph_dir_edge', ['target', 'dir'], rows)
        await save(tx, 'directory', page.next)
      })
      directories += page.items.length
      options.onPage?.({ directories, revisions })
      if (page.next === null) break
      after = page.next
    }
  }
  const revState = state.get('revision')
  if (revState && !revState.complete) {
    let after = revState.resume
    for (;;) {
      options.signal?.throwIfAborted()
      const rows = await db.all<Row>(
        after === null
          ? 'SELECT id, parents FROM revision ORDER BY id LIMIT ?'
          : 'SELECT id, parents FROM revision WHERE id > ? ORDER BY id LIMIT ?',
        after === null ? [PAGE] : [b(after), PAGE],
      )
      const next = rows.length < PAGE ? null : hex(rows[rows.length - 1]!['id'])
      await db.transaction(async (tx) => {
        const edges: SqlValue[][] = []
        for (const r of rows) {
          for (const p of new Set(unpackIds(r['parents'] as Uint8Array)))
            edges.push([b(p), r['id'] as Uint8Array])
        }
        await insert(tx, 'graph_rev_parent', ['parent', 'rev'], edges)
        await save(tx, 'revision', next)
      })
      revisions += rows.length
      options.onPage?.({ directories, revisions })
      if (next === null) break
      after = next
    }
  }
  return { directories, revisions }
}
