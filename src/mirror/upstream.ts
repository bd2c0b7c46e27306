/**
 * Where a mirror reads from: the upstream's journal and content bytes.
 *
 * - {@link HttpUpstream}: the upstream's mirror feed (`https://node/mirror/1/…`, see
 *   `web/feed.ts`), for the journal and the bytes.
 * - {@link NatsUpstream}: the journal straight from the upstream's NATS JetStream streams, through
 *   a durable consumer per topic named after the mirror and acknowledged as the mirror commits;
 *   the bytes (which never travel through the journal) still from the feed.
 *
 * Transient failures (connection refused or cut, 5xx, 429) are retried under one policy (see
 * `retry.ts`: bounded attempts, jittered backoff, `Retry-After`, abortable); a cut journal
 * stream raises, and the replayer resumes from its last committed offset.
 *
 * @module
 */

import { InvalidInputError, UnavailableError } from '../errors.js'
import {
  type JournalDelivery,
  type JournalRecord,
  NatsJournal,
  natsJournalInitFromUrl,
  type Topic,
  TOPICS,
} from '../journal/index.js'
import { fromHex, toHex } from '../model/index.js'
import type { Counters } from '../storage/index.js'
import { parseRetryAfter, RetryAfterError, type RetryPolicy, withRetry } from './retry.js'

/** Length marking a content whose bytes the upstream does not have (see the feed). */
const MISSING = 0xffffffff

/** The bytes of one content, or null when the upstream has none. */
export interface ContentBytes {
  readonly id: string
  readonly data: Uint8Array | null
}

/** What a replayer needs from an upstream. */
export interface Upstream {
  /** A printable description (no secrets). */
  readonly description: string
  /** Current end offset of every topic. */
  endOffsets(): Promise<Record<Topic, number>>
  /** Records of `topic` from `from`, at most `limit`. */
  read(topic: Topic, from: number, limit: number): AsyncIterable<JournalRecord>
  /** Bytes of the given contents (sha1_git), in order. */
  contents(ids: readonly string[]): Promise<ContentBytes[]>
  /** The upstream's object counters. */
  counters(): Promise<Counters>
  /** Objects by id, journal-encoded, for top-down walks (selective mirrors). */
  objects(kind: ObjectFetchKind, ids: readonly string[]): Promise<FetchedObject[]>
  /** Names the mirror to an upstream that tracks its consumers (before the first read). */
  bindConsumer?(group: string): void
  /** Tells the upstream the mirror has stored and committed every record of `topic` before `offset`. */
  acknowledge?(topic: Topic, offset: number): Promise<void>
  close(): Promise<void>
}

/** Kinds {@link Upstream.objects} serves. */
export type ObjectFetchKind = 'content' | 'directory' | 'revision' | 'release' | 'snapshot'

/** One answer of {@link Upstream.objects}: the topic its value is encoded for, or null. */
export type FetchedObject = { topic: Topic; value: Uint8Array } | null

/** Settings of {@link HttpUpstream}. */
export interface HttpUpstreamInit {
  /** Base URL of the upstream node, e.g. `https://arca.example.org`. */
  readonly url: string
  /** A token with the `mirror` scope. */
  readonly token: string | undefined
  /** Retry policy for transient failures (attempts, backoff); see `retry.ts`. */
  readonly retry?: Omit<RetryPolicy, 'signal'>
  /** Longest wait for an answer's headers, in ms (default 60 000). */
  readonly timeoutMs?: number
  /** Ends every request and wait of this upstream (e.g. on SIGINT). */
  readonly signal?: AbortSignal
}

/** Reads an upstream's mirror feed over HTTP(S). */
export class HttpUpstream implements Upstream {
  readonly description: string
  readonly #base: string
  readonly #token: string | undefined
  readonly #retry: RetryPolicy
  readonly #timeoutMs: number

