/**
 * The NATS JetStream journal: one stream per topic (`<prefix>_<topic>`, subject
 * `<prefix>.<topic>`), file storage, nothing ever discarded. A record's offset is its stream
 * sequence minus one, so offsets are dense and identical on every reader.
 *
 * A message carries `[keyLength u32 big-endian][key][value]`. Appends are pipelined (every
 * record published at once, then every acknowledgement awaited): JetStream stores a connection's
 * messages in the order sent, so one process's batch keeps its order; batches of concurrent
 * writers may interleave, which no consumer relies on. An append returns only once JetStream
 * has acknowledged (persisted) each record; a failed acknowledgement fails the append, and the
 * writer retries it (objects are keyed, so a record written twice is harmless to replayers).
 *
 * Reads use ordered consumers (flow-controlled, recreated by the client on a gap), starting at
 * the requested offset and stopping at the end observed when the read began. Consumer groups'
 * committed offsets live in a JetStream key-value bucket (`<prefix>_offsets`), written with
 * the server's acknowledgement, so they survive restarts of both sides.
 *
 * @module
 */

import {
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'

import { InvalidInputError, UnavailableError } from '../../errors.js'
import type {
  AbortOptions,
  Journal,
  JournalReadOptions,
  JournalRecord,
  JournalRecordInit,
  Topic,
} from '../interface.js'
import { TOPICS } from '../interface.js'

/** Settings of {@link NatsJournal}. */
export interface NatsJournalInit {
  /** Server(s), e.g. `127.0.0.1:4222`. */
  readonly servers: string | readonly string[]
  /** Stream and bucket name prefix (letters, digits, `_`, `-`); default `arca`. */
  readonly prefix?: string
  /** Records fetched per consumer pull. */
  readonly fetchBatch?: number
}

const topicSet = new Set<string>(TOPICS)

function checkTopic(topic: Topic): void {
  if (!topicSet.has(topic)) throw new InvalidInputError(`Unknown journal topic "${String(topic)}"`)
}

/** Parses `nats://host:port[/prefix]` into journal settings. */
export function natsJournalInitFromUrl(url: string): NatsJournalInit {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new InvalidInputError(`Bad NATS journal URL "${url}"`)
  }
  if (u.protocol !== 'nats:')
    throw new InvalidInputError(`Bad NATS journal URL "${url}": not nats://`)
  const prefix = u.pathname.replace(/^\/+|\/+$/g, '')
  return { servers: `${u.hostname}:${u.port || '4222'}`, ...(prefix ? { prefix } : {}) }
}

/** A journal in NATS JetStream streams. */
export class NatsJournal implements Journal {
  readonly #init: NatsJournalInit
  readonly #prefix: string
  #nc: NatsConnection | undefined
  #js: JetStreamClient | undefined
  #jsm: JetStreamManager | undefined
  #kv: KV | undefined
  /** Appends of this process, per topic, one at a time (keeps a batch contiguous locally). */
  readonly #appendChain = new Map<Topic, Promise<unknown>>()

  constructor(init: NatsJournalInit) {
    this.#init = init
    this.#prefix = init.prefix ?? 'arca'
    if (!/^[A-Za-z0-9_-]+$/.test(this.#prefix))
      throw new InvalidInputError(`Bad NATS journal prefix "${this.#prefix}"`)
  }

  #stream(topic: Topic): string {
    return `${this.#prefix}_${topic}`
  }
  #subject(topic: Topic): string {
    return `${this.#prefix}.${topic}`
  }

