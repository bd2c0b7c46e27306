/**
 * The recovery bundle of a removal: every removed object (its journal record, and a content's
 * bytes) in one file encrypted with age (the `age-encryption` library) for the operator's
 * recipients, so that a removal made in error can be undone (`arca remove restore`).
 *
 * Plain text before encryption: frames of a 4-byte big-endian length and a msgpack map. The first
 * frame is the header `{format: 'arca-removal-bundle', version: 1, removal: {...}}`; each next one
 * is `{t: topic, v: journal record value, d?: content bytes}`, bottom-up (everything an object
 * references before it), so that a restore writes in order while it reads. The file is written
 * under a temporary name, synced and renamed: a bundle that exists is complete.
 *
 * @module
 */

import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'

import { decode, encode } from '@msgpack/msgpack'

import { InvalidInputError } from '../errors.js'
import { decodeValue, encodeRecord, type Topic, type TopicObjects } from '../journal/index.js'
import { parseCoreSwhid } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { RemovalRecord } from '../storage/index.js'
import type { RemovalBackend } from './remove-plan.js'

/** Format name in a bundle's header. */
export const BUNDLE_FORMAT = 'arca-removal-bundle'

/** One object of a bundle, decoded. */
export type BundleEntry = {
  [T in Topic]: { readonly topic: T; readonly obj: TopicObjects[T]; readonly data?: Uint8Array }
}[Topic]

/** The header of a bundle. */
export interface BundleHeader {
  readonly format: string
  readonly version: number
  readonly removal: {
    readonly id: string
    readonly reason: string
    readonly actor: string
    readonly date: string
    readonly roots: readonly string[]
  }
}

function frame(value: unknown): Uint8Array {
  const body = encode(value)
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, 4)
  return out
}

const rec = <T extends Topic>(topic: T, obj: TopicObjects[T]): Uint8Array =>
  frame({ t: topic, v: encodeRecord(topic, obj).value })

/** The frames of every object of `swhids` (given top-down), bottom-up. */
async function* frames(
  backend: RemovalBackend,
  objstorage: ObjStorage,
  removal: RemovalRecord,
  swhids: readonly string[],
): AsyncIterable<Uint8Array> {
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    version: 1,
    removal: {
      id: removal.id,
      reason: removal.reason,
      actor: removal.actor,
      date: removal.date.toISOString(),
      roots: [...removal.roots],
    },
  }
  yield frame(header)
  for (let i = swhids.length - 1; i >= 0; i--) {
    const swhid = swhids[i]!
    const type = swhid.slice(6, 9)
    const id = swhid.slice(10)
    if (type === 'ori') {
      const [origin] = await backend.originGetBySha1([id])
      if (!origin) continue
      yield rec('origin', origin)
      let token: string | null = null
      do {
        const visits = await backend.originVisitGet(origin.url, { pageToken: token, limit: 1000 })
        for (const v of visits.results) {
          yield rec('origin_visit', v)
          let st: string | null = null
          do {
            const page = await backend.originVisitStatusGet(origin.url, v.visit, {
              pageToken: st,
              limit: 1000,
            })
            for (const s of page.results) yield rec('origin_visit_status', s)
            st = page.nextPageToken
          } while (st !== null)
        }
        token = visits.nextPageToken
      } while (token !== null)
      continue
    }
    if (type === 'cnt') {
      const [c] = await backend.contentGet([id])
      if (c)
        yield frame({
          t: 'content',
          v: encodeRecord('content', c).value,
          d: await objstorage.getBytes(id),
        })
      for (const s of await backend.skippedContentFind(id)) yield rec('skipped_content', s)
    } else if (type === 'dir') {
      const [d] = await backend.directoryGet([id])
      if (d) yield rec('directory', d)
    } else if (type === 'rev') {
      const [r] = await backend.revisionGet([id])
      if (r) yield rec('revision', r)
    } else if (type === 'rel') {
      const [r] = await backend.releaseGet([id])
      if (r) yield rec('release', r)
    } else if (type === 'snp') {
      const [s] = await backend.snapshotGet([id])
      if (s) yield rec('snapshot', s)
    }
    for (const e of await backend.extidGetFromTarget(parseCoreSwhid(swhid))) yield rec('extid', e)
  }
}

