/**
 * The framed stream of Arca's Mercurial reader (`libexec/hg-read.py`), read as it arrives: a
 * frame is one type byte, a big-endian u32 payload length and the payload, itself a sequence of
 * fields (big-endian u32 length, bytes). Fields are kept as bytes; only what is known to be
 * ASCII (numbers, hex ids) is decoded, by the reader of each frame.
 *
 * @module
 */

import { CorruptError } from '../../errors.js'

/** One frame: its type letter and its fields. */
export interface Frame {
  readonly kind: string
  readonly fields: readonly Buffer[]
}

/** Frames larger than this are refused (a file is read whole by Mercurial anyway). */
const MAX_FRAME = 2 ** 31

/** Splits a payload into its fields. */
export function parseFields(payload: Buffer): Buffer[] {
  const fields: Buffer[] = []
  let at = 0
  while (at < payload.length) {
    if (at + 4 > payload.length) throw new CorruptError('hg reader: truncated field length')
    const len = payload.readUInt32BE(at)
    at += 4
    if (at + len > payload.length) throw new CorruptError('hg reader: truncated field')
    fields.push(payload.subarray(at, at + len))
    at += len
  }
  return fields
}

/**
 * The frames of `input` (a child's stdout), in order. Bytes left after the last whole frame
 * are an error (the reader died mid-frame).
 */
export async function* readFrames(input: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
  const pending: Buffer[] = []
  let buffered = 0
  /** Takes `n` bytes off the front of the pending chunks. */
  const take = (n: number): Buffer => {
    const first = pending[0]!
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) pending.shift()
      else pending[0] = first.subarray(n)
      buffered -= n
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let o = 0
    while (o < n) {
      const c = pending[0]!
      const k = Math.min(c.length, n - o)
      c.copy(out, o, 0, k)
      o += k
      if (k === c.length) pending.shift()
      else pending[0] = c.subarray(k)
    }
    buffered -= n
    return out
  }
  let need = 5
  let header: Buffer | null = null
  for await (const chunk of input) {
    pending.push(chunk)
    buffered += chunk.length
    while (buffered >= need) {
      if (header === null) {
        header = take(5)
        need = header.readUInt32BE(1)
        if (need > MAX_FRAME) throw new CorruptError(`hg reader: frame of ${need} bytes`)
        if (need > 0 && buffered < need) continue
      }
      const payload = need === 0 ? Buffer.alloc(0) : take(need)
      const kind = String.fromCharCode(header[0]!)
      header = null
      need = 5
      yield { kind, fields: parseFields(payload) }
    }
  }
  if (buffered > 0 || header !== null)
    throw new CorruptError('hg reader: the stream ended in the middle of a frame')
}

/** A field as ASCII text (numbers, hex ids, flags). */
export function ascii(field: Buffer | undefined): string {
  if (field === undefined) throw new CorruptError('hg reader: a frame lacks a field')
  return field.toString('latin1')
}

/** A field as a non-negative integer. */
export function int(field: Buffer | undefined): number {
  const s = ascii(field)
  if (!/^-?\d+$/.test(s)) throw new CorruptError(`hg reader: "${s}" is not a number`)
  return Number(s)
}
