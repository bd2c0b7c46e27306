/**
 * The response of protocol v2's `fetch` command (`gitprotocol-v2`, `gitprotocol-pack`): the
 * sections before `packfile` are skipped (an `ERR` line fails), then every packet of the
 * `packfile` section is demultiplexed by its first byte: channel 1 is pack data (passed on),
 * 2 is progress (dropped), 3 is an error message (the fetch fails with it).
 *
 * @module
 */

import { UnavailableError } from '../../errors.js'
import { checkErr, type PktReader } from './pkt-line.js'
import { classifyRemoteMessage } from './remote-errors.js'

/**
 * Reads a fetch response from `reader` to its end (flush or response-end), awaiting `sink` on
 * every chunk of pack data (backpressure). Returns the number of pack bytes received.
 */
export async function readPackfile(
  reader: PktReader,
  sink: (chunk: Buffer) => Promise<void>,
): Promise<number> {
  const url = reader.url
  let inPack = false
  let received = 0
  for (;;) {
    const p = await reader.read()
    if (p.kind === 'eof') {
      throw new UnavailableError(`The connection to ${url} was closed before the end of the pack`)
    }
    if (p.kind === 'flush' || p.kind === 'end') {
      if (!inPack) throw new UnavailableError(`${url} sent no packfile`)
      return received
    }
    if (p.kind === 'delim') continue
    const payload = p.payload
    if (!inPack) {
      checkErr(payload)
      if (payload.toString('latin1') === 'packfile\n') inPack = true
      continue
    }
    const band = payload[0]
    if (band === 1) {
      received += payload.length - 1
      await sink(payload.subarray(1))
    } else if (band === 3) {
      throw classifyRemoteMessage(payload.subarray(1).toString('utf8').trim())
    }
  }
}