function streamOf(it: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = it[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
  })
}

/**
 * Writes the recovery bundle of a removal to `path` (atomically), encrypted for `recipients`
 * (age public keys, `age1…`). Returns the number of objects written.
 */
export async function writeBundle(
  backend: RemovalBackend,
  objstorage: ObjStorage,
  removal: RemovalRecord,
  swhids: readonly string[],
  recipients: readonly string[],
  path: string,
): Promise<void> {
  if (recipients.length === 0) throw new InvalidInputError('A recovery bundle needs a recipient')
  // Loaded on use: ~0.1 s of start-up that every other command would pay.
  const { Encrypter } = await import('age-encryption')
  const e = new Encrypter()
  for (const r of recipients) {
    try {
      e.addRecipient(r)
    } catch (err) {
      throw new InvalidInputError(`Invalid age recipient "${r}"`, { cause: err })
    }
  }
  const encrypted = await e.encrypt(streamOf(frames(backend, objstorage, removal, swhids)))
  const tmp = `${path}.tmp-${process.pid}`
  const out = createWriteStream(tmp)
  try {
    for await (const chunk of Readable.fromWeb(encrypted as never) as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await once(out, 'drain')
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    )
    const fh = await open(tmp, 'r')
    await fh.sync()
    await fh.close()
    await rename(tmp, path)
  } catch (err) {
    out.destroy()
    await rm(tmp, { force: true })
    throw err
  }
}

/** Reads a bundle: its header, then every object (contents with their bytes), bottom-up. */
export async function readBundle(
  path: string,
  identities: readonly string[],
): Promise<{ header: BundleHeader; entries: AsyncIterable<BundleEntry> }> {
  const { Decrypter } = await import('age-encryption')
  const d = new Decrypter()
  for (const i of identities) d.addIdentity(i)
  const plain = await d.decrypt(
    Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
  )
  const reader = (Readable.fromWeb(plain as never) as AsyncIterable<Uint8Array>)[
    Symbol.asyncIterator
  ]()
  // Chunks received and not yet consumed; joined only when a frame spans them (each byte is
  // copied at most once per frame, whatever the chunk size).
  let chunks: Uint8Array[] = []
  let have = 0
  const take = (n: number): Uint8Array => {
    let head = chunks[0]!
    if (head.length < n) {
      head = Buffer.concat(chunks)
      chunks = [head]
    }
    const out = head.subarray(0, n)
    if (head.length === n) chunks.shift()
    else chunks[0] = head.subarray(n)
    have -= n
    return out
  }
  const fill = async (n: number): Promise<boolean> => {
    while (have < n) {
      const r = await reader.next()
      if (r.done) {
        if (have > 0) throw new InvalidInputError(`Recovery bundle ${path} is truncated`)
        return false
      }
      chunks.push(r.value)
      have += r.value.length
    }
    return true
  }
  const next = async (): Promise<Record<string, unknown> | null> => {
    if (!(await fill(4))) return null
    const len = take(4)
    const n = new DataView(len.buffer, len.byteOffset, 4).getUint32(0)
    if (!(await fill(n))) throw new InvalidInputError(`Recovery bundle ${path} is truncated`)
    return decode(take(n)) as Record<string, unknown>
  }
  const header = (await next()) as unknown as BundleHeader | null
  if (!header || header.format !== BUNDLE_FORMAT || header.version !== 1)
    throw new InvalidInputError(`${path} is not an Arca removal bundle (format 1)`)
  async function* entries(): AsyncIterable<BundleEntry> {
    for (;;) {
      const f = await next()
      if (f === null) return
      const topic = f['t'] as Topic
      const obj = decodeValue(topic, f['v'] as Uint8Array)
      yield (
        f['d'] instanceof Uint8Array ? { topic, obj, data: f['d'] } : { topic, obj }
      ) as BundleEntry
    }
  }
  return { header, entries: entries() }
}
