/**
 * A streaming tar reader that keeps names as bytes: ustar, GNU (`L`/`K` long names, base-256
 * sizes) and POSIX pax (`path`, `linkpath`, `size` records, global headers) entries, read
 * from decompressed chunks without holding more than one block and one chunk. Written here
 * because the tar libraries decode pax names as UTF-8, losing bytes that are not.
 *
 * @module
 */

import { InvalidInputError } from '../../../errors.js'
import type { EntryKind } from './safe-writer.js'

/** One entry of a tar archive. */
export interface TarEntry {
  readonly kind: EntryKind
  readonly path: Uint8Array
  readonly linkname: Uint8Array
  readonly mode: number
  readonly size: number
  /** The entry's bytes (read it, or it is skipped when the next entry is asked for). */
  readonly data: AsyncIterable<Uint8Array>
}

/** Pulls exact byte counts out of a chunk stream. */
class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>
  #buf: Uint8Array = new Uint8Array(0)
  #ended = false

  constructor(src: AsyncIterable<Uint8Array>) {
    this.#it = src[Symbol.asyncIterator]()
  }

  async #fill(): Promise<boolean> {
    if (this.#ended) return false
    const r = await this.#it.next()
    if (r.done) {
      this.#ended = true
      return false
    }
    this.#buf = this.#buf.length === 0 ? r.value : Buffer.concat([this.#buf, r.value])
    return true
  }

  /** Exactly `n` bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) if (!(await this.#fill())) break
    const out = this.#buf.subarray(0, Math.min(n, this.#buf.length))
    this.#buf = this.#buf.subarray(out.length)
    return out
  }

  /** Up to `n` bytes as they come (at least one unless the stream ended). */
  async some(n: number): Promise<Uint8Array> {
    if (this.#buf.length === 0) await this.#fill()
    const out = this.#buf.subarray(0, Math.min(n, this.#buf.length))
    this.#buf = this.#buf.subarray(out.length)
    return out
  }
}

function cstr(b: Uint8Array, off: number, len: number): Uint8Array {
  const f = b.subarray(off, off + len)
  const z = f.indexOf(0)
  return z < 0 ? f : f.subarray(0, z)
}

function octal(b: Uint8Array, off: number, len: number): number {
  const f = b.subarray(off, off + len)
  if (f[0]! & 0x80) {
    // GNU base-256: big-endian, first byte's top bit set
    let v = f[0]! & 0x7f
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!
    return v
  }
  const s = Buffer.from(cstr(f, 0, len))
    .toString('latin1')
    .trim()
  if (s === '') return 0
  if (!/^[0-7]+$/.test(s)) throw new InvalidInputError(`not a tar archive (bad number "${s}")`)
  return parseInt(s, 8)
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!
  return octal(h, 148, 8) === sum
}

/** Parses pax records (`<len> <key>=<value>\n`), values kept as bytes. */
function paxRecords(b: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  let i = 0
  while (i < b.length) {
    const sp = b.indexOf(0x20, i)
    if (sp < 0) break
    const len = parseInt(Buffer.from(b.subarray(i, sp)).toString('latin1'), 10)
    if (!(len > 0) || i + len > b.length) break
    const rec = b.subarray(sp + 1, i + len - 1)
    const eq = rec.indexOf(0x3d)
    if (eq > 0) out.set(Buffer.from(rec.subarray(0, eq)).toString('latin1'), rec.subarray(eq + 1))
    i += len
  }
  return out
}

const KIND: Record<string, EntryKind> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'device',
  '4': 'device',
  '5': 'dir',
  '6': 'fifo',
}

/** The entries of a tar stream, in order; see the module comment. */
export async function* readTar(src: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(src)
  let global = new Map<string, Uint8Array>()
  let pax: Map<string, Uint8Array> | null = null
  let longName: Uint8Array | null = null
  let longLink: Uint8Array | null = null
  let first = true
  for (;;) {
    const h = await r.read(512)
    if (h.length === 0 && !first) return
    if (h.length < 512) throw new InvalidInputError('not a tar archive (truncated header)')
    if (h.every((x) => x === 0)) return
    if (!checksumOk(h)) throw new InvalidInputError('not a tar archive (bad header checksum)')
    first = false
    const type = String.fromCharCode(h[156]!)
    let size = octal(h, 124, 12)
    const readAll = async (): Promise<Uint8Array> => {
      if (size > 64 << 20) throw new InvalidInputError('tar metadata entry over 64 MiB')
      const b = await r.read(size)
      await r.read((512 - (size % 512)) % 512)
      return b
    }
    if (type === 'x' || type === 'g') {
      const recs = paxRecords(await readAll())
      if (type === 'g') global = new Map([...global, ...recs])
      else pax = recs
      continue
    }
    if (type === 'L') {
      longName = cstr(await readAll(), 0, size)
      continue
    }
    if (type === 'K') {
      longLink = cstr(await readAll(), 0, size)
      continue
    }
    const attrs = new Map([...global, ...(pax ?? [])])
    let path: Uint8Array = cstr(h, 0, 100)
    const ustar = Buffer.from(h.subarray(257, 262)).toString('latin1') === 'ustar'
    if (ustar && h[345] !== 0 && longName === null) {
      const prefix = cstr(h, 345, 155)
      // GNU tar's old format puts times there, not a prefix; ustar ("ustar\0") has a prefix
      if (h[262] === 0) path = Buffer.concat([prefix, Buffer.from('/'), path])
    }
    path = attrs.get('path') ?? longName ?? path
    const linkname = attrs.get('linkpath') ?? longLink ?? cstr(h, 157, 100)
    const paxSize = attrs.get('size')
    if (paxSize) size = parseInt(Buffer.from(paxSize).toString('latin1'), 10)
    pax = null
    longName = null
    longLink = null
    let kind: EntryKind = KIND[type] ?? (type === 'S' || type === 'M' ? 'other' : 'file')
    if (type === 'V') kind = 'other'
    // an old-style directory: a regular-file type whose name ends with "/"
    if (kind === 'file' && path[path.length - 1] === 0x2f) kind = 'dir'
    const dataSize = kind === 'file' ? size : kind === 'other' || kind === 'dir' ? size : 0
    let left = type === '1' || type === '2' ? 0 : dataSize
    const pad = (512 - (left % 512)) % 512
    let consumed = false
    const data: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        consumed = true
        while (left > 0) {
          const c = await r.some(Math.min(left, 1 << 20))
          if (c.length === 0) throw new InvalidInputError('tar archive truncated in an entry')
          left -= c.length
          yield c
        }
      },
    }
    if (type === 'V') {
      // a volume label: no entry
    } else {
      yield { kind, path, linkname, mode: octal(h, 100, 8), size, data }
    }
    if (!consumed || left > 0) for await (const _ of data) void _
    if (pad > 0) await r.read(pad)
  }
}