  constructor(init: HttpUpstreamInit) {
    let u: URL
    try {
      u = new URL(init.url)
    } catch {
      throw new InvalidInputError(`Bad upstream URL "${init.url}"`)
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new InvalidInputError(`Bad upstream URL "${init.url}": use http(s):// or nats://`)
    this.#base = u.href.replace(/\/+$/, '')
    this.description = this.#base
    this.#token = init.token
    this.#retry = { ...init.retry, signal: init.signal }
    this.#timeoutMs = init.timeoutMs ?? 60_000
  }

  /**
   * One request, no retry: the answer when 2xx, else an error ({@link UnavailableError} when
   * transient). The caller's signal and a timeout (on the wait for the answer's headers; bodies
   * stream for as long as they last) end it.
   */
  async #fetchOnce(path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = {}
    if (this.#token) headers['Authorization'] = `Bearer ${this.#token}`
    const caller = this.#retry.signal
    const timer = new AbortController()
    const timeout = setTimeout(
      () => timer.abort(new DOMException('The upstream did not answer in time', 'TimeoutError')),
      this.#timeoutMs,
    )
    const signal = caller ? AbortSignal.any([caller, timer.signal]) : timer.signal
    let res: Response
    try {
      res = await fetch(`${this.#base}${path}`, { ...init, headers, signal })
    } catch (e) {
      if (caller?.aborted) throw caller.reason
      throw new UnavailableError(`Upstream ${this.#base} is unreachable`, { cause: e })
    } finally {
      clearTimeout(timeout)
    }
    if (res.ok) return res
    const text = await res.text().catch(() => '')
    const message = `Upstream answered ${res.status} for ${path}: ${text}`
    if (res.status === 429 || res.status === 503) {
      const after = parseRetryAfter(res.headers.get('retry-after'))
      if (after !== null) throw new RetryAfterError(message, after)
    }
    if (res.status >= 500 || res.status === 429) throw new UnavailableError(message)
    if (res.status === 401 || res.status === 403)
      throw new InvalidInputError(
        `Upstream refused the mirror feed (${res.status}): ${text || 'no reason'}; pass a token with the "mirror" scope (--token or ARCA_MIRROR_TOKEN)`,
      )
    throw new InvalidInputError(message)
  }

  /** {@link #fetchOnce} under the retry policy. */
  #fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return withRetry(() => this.#fetchOnce(path, init), this.#retry)
  }

  async #status(): Promise<{ topics: Record<Topic, number>; counters: Counters }> {
    const res = await this.#fetch('/mirror/1/journal')
    try {
      return (await res.json()) as { topics: Record<Topic, number>; counters: Counters }
    } catch (e) {
      throw new UnavailableError('Upstream status answer was cut or malformed', { cause: e })
    }
  }

  async endOffsets(): Promise<Record<Topic, number>> {
    const { topics } = await this.#status()
    for (const t of TOPICS) if (typeof topics[t] !== 'number') topics[t] = 0
    return topics
  }

  async counters(): Promise<Counters> {
    return (await this.#status()).counters
  }

  read(topic: Topic, from: number, limit: number): AsyncIterable<JournalRecord> {
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        const res = await self.#fetch(`/mirror/1/journal/${topic}?from=${from}&limit=${limit}`)
        if (!res.body) return
        const reader = new FrameReader(res.body)
        try {
          for (;;) {
            // Frames already buffered (a chunk holds many) are cut without waiting.
            const head = reader.takeBuffered(16) ?? (await reader.take(16))
            if (head === null) return
            const view = new DataView(head.buffer, head.byteOffset, 16)
            const offset = Number(view.getBigUint64(0))
            const keyLength = view.getUint32(8)
            const valueLength = view.getUint32(12)
            const key = reader.takeBuffered(keyLength) ?? (await reader.take(keyLength))
            const value = reader.takeBuffered(valueLength) ?? (await reader.take(valueLength))
            if (key === null || value === null)
              throw new UnavailableError(`Upstream journal stream of ${topic} was cut`)
            yield { topic, offset, key, value }
          }
        } finally {
          await reader.cancel()
        }
      },
    }
  }

  async contents(ids: readonly string[]): Promise<ContentBytes[]> {
    if (ids.length === 0) return []
    const body = new Uint8Array(ids.length * 20)
    ids.forEach((id, i) => body.set(fromHex(id), i * 20))
    return withRetry(async () => {
      const res = await this.#fetchOnce('/mirror/1/contents', { method: 'POST', body })
      const reader = new FrameReader(res.body!)
      try {
        const out: ContentBytes[] = []
        for (let i = 0; i < ids.length; i++) {
          const head = reader.takeBuffered(24) ?? (await reader.take(24))
          if (head === null) throw new UnavailableError('Upstream content stream was cut')
          const id = toHex(head.subarray(0, 20))
          if (id !== ids[i]) throw new UnavailableError(`Upstream sent ${id} instead of ${ids[i]}`)
          const length = new DataView(head.buffer, head.byteOffset, 24).getUint32(20)
          if (length === MISSING) {
            out.push({ id, data: null })
            continue
          }
          const data =
            length === 0
              ? new Uint8Array(0)
              : (reader.takeBuffered(length) ?? (await reader.take(length)))
          if (data === null) throw new UnavailableError('Upstream content stream was cut')
          out.push({ id, data })
        }
        return out
      } finally {
        await reader.cancel()
      }
    }, this.#retry)
  }

  async objects(kind: ObjectFetchKind, ids: readonly string[]): Promise<FetchedObject[]> {
    const out: FetchedObject[] = []
    for (let i = 0; i < ids.length; i += 1000) {
      const part = ids.slice(i, i + 1000)
      const body = new Uint8Array(part.length * 20)
      part.forEach((id, k) => body.set(fromHex(id), k * 20))
      const res = await this.#fetch(`/mirror/1/objects/${kind}`, { method: 'POST', body })
      let bytes: Uint8Array
      try {
        bytes = new Uint8Array(await res.arrayBuffer())
      } catch (e) {
        throw new UnavailableError('Upstream object answer was cut', { cause: e })
      }
      let pos = 0
      for (let k = 0; k < part.length; k++) {
        if (pos + 5 > bytes.length) throw new UnavailableError('Upstream object answer was cut')
        const tag = bytes[pos]!
        const length = new DataView(bytes.buffer, bytes.byteOffset + pos + 1, 4).getUint32(0)
        pos += 5
        if (pos + length > bytes.length)
          throw new UnavailableError('Upstream object answer was cut')
        const value = bytes.slice(pos, pos + length)
        pos += length
        out.push(tag === 0 ? null : { topic: tag === 2 ? 'skipped_content' : kind, value })
      }
    }
    return out
  }

  async close(): Promise<void> {}
}

