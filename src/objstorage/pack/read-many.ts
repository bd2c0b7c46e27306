/**
 * Reading many small entries of a pack store at once: in pack order, neighbours read together
 * (one synchronous read a run: a thread pool round trip and promise per content cost more than
 * the read itself for small contents), each entry's CRC and id checked, and the compressed
 * ones decompressed together on the decode pool.
 *
 * @module
 */

import { readSync } from 'node:fs'
import { brotliDecompressSync } from 'node:zlib'

import type { StoredHashes } from '../interface.js'
import { decodePool, hashPool } from './decode-pool.js'
import { checkEntry, CODEC, corruptEntry, type EntryHeader } from './format.js'
import type { EntryRow } from './pack-index.js'

/** Entries at most this large are read in runs by {@link readRuns}. */
const RUN_BYTES = 4 << 20
/** Bytes between two entries still read in one run (read and dropped). */
const RUN_GAP = 16 << 10

/** An entry read and checked, its payload still as stored. */
interface Checked {
  readonly k: number
  readonly id: string
  readonly pack: string
  readonly header: EntryHeader
  readonly payload: Uint8Array
}

/**
 * Compressed payloads fewer than this are decompressed here, not on the decode pool: a worker
 * round trip costs more than it saves for one directory's files, and a walk waiting on it for
 * each directory is slowed down the most on a loaded machine.
 */
const POOL_FROM = 64
/**
 * When a store's batches go to the decode pool: once the store has decompressed `after`
 * payloads in place. A worker's start (tens of milliseconds of CPU, more of wall time on a
 * loaded machine) costs more than decompressing a small tree's files here (tens of
 * microseconds each): a short-lived process (`arca vault flat` of a small tree) never starts
 * one, and a long walk starts it once it has done about as much work in place.
 */
export interface PoolGate {
  readonly after: number
  inPlace: number
}

/** Decompresses `items` into `out` (by their `k`), or records why one cannot be. */
async function decodeChecked(
  items: readonly Checked[],
  out: (Uint8Array | undefined)[],
  failed: unknown[],
  gate: PoolGate,
): Promise<void> {
  let raws: readonly Uint8Array[]
  const pooled = items.length >= POOL_FROM && gate.inPlace >= gate.after
  if (!pooled) gate.inPlace += items.length
  if (pooled) {
    const got = await decodePool().run(
      items.map((c) => c.payload),
      items.map((c) => c.header.rawLength),
    )
    if ('bad' in got) {
      const c = items[got.bad]!
      failed[c.k] = corruptEntry(c.id, c.pack, `cannot decompress: ${got.why}`)
      return
    }
    raws = got.data
  } else {
    const list: Uint8Array[] = []
    for (const c of items) {
      try {
        list.push(brotliDecompressSync(c.payload))
      } catch (e) {
        failed[c.k] = corruptEntry(c.id, c.pack, `cannot decompress: ${(e as Error).message}`)
        return
      }
    }
    raws = list
  }
  items.forEach((c, i) => {
    const raw = raws[i]!
    if (raw.length !== c.header.rawLength) {
      failed[c.k] = corruptEntry(c.id, c.pack, 'decompressed length differs from the header')
    } else out[c.k] = raw
  })
}

/**
 * The entries of `ids` found in `rows` and at most {@link RUN_BYTES} long, read and checked (CRC,
 * id), their payloads still as stored; `failed` holds corrupt ones (by index). An entry in
 * neither could not be read this way (absent, large, or its pack gone).
 */
