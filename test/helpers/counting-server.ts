/**
 * An HTTP server on a loopback address that records the path of every request it gets, so a
 * test can tell whether something reached it (SSRF tests: the forbidden side).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running counting server. */
export interface CountingServer {
  readonly server: Server
  readonly port: number
  /** The path of each request, in order. */
  readonly paths: string[]
}

/** What the server answers to a path. */
export interface CountingAnswer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
}

/** Starts a server on `host` answering each request with `answer(path)`. */
export async function startCounting(
  host: string,
  answer: (path: string) => CountingAnswer,
): Promise<CountingServer> {
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    const a = answer(req.url ?? '')
    res.writeHead(a.status, a.headers ?? {})
    res.end(a.body ?? '')
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  return { server, port: (server.address() as AddressInfo).port, paths }
}

/** Stops `server`, cutting its open connections. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
