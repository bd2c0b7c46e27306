/**
 * Consumer groups for a journal that can read from an offset and store a group's position: the
 * embedded journal's {@link JournalReader.consume}. (NATS JetStream has its own, in durable
 * consumers.)
 *
 * Acknowledgements are cumulative: acknowledging offset n stores n + 1 as the group's position.
 * Redelivery follows JetStream's rules as seen by one consumer: when the oldest unacknowledged
 * record has waited `ackWaitMs`, delivery resumes from the group's position, so every
 * unacknowledged record comes again (with its delivery count raised); a new consumer of the group
 * starts from the stored position. At most `maxAckPending` records are outstanding.
 *
 * @module
 */

import { setTimeout as delay } from 'node:timers/promises'

import { InvalidInputError } from '../errors.js'
import {
  type AbortOptions,
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_MAX_ACK_PENDING,
  type JournalConsumeOptions,
  type JournalDelivery,
  type JournalReadOptions,
  type JournalRecord,
  type Topic,
} from './interface.js'

/** What {@link consumeByOffsets} needs of a journal. */
export interface OffsetJournal {
  read(topic: Topic, fromOffset: number, options?: JournalReadOptions): AsyncIterable<JournalRecord>
  endOffset(topic: Topic, options?: AbortOptions): Promise<number>
  committed(group: string, topic: Topic, options?: AbortOptions): Promise<number>
  commit(group: string, topic: Topic, offset: number, options?: AbortOptions): Promise<void>
}

/** How often an idle consumer looks for new records or expired acknowledgements. */
const POLL_MS = 100
/** Records read from the journal at a time. */
const CHUNK = 1000

/** Waits `ms`, or less if `signal` aborts (the caller then checks it). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined)
}

/** The acknowledgement settings of a consumption, defaulted and checked (every backend). */
export function consumeSettings(options: JournalConsumeOptions): {
  ackWaitMs: number
  maxAckPending: number
} {
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS
  const maxAckPending = options.maxAckPending ?? DEFAULT_MAX_ACK_PENDING
  if (!(ackWaitMs > 0) || !(maxAckPending >= 1))
    throw new InvalidInputError('ackWaitMs and maxAckPending must be positive')
  return { ackWaitMs, maxAckPending }
}

/** Checks a consumer group's name (used in file and consumer names). */
export function checkGroup(group: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(group))
    throw new InvalidInputError(
      `Invalid consumer group "${group}": use 1 to 64 letters, digits, _ or -`,
    )
}

/** {@link JournalReader.consume} over offsets and stored positions. */
export async function* consumeByOffsets(
  journal: OffsetJournal,
  group: string,
  topic: Topic,
  options: JournalConsumeOptions = {},
): AsyncGenerator<JournalDelivery> {
  checkGroup(group)
  const { signal } = options
  const { ackWaitMs: ackWait, maxAckPending: maxPending } = consumeSettings(options)

  let floor = await journal.committed(group, topic, options)
  const stop = options.untilEnd ? await journal.endOffset(topic, options) : Number.POSITIVE_INFINITY
  let next = floor
  /** Offsets delivered and not acknowledged: delivery count and time of the last delivery. */
  const pending = new Map<number, { count: number; at: number }>()
  let acks: Promise<void> = Promise.resolve()

  const ack = (offset: number): Promise<void> => {
    const done = acks.then(async () => {
      if (offset < floor) return
      await journal.commit(group, topic, offset + 1)
      for (let o = floor; o <= offset; o++) pending.delete(o)
      floor = offset + 1
    })
    acks = done.catch(() => undefined)
    return done
  }
  const expired = (): boolean => {
    const oldest = pending.get(floor)
    return oldest !== undefined && Date.now() - oldest.at >= ackWait
  }

  while (next < stop) {
    signal?.throwIfAborted()
    if (expired()) next = floor
    if (next < floor) next = floor
    const room = maxPending - (next - floor)
    if (room <= 0) {
      await pause(POLL_MS, signal)
      continue
    }
    let got = 0
    const limit = Math.min(CHUNK, room, stop - next)
    for await (const r of journal.read(topic, next, { limit, ...(signal ? { signal } : {}) })) {
      got++
      const offset = r.offset
      const count = (pending.get(offset)?.count ?? 0) + 1
      pending.set(offset, { count, at: Date.now() })
      next = offset + 1
      yield { ...r, deliveries: count, ack: () => ack(offset) }
      if (expired() || next < floor) break
    }
    if (got === 0) await pause(POLL_MS, signal)
  }
  await acks
}