function readChecked(
  ids: readonly string[],
  rows: ReadonlyMap<string, EntryRow>,
  fdOf: (pack: string) => number,
  failed: unknown[],
  signal?: AbortSignal,
  arena = false,
): { checked: Checked[]; buffer: ArrayBuffer | null } {
  const batched: number[] = []
  for (let k = 0; k < ids.length; k++) {
    const row = rows.get(ids[k]!)
    if (row && row.len <= RUN_BYTES) batched.push(k)
  }
  batched.sort((a, b) => {
    const x = rows.get(ids[a]!)!
    const y = rows.get(ids[b]!)!
    return x.pack - y.pack || x.off - y.off
  })
  const runs: { ks: number[]; start: number; end: number }[] = []
  let total = 0
  for (let i = 0; i < batched.length;) {
    const first = rows.get(ids[batched[i]!]!)!
    let end = first.off + first.len
    let j = i + 1
    for (; j < batched.length; j++) {
      const r = rows.get(ids[batched[j]!]!)!
      if (r.pack !== first.pack || r.off < end || r.off - end > RUN_GAP) break
      if (r.off + r.len - first.off > RUN_BYTES) break
      end = r.off + r.len
    }
    runs.push({ ks: batched.slice(i, j), start: first.off, end })
    total += end - first.off
    i = j
  }
  // `arena`: every run read into one buffer (what a worker is handed whole, not copied).
  const buffer = arena ? new ArrayBuffer(total) : null
  const checked: Checked[] = []
  let at = 0
  for (const run of runs) {
    signal?.throwIfAborted()
    const size = run.end - run.start
    const buf = buffer ? Buffer.from(buffer, at, size) : Buffer.allocUnsafe(size)
    at += size
    for (const c of readRun(fdOf, ids, rows, run.ks, run.start, buf, failed)) checked.push(c)
  }
  return { checked, buffer }
}

/**
 * The bytes of the entries of `ids` found in `rows` and at most {@link RUN_BYTES} long, by
 * index; an entry left unset in both `out` and `failed` could not be read this way (absent,
 * large, or its pack gone) and is for the caller to read one by one; `failed` holds corrupt ones.
 */
export async function readRuns(
  ids: readonly string[],
  rows: ReadonlyMap<string, EntryRow>,
  fdOf: (pack: string) => number,
  gate: PoolGate,
  signal?: AbortSignal,
): Promise<{ out: (Uint8Array | undefined)[]; failed: unknown[] }> {
  const out = new Array<Uint8Array | undefined>(ids.length)
  const failed = new Array<unknown>(ids.length)
  const compressed: Checked[] = []
  for (const c of readChecked(ids, rows, fdOf, failed, signal).checked) {
    if (c.header.codec === CODEC.none) out[c.k] = c.payload
    else compressed.push(c)
  }
  await decodeChecked(compressed, out, failed, gate)
  return { out, failed }
}

/**
 * The length and hashes of the entries of `ids` found in `rows` and at most
 * {@link RUN_BYTES} long, by index, the entries read and checked here (CRC, id) and
 * decompressed and hashed together on the hash pool, so that only the digests come back. An
 * entry left unset could not be given this way (absent, large, its pack gone, corrupt) and is
 * for the caller to read one by one, which names the problem.
 */
export async function hashRuns(
  ids: readonly string[],
  rows: ReadonlyMap<string, EntryRow>,
  fdOf: (pack: string) => number,
  signal?: AbortSignal,
): Promise<(StoredHashes | undefined)[]> {
  const out = new Array<StoredHashes | undefined>(ids.length)
  const { checked, buffer } = readChecked(ids, rows, fdOf, [], signal, true)
  if (checked.length === 0 || buffer === null) return out
  const got = await hashPool().hash(
    buffer,
    checked.map((c) => ({
      offset: c.payload.byteOffset,
      length: c.payload.length,
      compressed: c.header.codec !== CODEC.none,
      rawLength: c.header.rawLength,
    })),
  )
  checked.forEach((c, i) => {
    const h = got[i]
    if (h) out[c.k] = h
  })
  return out
}

/**
 * Reads entries `ks` of one pack, lying in `[start, start + buf.length)`, into `buf`, and checks each (CRC, id); those
 * not read are left for the one-by-one path, those corrupt go to `failed`.
 */
function readRun(
  fdOf: (pack: string) => number,
  ids: readonly string[],
  rows: ReadonlyMap<string, EntryRow>,
  ks: readonly number[],
  start: number,
  buf: Buffer,
  failed: unknown[],
): Checked[] {
  const name = rows.get(ids[ks[0]!]!)!.name
  let got: number
  try {
    got = readSync(fdOf(name), buf, 0, buf.length, start)
  } catch {
    return [] // read one by one, with their own errors
  }
  const checked: Checked[] = []
  for (const k of ks) {
    const id = ids[k]!
    const row = rows.get(id)!
    if (row.off + row.len - start > got) continue
    try {
      const entry = buf.subarray(row.off - start, row.off - start + row.len)
      checked.push({ k, id, pack: name, ...checkEntry(entry, id, name) })
    } catch (e) {
      failed[k] = e
    }
  }
  return checked
}
