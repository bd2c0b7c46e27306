/**
 * A streaming reader of Subversion dump files (`svnadmin dump`, format versions 2 and 3): the
 * repository UUID, then each revision's properties and its node records (path, kind, action,
 * copy source, properties, full text). Only one record is held at a time, so memory follows the
 * largest file, never the history. Deltas (`--deltas`, `svnrdump`) are refused: the loader asks
 * `svnadmin` for full texts.
 *
 * @module
 */

import { CorruptError, InvalidInputError } from '../../errors.js'

/** Properties of a node or revision: names (UTF-8 in practice) to raw values. */
export type SvnProps = Map<string, Uint8Array>

/** A revision record: its number and its revision properties (`svn:log`, `svn:author`, …). */
export interface DumpRevision {
  readonly kind: 'revision'
  readonly rev: number
  readonly props: SvnProps
}

/** A node record: one change to one path in the current revision. */
export interface DumpNode {
  readonly kind: 'node'
  /** The path from the repository root, bytes, without a leading `/`. */
  readonly path: Uint8Array
  /** `file`, `dir`, or null (deletes name no kind). */
  readonly nodeKind: 'file' | 'dir' | null
  readonly action: 'add' | 'delete' | 'change' | 'replace'
  readonly copyfromPath: Uint8Array | null
  readonly copyfromRev: number | null
  /** Every property of the node after the change, or null when they did not change. */
  readonly props: SvnProps | null
  /** The full text after the change, or null when it did not change. */
  readonly text: Uint8Array | null
}

/** What {@link readDump} yields. */
export type DumpRecord = { readonly kind: 'uuid'; readonly uuid: string } | DumpRevision | DumpNode

const NL = 0x0a