  async open(): Promise<void> {
    const servers =
      typeof this.#init.servers === 'string' ? [this.#init.servers] : [...this.#init.servers]
    try {
      this.#nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 500 })
    } catch (e) {
      throw new UnavailableError(`Cannot reach NATS at ${servers.join(', ')}`, { cause: e })
    }
    this.#jsm = await jetstreamManager(this.#nc)
    this.#js = jetstream(this.#nc)
    for (const topic of TOPICS) {
      const name = this.#stream(topic)
      try {
        await this.#jsm.streams.info(name)
      } catch {
        try {
          await this.#jsm.streams.add({
            name,
            subjects: [this.#subject(topic)],
            storage: StorageType.File,
            retention: RetentionPolicy.Limits,
            num_replicas: 1,
          })
        } catch (e) {
          // Another process may have created it meanwhile.
          await this.#jsm.streams.info(name).catch(() => {
            throw new UnavailableError(`Cannot create JetStream stream ${name}`, { cause: e })
          })
        }
      }
    }
    this.#kv = await new Kvm(this.#nc).create(`${this.#prefix}_offsets`, { history: 1 })
  }

  async close(): Promise<void> {
    const nc = this.#nc
    this.#nc = undefined
    if (nc) {
      await Promise.allSettled([...this.#appendChain.values()])
      await nc.drain()
    }
  }

  #client(): { js: JetStreamClient; jsm: JetStreamManager; kv: KV } {
    if (!this.#js || !this.#jsm || !this.#kv) throw new UnavailableError('NATS journal is not open')
    return { js: this.#js, jsm: this.#jsm, kv: this.#kv }
  }

  async append(
    topic: Topic,
    records: readonly JournalRecordInit[],
    options: AbortOptions = {},
  ): Promise<number> {
    checkTopic(topic)
    const { js } = this.#client()
    const run = async (): Promise<number> => {
      options.signal?.throwIfAborted()
      if (records.length === 0) return this.endOffset(topic)
      const subject = this.#subject(topic)
      const acks = records.map((r) => {
        const payload = new Uint8Array(4 + r.key.length + r.value.length)
        new DataView(payload.buffer).setUint32(0, r.key.length)
        payload.set(r.key, 4)
        payload.set(r.value, 4 + r.key.length)
        return js.publish(subject, payload)
      })
      const done = await Promise.all(acks)
      return done[0]!.seq - 1
    }
    const prev = this.#appendChain.get(topic) ?? Promise.resolve()
    const next = prev.then(run, run)
    this.#appendChain.set(
      topic,
      next.catch(() => undefined),
    )
    return next
  }

  async endOffset(topic: Topic, options: AbortOptions = {}): Promise<number> {
    checkTopic(topic)
    options.signal?.throwIfAborted()
    const info = await this.#client().jsm.streams.info(this.#stream(topic))
    return info.state.last_seq
  }

  read(
    topic: Topic,
    fromOffset: number,
    options: JournalReadOptions = {},
  ): AsyncIterable<JournalRecord> {
    checkTopic(topic)
    if (!Number.isSafeInteger(fromOffset) || fromOffset < 0)
      throw new InvalidInputError(`Bad journal offset ${fromOffset}`)
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    const batch = this.#init.fetchBatch ?? 1000
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        const { js } = self.#client()
        const end = await self.endOffset(topic, options)
        const stop = Math.min(end, fromOffset + limit)
        if (stop <= fromOffset) return
        const consumer = await js.consumers.get(self.#stream(topic), {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: fromOffset + 1,
        })
        let next = fromOffset
        try {
          while (next < stop) {
            options.signal?.throwIfAborted()
            const want = Math.min(batch, stop - next)
            const messages = await consumer.fetch({ max_messages: want, expires: 5000 })
            let got = 0
            for await (const m of messages) {
              const offset = m.seq - 1
              if (offset < next) continue
              const data = m.data
              const keyLength = new DataView(
                data.buffer,
                data.byteOffset,
                data.byteLength,
              ).getUint32(0)
              got++
              next = offset + 1
              yield {
                topic,
                offset,
                key: data.slice(4, 4 + keyLength),
                value: data.slice(4 + keyLength),
              }
              if (next >= stop) break
            }
            if (got === 0)
              throw new UnavailableError(
                `NATS stream ${self.#stream(topic)} delivered nothing at offset ${next}`,
              )
          }
        } finally {
          await consumer.delete().catch(() => false)
        }
      },
    }
  }

  #offsetKey(group: string, topic: Topic): string {
    if (!/^[A-Za-z0-9_-]+$/.test(group))
      throw new InvalidInputError(`Bad consumer group "${group}"`)
    return `${group}.${topic}`
  }

  async committed(group: string, topic: Topic, options: AbortOptions = {}): Promise<number> {
    checkTopic(topic)
    options.signal?.throwIfAborted()
    const entry = await this.#client().kv.get(this.#offsetKey(group, topic))
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return 0
    return Number(entry.string())
  }

  async commit(
    group: string,
    topic: Topic,
    offset: number,
    options: AbortOptions = {},
  ): Promise<void> {
    checkTopic(topic)
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new InvalidInputError(`Bad journal offset ${offset}`)
    options.signal?.throwIfAborted()
    await this.#client().kv.put(this.#offsetKey(group, topic), String(offset))
  }
}
