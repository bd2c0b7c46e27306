/**
 * Peers `arca repair` can heal an archive from when the peer is not a data directory on this
 * machine (that one is `integrity`'s `archivePeer`):
 *
 * - {@link feedRepairPeer}: a node's mirror feed (`/mirror/1/objects/<kind>` and
 *   `/mirror/1/contents`, see `web/feed.ts`), which carries every object journal-encoded and
 *   every content's exact bytes — the same channel a mirror replicates through, so a mirror can
 *   heal itself from its upstream and a primary from any mirror serving a feed.
 * - {@link journalRepairPeer}: a journal read directly (NATS JetStream, or any
 *   {@link JournalReader}). A journal is a log, not a key-value store: the peer indexes each
 *   topic it is asked about once (key → offset, in a scratch SQLite file, so memory stays flat
 *   whatever the journal's length and a later run only indexes what was appended since), then
 *   reads each wanted record at its offset. Content bytes never travel through the journal: a
 *   journal peer answers content rows only, and their bytes come from a feed when one is given.
 *   A content the journal has no row of may be a skipped one: those are indexed by sha1_git.
 *
 * Everything a peer answers is verified by the repair (ids recomputed, content bytes against
 * every recorded hash) before it is stored; these peers only fetch and decode.
 *
 * The value shapes match `integrity`'s `RepairPeer` (structurally: the mirror area does not
 * import integrity).
 *
 * @module
 */

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import {
  decodeValue,
  type JournalReader,
  type JournalRecord,
  type Topic,
} from '../journal/index.js'
import { type Content, type SkippedContent, toHex } from '../model/index.js'
import { openSqliteFile } from '../sqlite-file.js'
import type { RepairObject } from '../storage/index.js'
import type { ObjectFetchKind, Upstream } from './upstream.js'

type GraphType = 'dir' | 'rev' | 'rel' | 'snp'

const KIND: Record<GraphType, ObjectFetchKind & Topic & RepairObject['kind']> = {
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
}

/** What a peer holds of one content (as `integrity`'s `PeerContent`). */
export type FetchedContent =
  | { readonly row: Content; readonly data: Uint8Array | null }
  | { readonly skipped: readonly SkippedContent[] }

/** A repair peer (as `integrity`'s `RepairPeer`). */
export interface RemoteRepairPeer {
  readonly name: string
  graph(type: GraphType, id: string): Promise<RepairObject | null>
  content(id: string): Promise<FetchedContent | null>
  close(): Promise<void>
}

/** The graph object a journal value of `kind` holds. */
function graphObject(kind: RepairObject['kind'], value: Uint8Array): RepairObject {
  return { kind, value: decodeValue(kind, value) } as RepairObject
}

/** The bytes of content `id` from a feed (null when the feed has none). */
async function feedBytes(feed: Upstream, id: string): Promise<Uint8Array | null> {
  const [got] = await feed.contents([id])
  return got?.data ?? null
}

/**
 * A peer reading a node's mirror feed (an {@link Upstream}: `HttpUpstream`, or a `NatsUpstream`,
 * whose objects and bytes come from its feed). `name` is how reports name it (no credentials).
 */
export function feedRepairPeer(upstream: Upstream, name: string): RemoteRepairPeer {
  return {
    name,
    async graph(type, id) {
      const [got] = await upstream.objects(KIND[type], [id])
      return got ? graphObject(KIND[type], got.value) : null
    },
    async content(id) {
      const [got] = await upstream.objects('content', [id])
      if (!got) return null
      if (got.topic === 'skipped_content')
        return { skipped: [decodeValue('skipped_content', got.value)] }
      return { row: decodeValue('content', got.value), data: await feedBytes(upstream, id) }
    },
    close: () => upstream.close(),
  }
}

/** Settings of {@link journalRepairPeer}. */
export interface JournalRepairPeerInit {
  /** The journal, opened; closed with the peer. */
  readonly journal: JournalReader & { close(): Promise<void> }
  /** How reports name it (no credentials). */
  readonly name: string
  /** The scratch SQLite file holding the key → offset index (kept between runs). */
  readonly indexPath: string
  /** Where content bytes come from (the journal has none); closed with the peer. */
  readonly feed?: Upstream
  /** Called while a topic is being indexed. */
  readonly onIndexing?: (p: { topic: Topic; done: number; total: number }) => void
}

/** The index label of skipped contents by sha1_git (the topic's own keys hold every hash). */
const SKIPPED_BY_SHA1_GIT = 'skipped_content:sha1_git'

