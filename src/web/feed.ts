/**
 * The mirror feed: what a mirror that cannot reach the upstream's NATS reads over HTTP. Every
 * route needs a bearer token with the `mirror` scope.
 *
 * - `GET /mirror/1/journal` — `{topics: {TOPIC: endOffset}, counters: {...}}`.
 * - `GET /mirror/1/journal/TOPIC?from=N&limit=M` — records of TOPIC from offset N (at most M,
 *   default 5000, at most 50000), as `application/x-arca-records`: per record
 *   `[offset u64][keyLength u32][valueLength u32][key][value]`, big-endian; the header
 *   `Arca-End-Offset` gives the topic's end when the read began.
 * - `POST /mirror/1/contents` — body: concatenated 20-byte sha1_git ids (at most 1000); answer:
 *   per id, in order, `[sha1_git 20 bytes][length u32][bytes]`, length `0xffffffff` (and no
 *   bytes) for an id whose bytes are not here. Streamed, with backpressure.
 * - `POST /mirror/1/objects/KIND` (KIND: content, directory, revision, release, snapshot) —
 *   body: concatenated 20-byte ids (at most 1000); answer, per id in order:
 *   `[kind u8][valueLength u32][value]`, the value encoded as in the journal; kind 0 (no value)
 *   when the object is unknown, 1 for the requested kind, 2 for a skipped content (a content
 *   id known only as skipped). Selective mirrors walk the graph top-down with it.
 *
 * Takedowns: the feed reads through the masking layers. A journal record of a masked object or
 * origin (its visits and statuses too) is withheld: its frame keeps its offset with an empty key
 * and value; takedown records always flow. A masked content's bytes answer `0xffffffff`, a
 * masked object answers kind 0.
 *
 * @module
 */

import type { Context, Hono } from 'hono'

import { InvalidInputError } from '../errors.js'
import { encodeRecord, type Topic, TOPICS } from '../journal/index.js'
import { fromHex, SWHID_TYPE_OF_KIND, swhidString, toHex } from '../model/index.js'
import { requireScope } from './auth/scopes.js'
import type { WebContext } from './context.js'
import type { AppEnv } from './env.js'

/** Most ids per content request. */
export const FEED_MAX_CONTENT_IDS = 1000
/** Default and largest number of records per journal read. */
export const FEED_DEFAULT_LIMIT = 5000
export const FEED_MAX_LIMIT = 50_000
/** Content reads in flight per request. */
const FEED_READ_AHEAD = 32
/** Length marking a content whose bytes are missing. */
export const FEED_MISSING = 0xffffffff

async function requireMirrorToken(c: Context<AppEnv>, ctx: WebContext): Promise<void> {
  await requireScope(c, ctx.tokens, 'mirror', 'The mirror feed')
}

function intParam(c: Context, name: string, dflt: number, max: number): number {
  const raw = c.req.query(name)
  if (raw === undefined) return dflt
  if (!/^\d+$/.test(raw)) throw new InvalidInputError(`Invalid "${name}": ${raw}`)
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n > max)
    throw new InvalidInputError(`Invalid "${name}": ${raw} (at most ${max})`)
  return n
}

/** A byte stream pulled from an async iterator: the next chunk is produced only when asked. */
function pullStream(source: AsyncIterator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await source.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
      async cancel() {
        await source.return?.()
      },
    },
    { highWaterMark: 4 },
  )
}

