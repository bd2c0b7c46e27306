/**
 * The reverse-edge index of the graph API: posting lists of directories by entry target
 * (migration 19, see graph-postings.ts) and one row per (parent, revision) (migration 18),
 * written in the transaction that adds the directory or revision, so that no stored object
 * lacks them; `reindexGraph` fills them for objects stored before.
 *
 * @module
 */

import type { Directory, Revision } from '../../model/index.js'
import { forEachPackedEntry, unpackIds } from '../codec.js'
import type { GraphReindexReport } from '../graph.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import {
  insertPostings,
  lockDirectoryIndex,
  postingRows,
  removeFromPostings,
} from './graph-postings.js'
import { b, hex, num, type Row } from './rows.js'
import { scanPackedDirectories } from './scan.js'
import { insert } from './statements.js'

/**
 * The posting lists of `dirs`, new in their adding transaction, when the index covers them: a
 * complete index, or, while a reindex runs, the directories at or below its resume point
 * (`index`, read and locked first in that transaction by `lockDirectoryIndex`).
 */
export async function indexDirectoryEdges(
  tx: SqlExecutor,
  dirs: readonly Directory[],
  index: { readonly complete: boolean; readonly resume: string | null },
): Promise<void> {
  const covered = index.complete
    ? dirs
    : index.resume === null
      ? []
      : dirs.filter((d) => d.id <= index.resume!)
  if (covered.length === 0) return
  const sorted = [...covered].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
  await insertPostings(
    tx,
    postingRows(
      sorted.map((d) => ({ id: b(d.id), targets: new Set(d.entries.map((e) => e.target)) })),
    ),
  )
}

/** The distinct entry targets (hex) of a packed entries blob. */
function packedTargets(blob: Uint8Array): Set<string> {
  const targets = new Set<string>()
  forEachPackedEntry(blob, (_c, _s, _e, t) => targets.add(hex(blob.subarray(t, t + 20))))
  return targets
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
    await lockDirectoryIndex(tx)
    const rows = await tx.all<Row>('SELECT entries FROM directory WHERE id = ?', [b(id)])
    const blob = rows[0]?.['entries'] as Uint8Array | undefined
    if (!blob) return
    await removeFromPostings(tx, id, [...packedTargets(blob)])
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
    for (;;) {
      options.signal?.throwIfAborted()
      // The page is read inside its transaction, after the lock: a directory added or removed
      // meanwhile is indexed (or unindexed) exactly once, and concurrent reindexes take turns.
      const step = await db.transaction(async (tx) => {
        const at = await lockDirectoryIndex(tx)
        if (at.complete) return { count: 0, done: true }
        // From the start: lists left from an earlier index are rebuilt, not added to.
        if (at.resume === null) await tx.run('DELETE FROM graph_dir_post')
        const page = await scanPackedDirectories(tx, at.resume, PAGE)
        await insertPostings(
          tx,
          postingRows(page.items.map((d) => ({ id: b(d.key), targets: packedTargets(d.packed) }))),
        )
        await save(tx, 'directory', page.next)
        return { count: page.items.length, done: page.next === null }
      })
      directories += step.count
      options.onPage?.({ directories, revisions })
      if (step.done) break
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
