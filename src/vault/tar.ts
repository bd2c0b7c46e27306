/**
 * A streaming tar writer in GNU format, for names that are bytes.
 *
 * Archived names are arbitrary bytes (not always UTF-8), and JavaScript tar libraries
 * (tar-stream, node-tar) take names as strings and write them as UTF-8, so a name that is not
 * UTF-8 cannot be written byte-exact through them. GNU tar's own format carries any bytes: a
 * name of up to 100 bytes sits in the header, a longer one (or a long symlink target) in a
 * `././@LongLink` record before it (typeflags `L` and `K`), which GNU tar, bsdtar and Python's
 * tarfile all read. Sizes of 8 GiB and more use GNU's base-256 encoding.
 *
 * The writer only frames: it produces 512-byte blocks through a `sink` that awaits
 * backpressure, so memory is one header plus whatever chunk the caller passes.
 *
 * @module
 */

const BLOCK = 512
const NAME_FIELD = 100
const encoder = new TextEncoder()

/**
 * Where the blocks go: answers nothing when it took the bytes at once, else a promise that
 * resolves when they may be followed by more.
 */
export type TarSink = (chunk: Uint8Array) => Promise<void> | void

/** What a header describes. */
export interface TarEntry {
  readonly name: Uint8Array
  readonly type: 'file' | 'dir' | 'symlink'
  /** Permission bits (0o644, 0o755, 0o777). */
  readonly mode: number
  /** Byte length of the data (files only). */
  readonly size?: number
  /** Symlink target bytes. */
  readonly linkname?: Uint8Array
  /** Modification time, seconds since the epoch. */
  readonly mtime?: number
}

/** `value` as width-1 octal digits then NUL, at `offset` (digits written as ASCII codes). */
function octal(buf: Uint8Array, offset: number, width: number, value: number): void {
  let v = value
  for (let i = offset + width - 2; i >= offset; i--) {
    buf[i] = 0x30 + (v % 8)
    v = Math.floor(v / 8)
  }
  buf[offset + width - 1] = 0
}

function size12(buf: Uint8Array, offset: number, value: number): void {
  if (value < 8 ** 11) {
    octal(buf, offset, 12, value)
    return
  }
  // GNU base-256: high bit of the first byte set, big-endian value in the rest
  let v = BigInt(value)
  for (let i = 11; i >= 1; i--) {
    buf[offset + i] = Number(v & 0xffn)
    v >>= 8n
  }
  buf[offset] = 0x80
}

/** The fields every header shares: uid and gid 0, the checksum's spaces, GNU magic. */
const TEMPLATE = (() => {
  const h = new Uint8Array(BLOCK)
  octal(h, 108, 8, 0) // uid
  octal(h, 116, 8, 0) // gid
  h.fill(0x20, 148, 156) // checksum placeholder: spaces
  h.set(encoder.encode('ustar  \0'), 257) // GNU magic and version
  return h
})()

function header(
  name: Uint8Array,
  typeflag: string,
  mode: number,
  size: number,
  mtime: number,
  linkname: Uint8Array,
): Uint8Array {
  const h = TEMPLATE.slice()
  h.set(name.length > NAME_FIELD ? name.subarray(0, NAME_FIELD) : name, 0)
  octal(h, 100, 8, mode)
  size12(h, 124, size)
  octal(h, 136, 12, Math.max(0, Math.floor(mtime)))
  h[156] = typeflag.charCodeAt(0)
  if (linkname.length > 0)
    h.set(linkname.length > NAME_FIELD ? linkname.subarray(0, NAME_FIELD) : linkname, 157)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += h[i]!
  octal(h, 148, 7, sum) // six digits, NUL, then the space left from the template
  return h
}

const ZEROS = new Uint8Array(BLOCK * 2)

function padding(size: number): Uint8Array {
  const rest = size % BLOCK
  return ZEROS.subarray(0, rest === 0 ? 0 : BLOCK - rest)
}

/** A write still under way, or nothing when the sink took the bytes at once. */
export type Pending = Promise<void> | void

/** Passes `parts` to `sink` in order, waiting only where the sink asks to. */
function sinkAll(sink: TarSink, parts: readonly Uint8Array[], from = 0): Pending {
  for (let i = from; i < parts.length; i++) {
    const p = sink(parts[i]!)
    if (p) return p.then(() => sinkAll(sink, parts, i + 1))
  }
}