/** Mounts the feed routes. */
export function mountFeed(app: Hono<AppEnv>, ctx: WebContext): void {
  app.get('/mirror/1/journal', async (c) => {
    await requireMirrorToken(c, ctx)
    const topics: Record<string, number> = {}
    for (const t of TOPICS) topics[t] = await ctx.archive.journal.endOffset(t)
    const counters = await ctx.archive.storage.statCounters()
    return c.json({ topics, counters })
  })

  app.get('/mirror/1/journal/:topic', async (c) => {
    await requireMirrorToken(c, ctx)
    const topic = c.req.param('topic')
    if (!(TOPICS as readonly string[]).includes(topic))
      throw new InvalidInputError(`Unknown journal topic "${topic}"`)
    const from = intParam(c, 'from', 0, Number.MAX_SAFE_INTEGER)
    const limit = intParam(c, 'limit', FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT)
    const end = await ctx.archive.journal.endOffset(topic as Topic)
    const records = ctx.archive.journal.read(topic as Topic, from, { limit })
    async function* frames(): AsyncGenerator<Uint8Array> {
      // Records are grouped into chunks of about 256 KiB to keep per-chunk overhead low.
      let parts: Uint8Array[] = []
      let size = 0
      for await (const r of records) {
        const head = new Uint8Array(16)
        const view = new DataView(head.buffer)
        view.setBigUint64(0, BigInt(r.offset))
        view.setUint32(8, r.key.length)
        view.setUint32(12, r.value.length)
        parts.push(head, r.key, r.value)
        size += 16 + r.key.length + r.value.length
        if (size >= 256 << 10) {
          yield Buffer.concat(parts, size)
          parts = []
          size = 0
        }
      }
      if (size > 0) yield Buffer.concat(parts, size)
    }
    return new Response(pullStream(frames()), {
      headers: {
        'Content-Type': 'application/x-arca-records',
        'Arca-End-Offset': String(end),
        'Cache-Control': 'no-store',
      },
    })
  })

  app.post('/mirror/1/contents', async (c) => {
    await requireMirrorToken(c, ctx)
    const ids = idsOfBody(new Uint8Array(await c.req.arrayBuffer()))
    // Masked contents answer as missing (the masking layer withholds their bytes).
    const read = await ctx.archive.objstorage.batchReader(ids)
    async function* frames(): AsyncGenerator<Uint8Array> {
      // Reads run ahead of the response by a bounded window (the disk works in parallel; the
      // order and the memory stay bounded).
      // Frames are grouped into chunks of about 256 KiB, as the journal's records are.
      const window: Promise<Uint8Array | null>[] = []
      let next = 0
      let parts: Uint8Array[] = []
      let size = 0
      for (let i = 0; i < ids.length; i++) {
        while (next < ids.length && window.length < FEED_READ_AHEAD) window.push(read(ids[next++]!))
        const data = await window.shift()!
        const head = new Uint8Array(24)
        head.set(fromHex(ids[i]!), 0)
        new DataView(head.buffer).setUint32(20, data === null ? FEED_MISSING : data.length)
        parts.push(head)
        size += 24
        if (data !== null && data.length > 0) {
          parts.push(data)
          size += data.length
        }
        if (size >= 256 << 10) {
          yield Buffer.concat(parts, size)
          parts = []
          size = 0
        }
      }
      if (size > 0) yield Buffer.concat(parts, size)
    }
    return new Response(pullStream(frames()), {
      headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' },
    })
  })

  app.post('/mirror/1/objects/:kind', async (c) => {
    await requireMirrorToken(c, ctx)
    const kind = c.req.param('kind')
    const prefix = Object.hasOwn(SWHID_TYPE_OF_KIND, kind)
      ? SWHID_TYPE_OF_KIND[kind as keyof typeof SWHID_TYPE_OF_KIND]
      : undefined
    if (!prefix)
      throw new InvalidInputError(
        `Unknown object kind "${kind}": content, directory, revision, release or snapshot`,
      )
    const ids = idsOfBody(new Uint8Array(await c.req.arrayBuffer()))
    const s = ctx.archive.storage
    // Masked objects answer as unknown; the others are read through the masking layer.
    const masked = await s.masks.masked(ids.map((id) => swhidString(prefix, id)))
    const visible = ids.filter((id) => !masked.has(swhidString(prefix, id)))
    const found = new Map<string, [number, Uint8Array]>()
    const put = (id: string, k: number, value: Uint8Array): void => void found.set(id, [k, value])
    switch (kind) {
      case 'content': {
        const got = await s.contentGet(visible)
        for (let i = 0; i < visible.length; i++) {
          const c = got[i]
          if (c) {
            put(c.sha1Git, 1, encodeRecord('content', c).value)
            continue
          }
          const skipped = await s.skippedContentFind(visible[i]!)
          if (skipped[0]) put(visible[i]!, 2, encodeRecord('skipped_content', skipped[0]).value)
        }
        break
      }
      case 'directory':
        for (const d of await s.directoryGet(visible))
          if (d) put(d.id, 1, encodeRecord('directory', d).value)
        break
      case 'revision':
        for (const r of await s.revisionGet(visible))
          if (r) put(r.id, 1, encodeRecord('revision', r).value)
        break
      case 'release':
        for (const r of await s.releaseGet(visible))
          if (r) put(r.id, 1, encodeRecord('release', r).value)
        break
      case 'snapshot':
        for (const sn of await s.snapshotGet(visible))
          if (sn) put(sn.id, 1, encodeRecord('snapshot', sn).value)
        break
    }
    const frames: Uint8Array[] = []
    for (const id of ids) {
      const [k, value] = found.get(id) ?? [0, null]
      const head = new Uint8Array(5)
      head[0] = k
      new DataView(head.buffer).setUint32(1, value?.length ?? 0)
      frames.push(head)
      if (value) frames.push(value)
    }
    return new Response(Buffer.concat(frames), {
      headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' },
    })
  })
}

function idsOfBody(body: Uint8Array): string[] {
  if (body.length % 20 !== 0)
    throw new InvalidInputError('The body must be concatenated 20-byte ids')
  const n = body.length / 20
  if (n > FEED_MAX_CONTENT_IDS)
    throw new InvalidInputError(`At most ${FEED_MAX_CONTENT_IDS} ids per request (got ${n})`)
  return Array.from({ length: n }, (_, i) => toHex(body.subarray(i * 20, i * 20 + 20)))
}
