/**
 * git's pkt-line framing (gitprotocol-common): a 4-hex-digit length (itself included) before
 * each packet, `0000` flush, `0001` delimiter, `0002` response end; and the side-band channels
 * (1 pack data, 2 progress, 3 fatal error) a pack travels in.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'

/** Largest packet: 65520 bytes, length included. */
export const MAX_PACKET = 65520

export const FLUSH = Buffer.from('0000')
export const DELIM = Buffer.from('0001')

/** One packet of data. */
export function pkt(data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data)
  if (body.length + 4 > MAX_PACKET) throw new InvalidInputError('pkt-line too long')
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body])
}

/** A packet read from a request. */
export type Packet =
  { readonly kind: 'data'; readonly data: Buffer } | { readonly kind: 'flush' | 'delim' | 'end' }

/** The packets of a request body; throws InvalidInputError on a malformed one. */
export function parsePackets(body: Buffer): Packet[] {
  const out: Packet[] = []
  let o = 0
  while (o < body.length) {
    const text = body.toString('latin1', o, o + 4)
    if (!/^[0-9a-f]{4}$/.test(text)) {
      throw new InvalidInputError(`Malformed pkt-line at byte ${o}: ${JSON.stringify(text)}`)
    }
    const n = parseInt(text, 16)
    if (n === 0) out.push({ kind: 'flush' })
    else if (n === 1) out.push({ kind: 'delim' })
    else if (n === 2) out.push({ kind: 'end' })
    else if (n < 4 || o + n > body.length) {
      throw new InvalidInputError(`Malformed pkt-line at byte ${o}: length ${n}`)
    } else out.push({ kind: 'data', data: body.subarray(o + 4, o + n) })
    o += n < 4 ? 4 : n
  }
  return out
}

/** A data packet's text without its trailing newline. */
export function packetText(p: Packet): string | null {
  if (p.kind !== 'data') return null
  const s = p.data.toString('latin1')
  return s.endsWith('\n') ? s.slice(0, -1) : s
}

/** Packets of `data` on side-band `band`, at most `max` bytes each (length included). */
export function sideband(band: 1 | 2 | 3, data: Uint8Array, max = MAX_PACKET): Buffer[] {
  const room = max - 5
  const out: Buffer[] = []
  for (let o = 0; o < data.length; o += room) {
    const part = data.subarray(o, Math.min(data.length, o + room))
    const head = Buffer.from((part.length + 5).toString(16).padStart(4, '0') + '\0', 'latin1')
    head[4] = band
    out.push(head, Buffer.from(part.buffer, part.byteOffset, part.length))
  }
  return out
}