/** Reads lines and byte runs from a stream of chunks. */
class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>
  #buf: Buffer = Buffer.alloc(0)
  #pos = 0
  #done = false

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]()
  }

  async #more(): Promise<boolean> {
    if (this.#done) return false
    const r = await this.#it.next()
    if (r.done) {
      this.#done = true
      return false
    }
    const rest = this.#buf.subarray(this.#pos)
    this.#buf = rest.length === 0 ? Buffer.from(r.value) : Buffer.concat([rest, r.value])
    this.#pos = 0
    return true
  }

  /** The next line without its newline, when it is in the buffer already (else undefined). */
  lineSync(): Buffer | undefined {
    const nl = this.#buf.indexOf(NL, this.#pos)
    if (nl < 0) return undefined
    const line = this.#buf.subarray(this.#pos, nl)
    this.#pos = nl + 1
    return line
  }

  /** The next line without its newline; null at the end of the stream. */
  async line(): Promise<Buffer | null> {
    for (;;) {
      const nl = this.#buf.indexOf(NL, this.#pos)
      if (nl >= 0) {
        const line = this.#buf.subarray(this.#pos, nl)
        this.#pos = nl + 1
        return line
      }
      if (!(await this.#more())) {
        if (this.#pos >= this.#buf.length) return null
        const line = this.#buf.subarray(this.#pos)
        this.#pos = this.#buf.length
        return line
      }
    }
  }

  /** Exactly `n` bytes (a copy) when they are in the buffer already, else undefined. */
  bytesSync(n: number): Uint8Array | undefined {
    if (this.#buf.length - this.#pos < n) return undefined
    const out = Uint8Array.prototype.slice.call(this.#buf, this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }

  /** Exactly `n` bytes (a copy), or a CorruptError when the stream ends first. */
  async bytes(n: number, what: string): Promise<Uint8Array> {
    const ready = this.bytesSync(n)
    if (ready !== undefined) return ready
    const avail = this.#buf.length - this.#pos
    const out = new Uint8Array(n)
    out.set(this.#buf.subarray(this.#pos))
    let filled = avail
    this.#buf = Buffer.alloc(0)
    this.#pos = 0
    while (filled < n) {
      if (!(await this.#more())) throw new CorruptError(`the dump ends inside ${what}`)
      const take = Math.min(n - filled, this.#buf.length)
      out.set(this.#buf.subarray(0, take), filled)
      filled += take
      this.#pos = take
      if (take < this.#buf.length) break
      this.#buf = Buffer.alloc(0)
      this.#pos = 0
    }
    return out
  }
}

/** A header block: `Name: value` lines up to a blank line; null at the end of the stream. */
async function readHeaders(r: ByteReader): Promise<Map<string, Buffer> | null> {
  // Lines already read into the buffer are taken without waiting (most of them): one await
  // per line would cost a turn of the event loop for every header of the dump.
  let line = r.lineSync() ?? (await r.line())
  while (line !== null && line.length === 0) line = r.lineSync() ?? (await r.line())
  if (line === null) return null
  const headers = new Map<string, Buffer>()
  while (line !== null && line.length > 0) {
    const colon = line.indexOf(': ')
    if (colon <= 0)
      throw new CorruptError(`bad dump header line "${line.toString('latin1').slice(0, 80)}"`)
    headers.set(line.subarray(0, colon).toString('latin1'), line.subarray(colon + 2))
    line = r.lineSync() ?? (await r.line())
  }
  return headers
}

function intHeader(h: Map<string, Buffer>, name: string): number | null {
  const v = h.get(name)
  if (v === undefined) return null
  const s = v.toString('latin1')
  if (!/^\d+$/.test(s)) throw new CorruptError(`bad dump header ${name}: "${s.slice(0, 40)}"`)
  return Number(s)
}

/**
 * Parses a property block (`K n`/`V n` pairs up to `PROPS-END`); `D n` deletions are only
 * found in delta dumps, which are refused before this is reached.
 */
export function parseProps(block: Uint8Array): SvnProps {
  const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength)
  const props: SvnProps = new Map()
  let pos = 0
  const field = (tag: string): Buffer => {
    const nl = b.indexOf(NL, pos)
    const head = nl < 0 ? '' : b.subarray(pos, nl).toString('latin1')
    const m = /^([A-Z]) (\d+)$/.exec(head)
    if (!m || m[1] !== tag) throw new CorruptError(`bad property block near "${head.slice(0, 40)}"`)
    const start = nl + 1
    const end = start + Number(m[2])
    if (end + 1 > b.length || b[end] !== NL) throw new CorruptError('truncated property block')
    pos = end + 1
    return b.subarray(start, end)
  }
  for (;;) {
    if (b.subarray(pos, pos + 9).toString('latin1') === 'PROPS-END') {
      if (b.length - pos > 10) throw new CorruptError('a property block goes on after PROPS-END')
      return props
    }
    if (pos >= b.length) throw new CorruptError('property block without PROPS-END')
    const name = field('K').toString('utf8')
    props.set(name, Uint8Array.prototype.slice.call(field('V')))
  }
}

const ACTIONS = new Set(['add', 'delete', 'change', 'replace'])

/**
 * The records of a dump stream, in order.
 *
 * @example
 * ```ts
 * for await (const rec of readDump(child.stdout)) if (rec.kind === 'node') console.log(rec.path)
 * ```
 */
export async function* readDump(source: AsyncIterable<Uint8Array>): AsyncGenerator<DumpRecord> {
  const r = new ByteReader(source)
  const first = await readHeaders(r)
  if (first === null) throw new CorruptError('the dump is empty')
  const version = intHeader(first, 'SVN-fs-dump-format-version')
  if (version === null || version < 1 || version > 3)
    throw new CorruptError('not a Subversion dump (no SVN-fs-dump-format-version 1 to 3)')
  for (;;) {
    const h = await readHeaders(r)
    if (h === null) return
    const uuid = h.get('UUID')
    if (uuid !== undefined) {
      yield { kind: 'uuid', uuid: uuid.toString('latin1') }
      continue
    }
    const contentLength = intHeader(h, 'Content-length') ?? 0
    const propLength = intHeader(h, 'Prop-content-length')
    const textLength = intHeader(h, 'Text-content-length')
    for (const name of ['Prop-delta', 'Text-delta'])
      if (h.get(name)?.toString('latin1') === 'true')
        throw new InvalidInputError(`a delta dump (${name}) is not read: dump with full texts`)
    const props =
      propLength === null
        ? null
        : parseProps(r.bytesSync(propLength) ?? (await r.bytes(propLength, 'a property block')))
    const text =
      textLength === null
        ? null
        : (r.bytesSync(textLength) ?? (await r.bytes(textLength, 'a file text')))
    const rest = contentLength - (propLength ?? 0) - (textLength ?? 0)
    if (rest > 0) await r.bytes(rest, 'a record')
    const rev = intHeader(h, 'Revision-number')
    if (rev !== null) {
      yield { kind: 'revision', rev, props: props ?? new Map<string, Uint8Array>() }
      continue
    }
    const path = h.get('Node-path')
    if (path === undefined) continue // an unknown record kind: skipped, as svnadmin does
    const action = h.get('Node-action')?.toString('latin1') ?? ''
    if (!ACTIONS.has(action))
      throw new CorruptError(`bad Node-action "${action}" at ${path.toString('utf8')}`)
    const kind = h.get('Node-kind')?.toString('latin1') ?? null
    if (kind !== null && kind !== 'file' && kind !== 'dir')
      throw new CorruptError(`bad Node-kind "${kind}" at ${path.toString('utf8')}`)
    const cfPath = h.get('Node-copyfrom-path')
    yield {
      kind: 'node',
      path: Uint8Array.prototype.slice.call(stripSlashes(path)),
      nodeKind: kind,
      action: action as DumpNode['action'],
      copyfromPath:
        cfPath === undefined ? null : Uint8Array.prototype.slice.call(stripSlashes(cfPath)),
      copyfromRev: intHeader(h, 'Node-copyfrom-rev'),
      props,
      text,
    }
  }
}

function stripSlashes(p: Buffer): Buffer {
  let s = 0
  let e = p.length
  while (s < e && p[s] === 0x2f) s++
  while (e > s && p[e - 1] === 0x2f) e--
  return p.subarray(s, e)
}
