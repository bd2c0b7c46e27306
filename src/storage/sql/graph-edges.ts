/**
 * Edges of the graph API on SQL (see `../graph.ts`): forward edges decoded from the objects'
 * rows, backward edges from the reverse-reference indexes (migration 11: visit statuses by
 * snapshot, branches and releases by target, revisions by root directory; migration 18:
 * revision parents; migration 19: posting lists of directories by entry target). One query per
 * kind of edge for a batch of nodes.
 *
 * @module
 */

import { UnavailableError } from '../../errors.js'
import { forEachPackedEntry, unpackIds } from '../codec.js'
import type { GraphCounts, GraphNodeType, GraphSuccessorsOptions } from '../graph.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { graphIndexComplete } from './graph-index.js'
import { parentDirectories } from './graph-postings.js'
import { b, hex, num, type Row, str } from './rows.js'
import { chunks, inList } from './statements.js'

/** Nodes per query. */
const BATCH = 200

/** Release and branch target types by node type, and back. */
const TARGET_TYPE: Readonly<Record<string, string>> = {
  cnt: 'content',
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
}
const NODE_OF_TARGET: Readonly<Record<string, GraphNodeType>> = {
  content: 'cnt',
  directory: 'dir',
  revision: 'rev',
  release: 'rel',
  snapshot: 'snp',
}
const ENTRY_NODE: readonly GraphNodeType[] = ['cnt', 'dir', 'rev']

const swhid = (type: string, id: string): string => `swh:1:${type}:${id}`

/** Successors gathered per source node, each once, in insertion order. */
class Adjacency {
  readonly map = new Map<string, string[]>()
  readonly #seen = new Map<string, Set<string>>()
  count = 0

  add(src: string, dst: string): void {
    let seen = this.#seen.get(src)
    if (!seen) {
      seen = new Set()
      this.#seen.set(src, seen)
      this.map.set(src, [])
    }
    if (seen.has(dst)) return
    seen.add(dst)
    this.map.get(src)!.push(dst)
    this.count++
  }
}

/** Successors of `nodes` (see `GraphReader.graphSuccessors`). */
export async function graphSuccessors(
  db: SqlExecutor,
  nodes: readonly string[],
  options: GraphSuccessorsOptions,
): Promise<Map<string, string[]>> {
  const byType = new Map<GraphNodeType, string[]>()
  for (const n of new Set(nodes)) {
    const type = n.slice(6, 9) as GraphNodeType
    byType.set(type, [...(byType.get(type) ?? []), n.slice(10)])
  }
  const adj = new Adjacency()
  const allowed = (src: GraphNodeType, dst: GraphNodeType): boolean =>
    options.edges.has(`${src}:${dst}`)
  // An index built after objects were stored is complete only once reindexed: rather than
  // silently miss referrers, say so.
  if (
    options.direction === 'backward' &&
    ENTRY_NODE.some((t) => byType.has(t) && (allowed(t, 'dir') || (t === 'rev' && allowed(t, t))))
  ) {
    if (!(await graphIndexComplete(db)))
      throw new UnavailableError(
        'Backward traversals through directory entries and revision parents need the reverse index of this archive: run "arca graph reindex"',
      )
  }
  const query = async (
    sql: string,
    ids: readonly string[],
    extra: readonly SqlValue[],
    each: (r: Row) => void,
  ): Promise<void> => {
    for (const part of chunks([...ids], BATCH)) {
      options.signal?.throwIfAborted()
      if (adj.count >= options.limit) return
      const rows = await db.all<Row>(sql.replace('(?*)', inList(part.length)), [
        ...part.map(b),
        ...extra,
        options.limit,
      ])
      rows.forEach(each)
    }
  }
  for (const [type, ids] of byType) {
    if (options.direction === 'forward') await forward(type, ids, allowed, adj, query)
    else await backward(db, type, ids, allowed, adj, query, options)
  }
  return adj.map
}

type Query = (
  sql: string,
  ids: readonly string[],
  extra: readonly SqlValue[],
  each: (r: Row) => void,
) => Promise<void>
type Allowed = (src: GraphNodeType, dst: GraphNodeType) => boolean

