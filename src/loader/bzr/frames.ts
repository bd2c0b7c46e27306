/**
 * The framed stream the Bazaar reader (`reader-script.ts`) writes on its standard output: each
 * frame is one type byte, a 4-byte big-endian length and that many payload bytes. Read here one
 * frame at a time, holding no more than the frame being read.
 *
 * @module
 */

import type { Readable } from 'node:stream'

import { CorruptError } from '../../errors.js'

/** One frame: its type letter and its payload. */
export interface Frame {
  readonly type: string
  readonly payload: Buffer
}

/** Reads frames from a byte stream. */
export class FrameReader {
  readonly #source: AsyncIterator<Buffer>
  #chunks: Buffer[] = []
  #buffered = 0
  #ended = false

  constructor(stream: Readable) {
    this.#source = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  }

  /** The next frame, or null at the end of the stream (a cut frame is an error). */
  async next(): Promise<Frame | null> {
    if (!(await this.#fill(5))) {
      if (this.#buffered === 0) return null
      throw new CorruptError('the Bazaar reader stopped in the middle of a frame header')
    }
    const head = this.#take(5)
    const type = String.fromCharCode(head[0]!)
    const length = head.readUInt32BE(1)
    if (!(await this.#fill(length)))
      throw new CorruptError(`the Bazaar reader stopped in the middle of a "${type}" frame`)
    return { type, payload: this.#take(length) }
  }

  /** Whether `n` bytes are buffered, reading as needed; false at the end before that. */
  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n) {
      if (this.#ended) return false
      const r = await this.#source.next()
      if (r.done) {
        this.#ended = true
        return false
      }
      this.#chunks.push(r.value)
      this.#buffered += r.value.length
    }
    return true
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    // A copy, unless the frame is the whole buffer: a small payload kept (a content waiting in
    // the sink's batch) must not keep a whole read chunk alive.
    const out = n === all.length ? all : Buffer.from(all.subarray(0, n))
    const rest = all.subarray(n)
    this.#chunks = rest.length > 0 ? [rest] : []
    this.#buffered = rest.length
    return out
  }
}