/** Reads exact byte counts from a stream. */
class FrameReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  #chunks: Uint8Array[] = []
  #buffered = 0
  #done = false

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader()
  }

  /** Exactly `n` bytes (a copy) when the first buffered chunk holds them, else undefined. */
  takeBuffered(n: number): Uint8Array | undefined {
    const first = this.#chunks[0]
    if (first === undefined || first.length < n) return undefined
    const out = first.slice(0, n)
    if (first.length === n) this.#chunks.shift()
    else this.#chunks[0] = first.subarray(n)
    this.#buffered -= n
    return out
  }

  /** Exactly `n` bytes, or null at a clean end of stream; throws on a cut mid-frame. */
  async take(n: number): Promise<Uint8Array | null> {
    while (this.#buffered < n && !this.#done) {
      let r: ReadableStreamReadResult<Uint8Array>
      try {
        r = await this.#reader.read()
      } catch (e) {
        throw new UnavailableError('Upstream connection was cut', { cause: e })
      }
      if (r.done) this.#done = true
      else {
        this.#chunks.push(r.value)
        this.#buffered += r.value.length
      }
    }
    if (this.#buffered < n) {
      if (this.#buffered === 0) return null
      throw new UnavailableError('Upstream stream ended in the middle of a frame')
    }
    const joined =
      this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered)
    const out = joined.slice(0, n)
    const rest = joined.subarray(n)
    this.#chunks = rest.length > 0 ? [rest] : []
    this.#buffered = rest.length
    return out
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined)
  }
}

/** A topic's open consumption by a {@link NatsUpstream}. */
interface ConsumerSession {
  readonly records: AsyncIterator<JournalDelivery>
  readonly controller: AbortController
  /** Offset of the next record to hand out. */
  next: number
  /** Acknowledgements of handed-out records, by offset, until the mirror commits past them. */
  readonly acks: Map<number, () => Promise<void>>
}