/**
 * Writes tar entries to a sink, one at a time. The methods answer nothing when the sink took
 * every block at once (no promise to wait on), else the promise of the writes.
 *
 * @example
 * ```ts
 * const tar = new TarWriter(async (b) => { await write(b) })
 * await tar.entry({ name: bytes('top/'), type: 'dir', mode: 0o755 })
 * await tar.file({ name: bytes('top/a'), type: 'file', mode: 0o644, size: 3 }, chunks)
 * await tar.finish()
 * ```
 */
export class TarWriter {
  constructor(private readonly sink: TarSink) {}

  /** The long-name records `e` needs, then its header. */
  private headerParts(e: TarEntry): Uint8Array[] {
    let name = e.name
    if (e.type === 'dir' && name[name.length - 1] !== 0x2f) {
      const withSlash = new Uint8Array(name.length + 1)
      withSlash.set(name)
      withSlash[name.length] = 0x2f
      name = withSlash
    }
    const link = e.linkname ?? EMPTY
    const parts: Uint8Array[] = []
    if (link.length > NAME_FIELD) longLink(parts, 'K', link)
    if (name.length > NAME_FIELD) longLink(parts, 'L', name)
    const flag = e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2'
    const size = e.type === 'file' ? (e.size ?? 0) : 0
    parts.push(header(name, flag, e.mode, size, e.mtime ?? 0, link))
    return parts
  }

  /** Writes a header (and the long-name records it needs); a file's data must follow. */
  entry(e: TarEntry): Pending {
    return sinkAll(this.sink, this.headerParts(e))
  }

  /**
   * Writes a file: header, data, padding. Data held in memory must be exactly `e.size` bytes
   * (checked before anything is written); streamed data that is not throws once the header is
   * out, so the archive is then unusable: the caller aborts it.
   */
  file(e: TarEntry, data: AsyncIterable<Uint8Array> | Uint8Array): Pending {
    const size = e.size ?? 0
    if (data instanceof Uint8Array) {
      if (data.length !== size) throw lengthError(data.length, size)
      const parts = this.headerParts(e)
      parts.push(data, padding(size))
      return sinkAll(this.sink, parts)
    }
    return this.streamFile(e, size, data)
  }

  private async streamFile(
    e: TarEntry,
    size: number,
    data: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    await this.entry(e)
    let written = 0
    for await (const chunk of data) {
      written += chunk.length
      if (written > size) break
      await this.sink(chunk)
    }
    if (written !== size) throw lengthError(written, size)
    await this.sink(padding(size))
  }

  /** The end-of-archive marker: two zero blocks. */
  finish(): Pending {
    return this.sink(ZEROS)
  }
}

const EMPTY = new Uint8Array()
const LONG_LINK = encoder.encode('././@LongLink')

/** A GNU long-name record (typeflag `L`, or `K` for a link target) for `value`, into `parts`. */
function longLink(parts: Uint8Array[], typeflag: 'L' | 'K', value: Uint8Array): void {
  const data = new Uint8Array(value.length + 1) // NUL-terminated, as GNU tar writes it
  data.set(value)
  parts.push(header(LONG_LINK, typeflag, 0o644, data.length, 0, EMPTY), data, padding(data.length))
}

function lengthError(written: number, size: number): Error {
  return new Error(`content is ${written > size ? 'longer' : 'shorter'} than its ${size} bytes`)
}

/**
 * A sink that gathers small chunks (headers, padding, small files) into `size`-byte batches
 * before passing them on, so the compressor downstream sees few large writes. Chunks are
 * copied: callers may reuse theirs. It answers nothing when the chunk only joined the batch,
 * and the promise of passing the batch on otherwise. `flush()` passes on what is gathered.
 */
export function batchingSink(
  next: TarSink,
  size = 256 * 1024,
): { sink: TarSink; flush: () => Promise<void> } {
  let buf = new Uint8Array(size)
  let used = 0
  const flush = async (): Promise<void> => {
    if (used === 0) return
    const out = buf.subarray(0, used)
    buf = new Uint8Array(size)
    used = 0
    await next(out)
  }
  const take = (chunk: Uint8Array): Pending => {
    if (chunk.length >= size) return next(chunk.slice())
    buf.set(chunk, used)
    used += chunk.length
  }
  const sink = (chunk: Uint8Array): Pending => {
    if (chunk.length === 0) return
    if (used + chunk.length > size) return flush().then(() => take(chunk))
    return take(chunk)
  }
  return { sink, flush }
}