/** Records read per batch while indexing (one transaction each). */
const INDEX_BATCH = 5000

/** A peer reading a journal directly; see the module documentation. */
export function journalRepairPeer(init: JournalRepairPeerInit): RemoteRepairPeer {
  mkdirSync(dirname(init.indexPath), { recursive: true })
  const db = openSqliteFile(init.indexPath)
  db.exec(
    `CREATE TABLE IF NOT EXISTS indexed (topic TEXT PRIMARY KEY, until INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS record (
       topic TEXT NOT NULL, key BLOB NOT NULL, off INTEGER NOT NULL,
       PRIMARY KEY (topic, key)) WITHOUT ROWID;`,
  )
  const untilOf = db.prepare<[string], { until: number }>(
    'SELECT until FROM indexed WHERE topic = ?',
  )
  const insert = db.prepare('INSERT OR IGNORE INTO record (topic, key, off) VALUES (?, ?, ?)')
  const setUntil = db.prepare('INSERT OR REPLACE INTO indexed (topic, until) VALUES (?, ?)')
  const offsetOf = db.prepare<[string, Buffer], { off: number }>(
    'SELECT off FROM record WHERE topic = ? AND key = ?',
  )
  const commitBatch = db.transaction(
    (label: string, rows: readonly { key: Uint8Array; offset: number }[], until: number) => {
      for (const r of rows) insert.run(label, Buffer.from(r.key), r.offset)
      setUntil.run(label, until)
    },
  )
  /** Topics (index labels) brought up to date by this peer already. */
  const fresh = new Set<string>()

  /**
   * Indexes `topic` from where the last run stopped to the journal's current end, under
   * `label` (default: the topic), each record under `keyOf(record)` (default: its key; null:
   * not indexed).
   */
  async function index(
    topic: Topic,
    label: string = topic,
    keyOf: (r: JournalRecord) => Uint8Array | null = (r) => r.key,
  ): Promise<void> {
    if (fresh.has(label)) return
    const end = await init.journal.endOffset(topic)
    let from = untilOf.get(label)?.until ?? 0
    while (from < end) {
      const rows: { key: Uint8Array; offset: number }[] = []
      let last = -1
      for await (const r of init.journal.read(topic, from, { limit: INDEX_BATCH })) {
        last = r.offset
        const key = keyOf(r)
        if (key !== null) rows.push({ key, offset: r.offset })
      }
      if (last < 0) break
      from = last + 1
      commitBatch(label, rows, from)
      init.onIndexing?.({ topic, done: from, total: end })
    }
    fresh.add(label)
  }

  /** The value of the record of `topic` whose key is `id`'s bytes, or null. */
  async function recordValue(topic: Topic, id: string): Promise<Uint8Array | null> {
    await index(topic)
    const row = offsetOf.get(topic, Buffer.from(id, 'hex'))
    if (!row) return null
    for await (const r of init.journal.read(topic, row.off, { limit: 1 }))
      if (toHex(r.key) === id) return r.value
    return null
  }

  /**
   * The skipped content whose sha1_git is `id`, or null. Its journal key holds all its hashes
   * (any of which may be absent), so the topic is indexed by the sha1_git of each value, under
   * a label of its own.
   */
  async function skippedContent(id: string): Promise<SkippedContent | null> {
    const sha1Git = (value: Uint8Array): string | null =>
      decodeValue('skipped_content', value).sha1Git
    await index('skipped_content', SKIPPED_BY_SHA1_GIT, (r) => {
      const got = sha1Git(r.value)
      return got === null ? null : Buffer.from(got, 'hex')
    })
    const row = offsetOf.get(SKIPPED_BY_SHA1_GIT, Buffer.from(id, 'hex'))
    if (!row) return null
    for await (const r of init.journal.read('skipped_content', row.off, { limit: 1 })) {
      const value = decodeValue('skipped_content', r.value)
      if (value.sha1Git === id) return value
    }
    return null
  }

  return {
    name: init.name,
    async graph(type, id) {
      const value = await recordValue(KIND[type], id)
      return value ? graphObject(KIND[type], value) : null
    },
    async content(id) {
      const value = await recordValue('content', id)
      if (!value) {
        const skipped = await skippedContent(id)
        return skipped ? { skipped: [skipped] } : null
      }
      const row = decodeValue('content', value)
      return { row, data: init.feed ? await feedBytes(init.feed, id) : null }
    },
    async close() {
      db.close()
      await init.feed?.close()
      await init.journal.close()
    },
  }
}
