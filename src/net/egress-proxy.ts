/**
 * A forward proxy for the tools a loader runs (`hg`, `svn`, `brz`): they connect through it,
 * and it connects only where the network policy allows, to the very address it checked. A
 * tool that follows a redirect, or a name that resolves to a public address at the check and
 * to a private one later (DNS rebinding), then reaches nothing the policy forbids: every
 * request and every `CONNECT` tunnel is checked when it is made.
 *
 * It listens on the loopback interface, on a port of its own, for the time of one load. It
 * sees requests in clear only for `http://` (for `https://` it sees the `CONNECT host:port`
 * and then relays bytes it cannot read); it logs nothing, so credentials a tool sends pass
 * through and are never recorded.
 *
 * @module
 */

import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'

import { errorMessage } from '../errors.js'
import type { NetPolicy } from './policy.js'
import { resolveAllowed } from './resolve.js'

/** A running egress proxy. */
export interface EgressProxy {
  /** Where tools reach it, `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  /** Why connections were refused, oldest first (the first few). */
  refusals(): readonly string[]
  /** Stops listening and cuts every connection still open. */
  close(): Promise<void>
}

/** Refusals kept: the first tell why a load failed. */
const KEPT = 10

/** Headers of one hop, not forwarded (RFC 9110, 7.6.1). */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
])

/** `host:port` of a CONNECT line (`[v6]:port` too); null when it is not one. */
export function parseAuthority(authority: string): { host: string; port: number } | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/\s]+):(\d{1,5})$/.exec(authority)
  if (!m) return null
  const port = Number(m[2])
  if (port < 1 || port > 65535) return null
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!
  return { host, port }
}

/**
 * Starts a proxy that lets connections through only where `policy` allows.
 *
 * @example
 * ```ts
 * const proxy = await startEgressProxy({ allowNetworks: [] })
 * // hg --config http_proxy.host=127.0.0.1:<port> --config http_proxy.always=true clone …
 * await proxy.close()
 * ```
 */
export async function startEgressProxy(policy: NetPolicy): Promise<EgressProxy> {
  const refused: string[] = []
  const sockets = new Set<Socket>()
  const refuse = (what: string, e: unknown): string => {
    const reason = `${what}: ${errorMessage(e)}`
    if (refused.length < KEPT) refused.push(reason)
    return reason
  }
  /** The checked address to connect to for `host`, or a refusal (thrown). */
  const pin = async (host: string): Promise<string> =>
    (await resolveAllowed(host, policy))[0]!.address

  const server = createServer((req, res) => {
    void forward(req, res, pin, refuse)
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    void tunnel(req, client, head, pin, refuse, sockets)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    refusals: () => [...refused],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A `CONNECT host:port`: checked, then bytes relayed both ways to the checked address. */
async function tunnel(
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
  pin: (host: string) => Promise<string>,
  refuse: (what: string, e: unknown) => string,
  sockets: Set<Socket>,
): Promise<void> {
  client.on('error', () => undefined)
  const target = parseAuthority(req.url ?? '')
  if (!target) {
    client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    return
  }
  let address: string
  try {
    address = await pin(target.host)
  } catch (e) {
    const reason = refuse(`CONNECT ${target.host}:${target.port} refused`, e)
    client.end(
      `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
    )
    return
  }
  const upstream = connect({ host: address, port: target.port })
  sockets.add(upstream)
  upstream.once('close', () => sockets.delete(upstream))
  upstream.once('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length > 0) upstream.write(head)
    upstream.pipe(client)
    client.pipe(upstream)
  })
  upstream.on('error', () => {
    if (upstream.connecting)
      client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    else client.destroy()
  })
  client.once('close', () => upstream.destroy())
}

/** A request in absolute form (`GET http://host/path`): checked, then sent on, not followed. */
async function forward(
  req: IncomingMessage,
  res: ServerResponse,
  pin: (host: string) => Promise<string>,
  refuse: (what: string, e: unknown) => string,
): Promise<void> {
  let url: URL
  try {
    url = new URL(req.url ?? '')
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('absolute http:// URLs only\n')
    return
  }
  if (url.protocol !== 'http:') {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('absolute http:// URLs only\n')
    return
  }
  let address: string
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  try {
    address = await pin(host)
  } catch (e) {
    const reason = refuse(`${req.method ?? 'GET'} ${url.origin} refused`, e)
    res.writeHead(403, { 'Content-Type': 'text/plain', Connection: 'close' }).end(reason)
    return
  }
  const headers: string[] = []
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    if (!HOP.has(req.rawHeaders[i]!.toLowerCase()))
      headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const out = request({
    host: address,
    port: url.port === '' ? 80 : Number(url.port),
    method: req.method,
    path: `${url.pathname}${url.search}`,
    headers,
    setHost: false,
  })
  out.on('response', (up: IncomingMessage) => {
    const back: string[] = []
    for (let i = 0; i + 1 < up.rawHeaders.length; i += 2)
      if (!HOP.has(up.rawHeaders[i]!.toLowerCase()))
        back.push(up.rawHeaders[i]!, up.rawHeaders[i + 1]!)
    res.writeHead(up.statusCode ?? 502, back)
    up.pipe(res)
    up.on('error', () => res.destroy())
  })
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Length': '0' }).end()
    else res.destroy()
  })
  req.pipe(out)
  req.on('error', () => out.destroy())
}