async function forward(
  type: GraphNodeType,
  ids: readonly string[],
  allowed: Allowed,
  adj: Adjacency,
  query: Query,
): Promise<void> {
  const from = (r: Row, col = 'src'): string => swhid(type, hex(r[col]))
  switch (type) {
    case 'ori':
      if (!allowed('ori', 'snp')) return
      return query(
        `SELECT o.sha1 AS src, s.snapshot AS dst FROM origin o
           JOIN origin_visit_status s ON s.origin_id = o.id
         WHERE o.sha1 IN (?*) AND s.snapshot IS NOT NULL
         ORDER BY o.id, s.visit, s.date, s.seq LIMIT ?`,
        ids,
        [],
        (r) => adj.add(from(r), swhid('snp', hex(r['dst']))),
      )
    case 'snp': {
      const types = Object.entries(NODE_OF_TARGET)
        .filter(([, t]) => allowed('snp', t))
        .map(([name]) => name)
      if (types.length === 0) return
      return query(
        `SELECT snapshot_id AS src, target_type, target FROM snapshot_branch
         WHERE snapshot_id IN (?*) AND target IS NOT NULL AND target_type IN ${inList(types.length)}
         ORDER BY snapshot_id, name LIMIT ?`,
        ids,
        types,
        (r) => adj.add(from(r), swhid(NODE_OF_TARGET[str(r['target_type'])]!, hex(r['target']))),
      )
    }
    case 'rel':
      return query(
        `SELECT id AS src, target_type, target FROM release
         WHERE id IN (?*) AND target IS NOT NULL LIMIT ?`,
        ids,
        [],
        (r) => {
          const t = NODE_OF_TARGET[str(r['target_type'])]
          if (t && allowed('rel', t)) adj.add(from(r), swhid(t, hex(r['target'])))
        },
      )
    case 'rev': {
      const dir = allowed('rev', 'dir')
      const parents = allowed('rev', 'rev')
      if (!dir && !parents) return
      return query(
        `SELECT id AS src, directory, parents FROM revision WHERE id IN (?*) LIMIT ?`,
        ids,
        [],
        (r) => {
          const src = from(r)
          if (dir) adj.add(src, swhid('dir', hex(r['directory'])))
          if (parents)
            for (const p of unpackIds(r['parents'] as Uint8Array)) adj.add(src, swhid('rev', p))
        },
      )
    }
    case 'dir': {
      const take = ENTRY_NODE.map((t) => allowed('dir', t))
      if (!take.some(Boolean)) return
      return query(
        `SELECT id AS src, entries FROM directory WHERE id IN (?*) LIMIT ?`,
        ids,
        [],
        (r) => {
          const src = from(r)
          const blob = r['entries'] as Uint8Array
          forEachPackedEntry(blob, (code, _s, _e, t) => {
            if (take[code]) adj.add(src, swhid(ENTRY_NODE[code]!, hex(blob.subarray(t, t + 20))))
          })
        },
      )
    }
    case 'cnt':
      return
  }
}

async function backward(
  db: SqlExecutor,
  type: GraphNodeType,
  ids: readonly string[],
  allowed: Allowed,
  adj: Adjacency,
  query: Query,
  { limit, signal }: GraphSuccessorsOptions,
): Promise<void> {
  const from = (r: Row): string => swhid(type, hex(r['src']))
  const to = (dstType: GraphNodeType) => (r: Row) => adj.add(from(r), swhid(dstType, hex(r['dst'])))
  if (type === 'ori') return
  if ((type === 'cnt' || type === 'dir' || type === 'rev') && allowed(type, 'dir'))
    for (const part of chunks([...ids], BATCH)) {
      signal?.throwIfAborted()
      if (adj.count >= limit) break
      for (const [t, d] of await parentDirectories(db, part, limit))
        adj.add(swhid(type, t), swhid('dir', d))
    }
  if (type === 'dir' && allowed('dir', 'rev'))
    await query(
      'SELECT directory AS src, id AS dst FROM revision WHERE directory IN (?*) ORDER BY directory, id LIMIT ?',
      ids,
      [],
      to('rev'),
    )
  if (type === 'rev' && allowed('rev', 'rev'))
    await query(
      'SELECT parent AS src, rev AS dst FROM graph_rev_parent WHERE parent IN (?*) ORDER BY parent, rev LIMIT ?',
      ids,
      [],
      to('rev'),
    )
  const targetType = TARGET_TYPE[type]!
  if (allowed(type, 'rel'))
    await query(
      'SELECT target AS src, id AS dst FROM release WHERE target IN (?*) AND target_type = ? ORDER BY target, id LIMIT ?',
      ids,
      [targetType],
      to('rel'),
    )
  if (allowed(type, 'snp'))
    await query(
      'SELECT DISTINCT target AS src, snapshot_id AS dst FROM snapshot_branch WHERE target IN (?*) AND target_type = ? ORDER BY target, snapshot_id LIMIT ?',
      ids,
      [targetType],
      to('snp'),
    )
  if (type === 'snp' && allowed('snp', 'ori'))
    await query(
      `SELECT DISTINCT s.snapshot AS src, o.sha1 AS dst FROM origin_visit_status s
         JOIN origin o ON o.id = s.origin_id WHERE s.snapshot IN (?*) ORDER BY s.snapshot, o.sha1 LIMIT ?`,
      ids,
      [],
      to('ori'),
    )
}

