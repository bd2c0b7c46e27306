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

/** Where the blocks go; resolves when the bytes may be followed by more. */
export type TarSink = (chunk: Uint8Array) => Promise<void>

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

/**
 * Writes tar entries to a sink, one at a time.
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

  private async longLink(typeflag: 'L' | 'K', value: Uint8Array): Promise<void> {
    const data = new Uint8Array(value.length + 1) // NUL-terminated, as GNU tar writes it
    data.set(value)
    await this.sink(
      header(encoder.encode('././@LongLink'), typeflag, 0o644, data.length, 0, new Uint8Array()),
    )
    await this.sink(data)
    await this.sink(padding(data.length))
  }

  /** Writes a header (and the long-name records it needs); a file's data must follow. */
  async entry(e: TarEntry): Promise<void> {
    let name = e.name
    if (e.type === 'dir' && name[name.length - 1] !== 0x2f) {
      const withSlash = new Uint8Array(name.length + 1)
      withSlash.set(name)
      withSlash[name.length] = 0x2f
      name = withSlash
    }
    const link = e.linkname ?? new Uint8Array()
    if (link.length > NAME_FIELD) await this.longLink('K', link)
    if (name.length > NAME_FIELD) await this.longLink('L', name)
    const flag = e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2'
    const size = e.type === 'file' ? (e.size ?? 0) : 0
    await this.sink(header(name, flag, e.mode, size, e.mtime ?? 0, link))
  }

  /**
   * Writes a file: header, data, padding. Throws if the data is not exactly `e.size` bytes
   * (the header is already out, so the archive is then unusable: the caller aborts it).
   */
  async file(e: TarEntry, data: AsyncIterable<Uint8Array>): Promise<void> {
    const size = e.size ?? 0
    await this.entry(e)
    let written = 0
    for await (const chunk of data) {
      written += chunk.length
      if (written > size) break
      await this.sink(chunk)
    }
    if (written !== size)
      throw new Error(`content is ${written > size ? 'longer' : 'shorter'} than its ${size} bytes`)
    await this.sink(padding(size))
  }

  /** The end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    await this.sink(ZEROS)
  }
}

/**
 * A sink that gathers small chunks (headers, padding, small files) into `size`-byte batches
 * before passing them on, so the compressor downstream sees few large writes. Chunks are
 * copied: callers may reuse theirs. `flush()` passes on what is gathered.
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
  const sink = async (chunk: Uint8Array): Promise<void> => {
    if (chunk.length === 0) return
    if (used + chunk.length > size) await flush()
    if (chunk.length >= size) {
      await next(chunk.slice())
      return
    }
    buf.set(chunk, used)
    used += chunk.length
  }
  return { sink, flush }
}
