/**
 * A client of git's wire protocol version 2 (`gitprotocol-v2`, `gitprotocol-http`) for the
 * fetch side: `ls-refs` (with symref targets and the unborn HEAD of empty repositories) and
 * `fetch` with our own `want` and `have` lines, so the remote sends only the objects the archive
 * lacks. The packfile is streamed, with backpressure, to a sink (the loader pipes it into
 * `git index-pack`, which checks every object's id from its bytes).
 *
 * This module is the session; its parts are `pkt-line.ts` (framing), `capabilities.ts` (the
 * advertisement and `ls-refs`), `sideband.ts` (the fetch response), `transport.ts` (HTTP(S),
 * git://, local and ssh) and `remote-errors.ts`. Servers that only speak version 0 are reported
 * as such (ProtocolV0Error); the loader then falls back to the git binary.
 *
 * @module
 */

import { UnavailableError } from '../../errors.js'
import type { NetPolicy } from '../../net/index.js'
import { AGENT, lsRefsRequest, parseRefLine, type RemoteRef } from './capabilities.js'
import { DEFAULT_STALL_TIMEOUT_MS } from './child.js'
import { DELIM, FLUSH, pkt } from './pkt-line.js'
import { readPackfile } from './sideband.js'
import { openTransport, type Transport } from './transport.js'

export { ProtocolV0Error, type RemoteRef } from './capabilities.js'
export { pkt } from './pkt-line.js'
export { classifyRemoteMessage } from './remote-errors.js'
export { localPath, type RemoteKind, remoteKind } from './transport.js'

/** Options of a session: how long a remote may stay silent, what it may connect to. */
export interface SessionOptions {
  /** A remote that sends no byte for this long is given up (default 120 s). */
  readonly stallTimeoutMs?: number
  /** Every connection (and redirect) checked under this policy; unset: unrestricted. */
  readonly network?: NetPolicy
}

/**
 * A protocol v2 session with a remote's upload-pack.
 *
 * @example
 * ```ts
 * const session = await UploadPackSession.open('https://example.org/repo.git')
 * const refs = await session.lsRefs()
 * await session.fetch(wants, haves, async (chunk) => indexPack.write(chunk))
 * await session.close()
 * ```
 */
export class UploadPackSession {
  private constructor(
    readonly url: string,
    readonly transport: Transport,
  ) {}

  /** Connects and reads the server's capabilities. */
  static async open(
    url: string,
    signal?: AbortSignal,
    options: SessionOptions = {},
  ): Promise<UploadPackSession> {
    const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS
    return new UploadPackSession(url, await openTransport(url, stallMs, signal, options.network))
  }

  /** Every ref the remote advertises, with symref targets, the unborn HEAD included. */
  async lsRefs(signal?: AbortSignal): Promise<RemoteRef[]> {
    const lsCaps = this.transport.capabilities.get('ls-refs')
    if (lsCaps === undefined) throw new UnavailableError(`${this.url} does not offer ls-refs`)
    const reader = await this.transport.request(lsRefsRequest(lsCaps), signal)
    return (await reader.lines()).map(parseRefLine)
  }

  /**
   * Asks for the objects reachable from `wants` and not from `haves`, and streams the packfile
   * bytes to `sink` (awaited: backpressure). Returns the number of pack bytes received.
   */
  async fetch(
    wants: readonly string[],
    haves: readonly string[],
    sink: (chunk: Buffer) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<number> {
    const fetchCaps = this.transport.capabilities.get('fetch')
    if (fetchCaps === undefined) throw new UnavailableError(`${this.url} does not offer fetch`)
    const parts = [
      pkt('command=fetch\n'),
      pkt(`agent=${AGENT}\n`),
      DELIM,
      pkt('ofs-delta\n'),
      pkt('no-progress\n'),
    ]
    for (const w of wants) parts.push(pkt(`want ${w}\n`))
    for (const h of haves) parts.push(pkt(`have ${h}\n`))
    parts.push(pkt('done\n'), FLUSH)
    const reader = await this.transport.request(Buffer.concat(parts), signal)
    return readPackfile(reader, sink)
  }

  async close(): Promise<void> {
    await this.transport.close()
  }

  /** Ends the session now: after a failed or stalled command, its stream is of no more use. */
  async abort(): Promise<void> {
    await this.transport.abort()
  }
}