/**
 * Journal from NATS JetStream, bytes and counters from the HTTP feed.
 *
 * Once bound to the mirror's consumer group, reads go through a durable consumer per topic,
 * placed at the offset the mirror asks for (the mirror's own committed offsets, stored with its
 * data, stay authoritative) and acknowledged when the mirror commits; records JetStream delivers
 * again after the acknowledgement wait are recognised by offset and skipped. Unbound, reads use
 * ephemeral ordered consumers.
 */
export class NatsUpstream implements Upstream {
  readonly description: string
  readonly #journal: NatsJournal
  readonly #feed: HttpUpstream
  #group: string | null = null
  readonly #sessions = new Map<Topic, ConsumerSession>()

  constructor(natsUrl: string, feed: HttpUpstream) {
    this.#journal = new NatsJournal(natsJournalInitFromUrl(natsUrl))
    this.#feed = feed
    this.description = `${natsUrl} (contents from ${feed.description})`
  }

  async open(): Promise<void> {
    await this.#journal.open()
  }

  bindConsumer(group: string): void {
    this.#group = group
  }

  async endOffsets(): Promise<Record<Topic, number>> {
    const out = {} as Record<Topic, number>
    for (const t of TOPICS) out[t] = await this.#journal.endOffset(t)
    return out
  }

  read(topic: Topic, from: number, limit: number): AsyncIterable<JournalRecord> {
    const group = this.#group
    if (group === null) return this.#journal.read(topic, from, { limit })
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        const s = await self.#session(group, topic, from)
        let handed = 0
        while (handed < limit) {
          let r: IteratorResult<JournalDelivery>
          try {
            r = await s.records.next()
          } catch (e) {
            // A broken consumption (connection lost, a pull failing) is transient: the next
            // read places a new session at the mirror's committed offset.
            await self.#endSession(topic)
            if (e instanceof UnavailableError) throw e
            throw new UnavailableError(
              `NATS consumer ${group} on ${topic} failed: ${(e as Error).message}`,
              { cause: e },
            )
          }
          if (r.done) break
          const d = r.value
          if (d.offset < s.next) continue // delivered again after the wait: already handed out
          if (d.offset !== s.next)
            throw new UnavailableError(
              `NATS consumer ${group} skipped from ${topic} offset ${s.next} to ${d.offset}`,
            )
          s.next = d.offset + 1
          s.acks.set(d.offset, () => d.ack())
          handed++
          yield d
        }
      },
    }
  }

  /** The topic's session if it continues at `from`, else a new one placed there. */
  async #session(group: string, topic: Topic, from: number): Promise<ConsumerSession> {
    const current = this.#sessions.get(topic)
    if (current && current.next === from) return current
    await this.#endSession(topic)
    if ((await this.#journal.committed(group, topic)) !== from)
      await this.#journal.commit(group, topic, from)
    const controller = new AbortController()
    const consumption = this.#journal.consume(group, topic, {
      signal: controller.signal,
      ackWaitMs: 120_000,
      maxAckPending: 200_000,
    })
    const records = consumption[Symbol.asyncIterator]()
    const session: ConsumerSession = { records, controller, next: from, acks: new Map() }
    this.#sessions.set(topic, session)
    return session
  }

  async #endSession(topic: Topic): Promise<void> {
    const s = this.#sessions.get(topic)
    if (!s) return
    this.#sessions.delete(topic)
    s.controller.abort()
    await s.records.return?.().catch(() => undefined)
  }

  async acknowledge(topic: Topic, offset: number): Promise<void> {
    const s = this.#sessions.get(topic)
    const ack = s?.acks.get(offset - 1)
    if (!s || !ack) return
    for (const key of s.acks.keys()) {
      if (key >= offset) break
      s.acks.delete(key)
    }
    // The mirror's own offsets are authoritative: a lost acknowledgement only means JetStream
    // places the consumer again on the next run.
    await ack().catch(() => undefined)
  }

  contents(ids: readonly string[]): Promise<ContentBytes[]> {
    return this.#feed.contents(ids)
  }

  counters(): Promise<Counters> {
    return this.#feed.counters()
  }

  objects(kind: ObjectFetchKind, ids: readonly string[]): Promise<FetchedObject[]> {
    return this.#feed.objects(kind, ids)
  }

  async close(): Promise<void> {
    for (const topic of [...this.#sessions.keys()]) await this.#endSession(topic)
    await this.#journal.close()
  }
}