const TABLE_OF: Readonly<Record<GraphNodeType, [string, string]>> = {
  cnt: ['content', 'sha1_git'],
  dir: ['directory', 'id'],
  rev: ['revision', 'id'],
  rel: ['release', 'id'],
  snp: ['snapshot', 'id'],
  ori: ['origin', 'sha1'],
}

/** The stored nodes among `nodes`. */
export async function graphNodesExist(
  db: SqlExecutor,
  nodes: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>()
  const byType = new Map<GraphNodeType, string[]>()
  for (const n of new Set(nodes)) {
    const type = n.slice(6, 9) as GraphNodeType
    if (!(type in TABLE_OF)) continue
    byType.set(type, [...(byType.get(type) ?? []), n.slice(10)])
  }
  for (const [type, ids] of byType) {
    const [table, col] = TABLE_OF[type]
    for (const part of chunks(ids)) {
      const rows = await db.all<Row>(
        `SELECT ${col} AS k FROM ${table} WHERE ${col} IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const r of rows) found.add(swhid(type, hex(r['k'])))
    }
  }
  return found
}

/** URLs of origin nodes. */
export async function graphOriginUrls(
  db: SqlExecutor,
  nodes: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const ids = [...new Set(nodes.filter((n) => n.startsWith('swh:1:ori:')).map((n) => n.slice(10)))]
  for (const part of chunks(ids)) {
    const rows = await db.all<Row>(
      `SELECT sha1, url FROM origin WHERE sha1 IN ${inList(part.length)}`,
      part.map(b),
    )
    for (const r of rows) out.set(swhid('ori', hex(r['sha1'])), str(r['url']))
  }
  return out
}

/**
 * Nodes by type (the maintained counters, origins as every origin row) and arcs by type
 * (counted: the price of a stats request grows with the archive).
 */
export async function graphCounts(db: SqlExecutor): Promise<GraphCounts> {
  const counters = new Map<string, number>()
  for (const r of await db.all<Row>('SELECT kind, value FROM counter'))
    counters.set(str(r['kind']), num(r['value']))
  const one = async (sql: string): Promise<number> => num((await db.all<Row>(sql))[0]?.['n'] ?? 0)
  const arcs: Record<string, number> = {}
  const add = (k: string, n: number): void => {
    if (n > 0) arcs[k] = (arcs[k] ?? 0) + n
  }
  add(
    'ori:snp',
    await one(
      'SELECT COUNT(*) AS n FROM (SELECT DISTINCT origin_id, snapshot FROM origin_visit_status WHERE snapshot IS NOT NULL) x',
    ),
  )
  for (const r of await db.all<Row>(
    "SELECT target_type, COUNT(*) AS n FROM snapshot_branch WHERE target IS NOT NULL AND target_type <> 'alias' GROUP BY target_type",
  ))
    add(`snp:${NODE_OF_TARGET[str(r['target_type'])] ?? '?'}`, num(r['n']))
  for (const r of await db.all<Row>(
    'SELECT target_type, COUNT(*) AS n FROM release WHERE target IS NOT NULL GROUP BY target_type',
  ))
    add(`rel:${NODE_OF_TARGET[str(r['target_type'])] ?? '?'}`, num(r['n']))
  add('rev:dir', counters.get('revision') ?? 0)
  add('rev:rev', await one('SELECT COUNT(*) AS n FROM graph_rev_parent'))
  // the directories of every posting list (a list is 20 bytes per directory)
  add('dir:*', await one('SELECT COALESCE(SUM(LENGTH(dirs)), 0) / 20 AS n FROM graph_dir_post'))
  return {
    nodesByType: {
      cnt: counters.get('content') ?? 0,
      dir: counters.get('directory') ?? 0,
      rev: counters.get('revision') ?? 0,
      rel: counters.get('release') ?? 0,
      snp: counters.get('snapshot') ?? 0,
      ori: await one('SELECT COUNT(*) AS n FROM origin'),
    },
    arcsByType: arcs,
  }
}
