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
 * the requested offset and stopping at the end observed when the read began.
 *
 * Consumer groups are JetStream durable pull consumers, one per group on each topic's stream
 * (named after the group), with cumulative acknowledgements (`AckPolicy.All`), an acknowledgement
 * wait after which the server delivers again, and a bound on unacknowledged records. A group's
 * position is its consumer's acknowledgement floor, kept by the server across restarts of both
 * sides; `nats consumer info` shows each group's lag. Moving a group's position recreates its
 * consumer at the new start, and so does a new consume while records another process took are
 * still unacknowledged, so they come again at once, in order, rather than after their wait.
 *
 * @module
 */

import { createRequire } from 'node:module'

import type * as JetStream from '@nats-io/jetstream'
import type { ConsumerInfo, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream'
import type * as Transport from '@nats-io/transport-node'
import type { NatsConnection } from '@nats-io/transport-node'

import { InvalidInputError, UnavailableError } from '../../errors.js'
import { checkGroup, consumeSettings } from '../consume.js'
import {
  type AbortOptions,
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_MAX_ACK_PENDING,
  type Journal,
  type JournalConsumeOptions,
  type JournalDelivery,
  type JournalReadOptions,
  type JournalRecord,
  type JournalRecordInit,
  type Topic,
  TOPICS,
} from '../interface.js'

// The NATS client is loaded when a NATS journal is first opened (archives with an embedded
// journal never pay for it).
const require = createRequire(import.meta.url)
let natsModules:
  | {
      readonly js: typeof JetStream
      readonly transport: typeof Transport
    }
  | undefined
function nats(): NonNullable<typeof natsModules> {
  natsModules ??= {
    js: require('@nats-io/jetstream') as typeof JetStream,
    transport: require('@nats-io/transport-node') as typeof Transport,
  }
  return natsModules
}

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

/** The record a stored message carries (see the module comment for the layout). */
function decodeMessage(topic: Topic, m: JsMsg): JournalRecord {
  const data = m.data
  const keyLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0)
  return {
    topic,
    offset: m.seq - 1,
    key: data.slice(4, 4 + keyLength),
    value: data.slice(4 + keyLength),
  }
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
      this.#nc = await nats().transport.connect({
        servers,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      })
    } catch (e) {
      throw new UnavailableError(`Cannot reach NATS at ${servers.join(', ')}`, { cause: e })
    }
    this.#jsm = await nats().js.jetstreamManager(this.#nc)
    this.#js = nats().js.jetstream(this.#nc)
    for (const topic of TOPICS) {
      const name = this.#stream(topic)
      try {
        await this.#jsm.streams.info(name)
      } catch {
        try {
          await this.#jsm.streams.add({
            name,
            subjects: [this.#subject(topic)],
            storage: nats().js.StorageType.File,
            retention: nats().js.RetentionPolicy.Limits,
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
  }

  async close(): Promise<void> {
    const nc = this.#nc
    this.#nc = undefined
    if (nc) {
      await Promise.allSettled([...this.#appendChain.values()])
      await nc.drain()
    }
  }

  #client(): { js: JetStreamClient; jsm: JetStreamManager } {
    if (!this.#js || !this.#jsm) throw new UnavailableError('NATS journal is not open')
    return { js: this.#js, jsm: this.#jsm }
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
          deliver_policy: nats().js.DeliverPolicy.StartSequence,
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
              got++
              next = offset + 1
              yield decodeMessage(topic, m)
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

  /** The group's consumer on the topic's stream, or null when the group never consumed it. */
  async #consumerInfo(group: string, topic: Topic): Promise<ConsumerInfo | null> {
    checkGroup(group)
    try {
      return await this.#client().jsm.consumers.info(this.#stream(topic), group)
    } catch (e) {
      if (/not found/i.test((e as Error).message)) return null
      throw new UnavailableError(`Cannot read consumer ${group} of ${this.#stream(topic)}`, {
        cause: e,
      })
    }
  }

  /**
   * The group's position: its acknowledgement floor, or the start it was placed at while nothing
   * after it is acknowledged (servers before 2.10 report a floor of 0 until the first ack).
   */
  static #floor(info: ConsumerInfo): number {
    const start =
      info.config.deliver_policy === nats().js.DeliverPolicy.StartSequence
        ? (info.config.opt_start_seq ?? 1) - 1
        : 0
    return Math.max(info.ack_floor.stream_seq, start)
  }

  /** (Re)creates the group's consumer so that delivery starts at `offset`. */
  async #placeConsumer(
    group: string,
    topic: Topic,
    offset: number,
    ackWaitMs: number,
    maxAckPending: number,
  ): Promise<ConsumerInfo> {
    const { jsm } = this.#client()
    const stream = this.#stream(topic)
    await jsm.consumers.delete(stream, group).catch(() => false)
    return jsm.consumers.add(stream, {
      durable_name: group,
      ack_policy: nats().js.AckPolicy.All,
      ...(offset === 0
        ? { deliver_policy: nats().js.DeliverPolicy.All }
        : { deliver_policy: nats().js.DeliverPolicy.StartSequence, opt_start_seq: offset + 1 }),
      replay_policy: nats().js.ReplayPolicy.Instant,
      ack_wait: ackWaitMs * 1_000_000,
      max_ack_pending: maxAckPending,
    })
  }

  async committed(group: string, topic: Topic, options: AbortOptions = {}): Promise<number> {
    checkTopic(topic)
    options.signal?.throwIfAborted()
    const info = await this.#consumerInfo(group, topic)
    return info ? NatsJournal.#floor(info) : 0
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
    const info = await this.#consumerInfo(group, topic)
    await this.#placeConsumer(
      group,
      topic,
      offset,
      info?.config.ack_wait ? info.config.ack_wait / 1_000_000 : DEFAULT_ACK_WAIT_MS,
      info?.config.max_ack_pending ?? DEFAULT_MAX_ACK_PENDING,
    )
  }

  consume(
    group: string,
    topic: Topic,
    options: JournalConsumeOptions = {},
  ): AsyncIterable<JournalDelivery> {
    checkTopic(topic)
    checkGroup(group)
    const { ackWaitMs, maxAckPending } = consumeSettings(options)
    const batch = Math.min(this.#init.fetchBatch ?? 1000, maxAckPending)
    const { signal } = options
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        const { js } = self.#client()
        let info = await self.#consumerInfo(group, topic)
        if (
          !info ||
          info.num_ack_pending > 0 ||
          info.config.ack_wait !== ackWaitMs * 1_000_000 ||
          info.config.max_ack_pending !== maxAckPending ||
          info.config.ack_policy !== nats().js.AckPolicy.All
        ) {
          // New group, records taken and never acknowledged, or other settings: start (again)
          // at the acknowledgement floor.
          info = await self.#placeConsumer(
            group,
            topic,
            info ? NatsJournal.#floor(info) : 0,
            ackWaitMs,
            maxAckPending,
          )
        }
        let next = NatsJournal.#floor(info)
        const stop = options.untilEnd
          ? await self.endOffset(topic, options)
          : Number.POSITIVE_INFINITY
        const consumer = await js.consumers.get(self.#stream(topic), group)
        let end = next
        while (next < stop) {
          signal?.throwIfAborted()
          // A pull is drained completely before anything is handed out: a pull left open while
          // the caller works would miss its heartbeats. So ask for what the stream holds (at
          // least one record, waited for when caught up), and the pull ends as soon as it came.
          // The stream's end is asked again only once that much has been delivered.
          if (next >= end) end = Math.min(stop, await self.endOffset(topic))
          const messages = await consumer.fetch({
            max_messages: Math.max(1, Math.min(batch, end - next)),
            expires: 2000,
          })
          const onAbort = (): void => messages.stop()
          signal?.addEventListener('abort', onAbort, { once: true })
          const pulled: JsMsg[] = []
          try {
            for await (const m of messages) pulled.push(m)
          } finally {
            signal?.removeEventListener('abort', onAbort)
          }
          for (const m of pulled) {
            const record = decodeMessage(topic, m)
            const { offset } = record
            next = Math.max(next, offset + 1)
            yield {
              ...record,
              deliveries: m.info.deliveryCount,
              ack: async () => {
                try {
                  await m.ackAck()
                } catch (e) {
                  throw new UnavailableError(
                    `Acknowledgement of ${topic} offset ${offset} for ${group} failed`,
                    { cause: e },
                  )
                }
              },
            }
            if (next >= stop) return
          }
        }
      },
    }
  }
}
