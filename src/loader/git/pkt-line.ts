/**
 * pkt-line framing (`gitprotocol-common`): every line is a 4-hex-digit length (the length
 * prefix included) then its data; `0000` is a flush, `0001` a delimiter and `0002` the end of a
 * response (protocol v2); no line is longer than 65520 bytes. {@link PktReader} reads them
 * from a stream of chunks cut anywhere.
 *
 * @module
 */

import { IoError, UnavailableError } from '../../errors.js'
import { classifyRemoteMessage } from './remote-errors.js'

/** Encodes a pkt-line (data + 4-hex-digit length prefix). */
export function pkt(data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data)
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body])
}

/** The longest pkt-line, its 4 length bytes included (65516 bytes of data). */
export const MAX_PKT_LENGTH = 65520

/** The flush packet `0000`. */
export const FLUSH = Buffer.from('0000')
/** The delimiter packet `0001` (protocol v2). */
export const DELIM = Buffer.from('0001')

/** One packet read: a data line, one of the special packets, or the end of the stream. */
export type Pkt =
  | { kind: 'data'; payload: Buffer }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'end' }
  | { kind: 'eof' }

/** Reads pkt-lines from a stream of chunks; a read waiting longer than the stall timeout fails. */
export class PktReader {
  #buf = Buffer.alloc(0)
  readonly #it: AsyncIterator<Uint8Array>
  #done = false

  constructor(
    source: AsyncIterable<Uint8Array>,
    readonly url: string,
    readonly stallMs: number,
  ) {
    this.#it = source[Symbol.asyncIterator]()
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    let timer: NodeJS.Timeout | undefined
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError(
              `${this.url} sent nothing for ${Math.round(this.stallMs / 1000)} s (stall timeout): transfer abandoned`,
            ),
          ),
        this.stallMs,
      )
    })
    try {
      return await Promise.race([this.#it.next(), stalled])
    } finally {
      clearTimeout(timer)
    }
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buf.length < n) {
      if (this.#done) return false
      const r = await this.#next()
      if (r.done) {
        this.#done = true
        return false
      }
      this.#buf =
        this.#buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([this.#buf, r.value])
    }
    return true
  }

  async read(): Promise<Pkt> {
    if (!(await this.#fill(4))) {
      if (this.#buf.length > 0)
        throw new IoError('The connection closed in the middle of a pkt-line')
      return { kind: 'eof' }
    }
    const lenText = this.#buf.subarray(0, 4).toString('latin1')
    // git's reader takes hex digits in either case (`hexval`); servers write lower case.
    if (!/^[0-9a-fA-F]{4}$/.test(lenText))
      throw new IoError(`Bad pkt-line length "${lenText}" from the remote`)
    const len = parseInt(lenText, 16)
    if (len === 0 || len === 1 || len === 2) {
      this.#buf = this.#buf.subarray(4)
      return len === 0 ? { kind: 'flush' } : len === 1 ? { kind: 'delim' } : { kind: 'end' }
    }
    if (len < 4 || len > MAX_PKT_LENGTH)
      throw new IoError(`Bad pkt-line length ${len} from the remote`)
    if (!(await this.#fill(len)))
      throw new IoError('The connection closed in the middle of a pkt-line')
    const payload = this.#buf.subarray(4, len)
    this.#buf = this.#buf.subarray(len)
    return { kind: 'data', payload }
  }

  /** Data lines up to the next flush, as text without the trailing newline. */
  async lines(): Promise<Buffer[]> {
    const out: Buffer[] = []
    for (;;) {
      const p = await this.read()
      if (p.kind === 'flush' || p.kind === 'eof') return out
      if (p.kind === 'data') {
        checkErr(p.payload)
        out.push(p.payload[p.payload.length - 1] === 0x0a ? p.payload.subarray(0, -1) : p.payload)
      }
    }
  }
}

/** Throws the remote's error if `payload` is an `ERR <message>` line. */
export function checkErr(payload: Buffer): void {
  if (payload.subarray(0, 4).toString('latin1') === 'ERR ') {
    const msg = payload.subarray(4).toString('utf8').trim()
    throw classifyRemoteMessage(msg)
  }
}
