/**
 * The transports of git's protocol v2 (`gitprotocol-v2`, `gitprotocol-http`): smart HTTP(S)
 * (stateless, one POST per command), git:// (TCP), local paths and file:// (a spawned
 * `git upload-pack`), ssh:// and scp-like `host:path` (a spawned `ssh`, sending GIT_PROTOCOL).
 * Each one reads the server's capability advertisement, then carries command requests and
 * their pkt-line responses.
 *
 * @module
 */

import { connect, type Socket } from 'node:net'

import {
  ArcaError,
  ForbiddenError,
  IoError,
  NotFoundError,
  UnavailableError,
} from '../../errors.js'
import {
  checkAddress,
  HttpClient,
  type HttpResponse,
  type NetPolicy,
  parseAddress,
  resolveAllowed,
} from '../../net/index.js'
import { AGENT, parseCapabilities, ProtocolV0Error } from './capabilities.js'
import { startChild } from './child.js'
import { pkt, PktReader } from './pkt-line.js'
import { classifyRemoteMessage, networkError } from './remote-errors.js'

/** One command exchange: the request bytes in, the response pkt-lines out. */
export interface Transport {
  /** Server capabilities (after the `version 2` line). */
  readonly capabilities: ReadonlyMap<string, string>
  request(body: Buffer, signal?: AbortSignal): Promise<PktReader>
  /** Ends the exchange politely (the remote may finish). */
  close(): Promise<void>
  /** Ends it now (after a failure or a stall): the process is killed, the connection cut. */
  abort(): Promise<void>
}

/** Splits `https://user:pass@host/x` into a URL without credentials and an auth header. */
function httpTarget(url: string): { base: string; headers: Record<string, string> } {
  const u = new URL(url)
  const headers: Record<string, string> = {}
  if (u.username || u.password) {
    headers['Authorization'] =
      'Basic ' +
      Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString(
        'base64',
      )
    u.username = ''
    u.password = ''
  }
  return { base: u.toString().replace(/\/+$/, ''), headers }
}

async function httpFailure(res: HttpResponse, url: string): Promise<never> {
  const text = (await res.text(4096).catch(() => '')).slice(0, 200).trim()
  if (res.status === 401 || res.status === 403) {
    throw new NotFoundError(`Remote ${url} requires authentication (HTTP ${res.status})`)
  }
  if (res.status === 404 || res.status === 410)
    throw new NotFoundError(`Remote ${url} not found (HTTP ${res.status})`)
  throw new UnavailableError(`Remote ${url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`)
}

const INFO_REFS = '/info/refs?service=git-upload-pack'

async function openHttp(
  url: string,
  stallMs: number,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<Transport> {
  const { base, headers } = httpTarget(url)
  // Its own connections; under a policy, each is checked and so is every redirect.
  const client = new HttpClient(network)
  // Aborted by abort(): an unread response body would keep its connection (and the server's
  // upload-pack, blocked writing) alive.
  const cut = new AbortController()
  const both = (sig?: AbortSignal): AbortSignal =>
    sig ? AbortSignal.any([sig, cut.signal]) : cut.signal
  const fail = (e: unknown): never => {
    client.close()
    throw e
  }
  let res: HttpResponse
  try {
    res = await client.request(`${base}${INFO_REFS}`, {
      headers: { ...headers, 'Git-Protocol': 'version=2', 'User-Agent': `git/${AGENT}` },
      signal: both(signal),
    })
  } catch (e) {
    return fail(networkError(url, e))
  }
  if (!res.ok) return httpFailure(res, url).catch(fail)
  // As git does, commands go to where the advertisement was found (after redirects), and
  // credentials only to the origin they were given for.
  if (!res.url.endsWith(INFO_REFS)) {
    res.cancel()
    return fail(
      new UnavailableError(
        `Remote ${url} redirected to a URL that is not a repository's info/refs`,
      ),
    )
  }
  const postBase = res.url.slice(0, -INFO_REFS.length)
  const postHeaders =
    new URL(postBase).origin === new URL(base).origin
      ? headers
      : Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'Authorization'))
  const type = res.header('content-type') ?? ''
  if (!type.includes('git-upload-pack-advertisement')) {
    res.cancel()
    return fail(
      new UnavailableError(
        `Remote ${url} is not a smart HTTP git server (dumb HTTP is not supported)`,
      ),
    )
  }
  const reader = new PktReader(res.body, url, stallMs)
  let capabilities: Map<string, string>
  try {
    const first = await reader.lines()
    // "# service=git-upload-pack" then a flush, then the v2 advertisement.
    const lines =
      first.length > 0 && first[0]!.toString().startsWith('# service=')
        ? await reader.lines()
        : first
    capabilities = parseCapabilities(lines, url)
  } catch (e) {
    res.cancel()
    return fail(e)
  }
  return {
    capabilities,
    async request(body, sig) {
      let r: HttpResponse
      try {
        r = await client.request(`${postBase}/git-upload-pack`, {
          method: 'POST',
          headers: {
            ...postHeaders,
            'Git-Protocol': 'version=2',
            'Content-Type': 'application/x-git-upload-pack-request',
            Accept: 'application/x-git-upload-pack-result',
            'User-Agent': `git/${AGENT}`,
          },
          body: new Uint8Array(body),
          signal: both(sig),
          maxRedirects: 0,
        })
      } catch (e) {
        throw networkError(url, e)
      }
      if (!r.ok) return httpFailure(r, url)
      return new PktReader(r.body, url, stallMs)
    },
    close: () => {
      client.close()
      return Promise.resolve()
    },
    abort: () => {
      cut.abort()
      client.close()
      return Promise.resolve()
    },
  }
}

/** A stateful transport over a duplex byte stream (git://, upload-pack, ssh). */
function streamTransport(
  url: string,
  write: (b: Buffer) => void,
  source: AsyncIterable<Uint8Array>,
  closeFn: () => Promise<void>,
  abortFn: () => Promise<void>,
  stderr: () => Promise<string>,
  stallMs: number,
): Promise<Transport> {
  const reader = new PktReader(source, url, stallMs)
  return (async () => {
    let caps: Map<string, string>
    try {
      caps = parseCapabilities(await reader.lines(), url)
    } catch (e) {
      const err = (await stderr()).trim()
      await abortFn()
      if (err && !(e instanceof ProtocolV0Error)) throw classifyRemoteMessage(err)
      if (e instanceof ArcaError && e.code === 'not_found') throw e
      if (err && /fatal|error|denied|not found/i.test(err)) throw classifyRemoteMessage(err)
      throw e
    }
    return {
      capabilities: caps,
      request(body) {
        write(body)
        return Promise.resolve(reader)
      },
      close: closeFn,
      abort: abortFn,
    }
  })()
}

function spawnTransport(
  url: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stallMs: number,
  signal?: AbortSignal,
): Promise<Transport> {
  const child = startChild(cmd, args, {
    env: { ...process.env, ...env, GIT_PROTOCOL: 'version=2' },
    stdin: 'pipe',
    stdout: 'pipe',
    signal,
  })
  const spawnError = child.exited.then((x) => {
    if (x.error) throw new IoError(`Cannot run ${cmd}: ${x.error.message}`, { cause: x.error })
    return new Promise<never>(() => undefined)
  })
  spawnError.catch(() => undefined)
  return Promise.race([
    streamTransport(
      url,
      (b) => child.proc.stdin!.write(b),
      child.proc.stdout! as AsyncIterable<Uint8Array>,
      async () => {
        await child.end(3000)
      },
      async () => {
        await child.kill()
      },
      // The error message may still be on its way when stdout closes: wait for the exit.
      async () => {
        await Promise.race([child.exited, new Promise((r) => setTimeout(r, 2000))])
        return child.stderr()
      },
      stallMs,
    ),
    spawnError,
  ])
}

/**
 * The address to connect to for `host`: under a policy, the first of its addresses once every
 * one was checked (so the connection goes where the check looked); else the host itself.
 */
async function checkedHost(host: string, network: NetPolicy | undefined): Promise<string> {
  if (!network) return host
  const literal = parseAddress(host)
  if (literal) {
    const reason = checkAddress(literal.toString(), host, network)
    if (reason) throw new ForbiddenError(reason)
    return literal.toString()
  }
  return (await resolveAllowed(host, network))[0]!.address
}

async function openGitDaemon(
  url: string,
  stallMs: number,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<Transport> {
  const u = new URL(url)
  const port = Number(u.port || 9418)
  const host = await checkedHost(u.hostname.replace(/^\[(.*)\]$/, '$1'), network)
  const socket: Socket = connect({ host, port })
  const cut = (): void => void socket.destroy()
  signal?.addEventListener('abort', cut, { once: true })
  socket.once('close', () => signal?.removeEventListener('abort', cut))
  socket.setTimeout(stallMs, () =>
    socket.destroy(
      new UnavailableError(`${url} did not answer for ${Math.round(stallMs / 1000)} s`),
    ),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      socket.setTimeout(0)
      resolve()
    })
    socket.once('error', (e) => reject(networkError(url, e)))
  })
  socket.on('error', () => undefined)
  const path = decodeURIComponent(u.pathname)
  socket.write(
    pkt(`git-upload-pack ${path}\0host=${u.hostname}${u.port ? `:${u.port}` : ''}\0\0version=2\0`),
  )
  return streamTransport(
    url,
    (b) => socket.write(b),
    socket as AsyncIterable<Uint8Array>,
    () =>
      new Promise((resolve) => {
        socket.end(() => resolve())
        socket.destroy()
      }),
    () => {
      socket.destroy()
      return Promise.resolve()
    },
    () => Promise.resolve(''),
    stallMs,
  )
}

/** Where a URL points: an HTTP(S), git://, ssh or local repository. */
export type RemoteKind = 'http' | 'git' | 'ssh' | 'local'

/** The kind of a URL; local paths and file:// are `local`. */
export function remoteKind(url: string): RemoteKind {
  if (/^https?:\/\//i.test(url)) return 'http'
  if (/^git:\/\//i.test(url)) return 'git'
  if (/^(ssh|git\+ssh|ssh\+git):\/\//i.test(url)) return 'ssh'
  if (/^file:\/\//i.test(url)) return 'local'
  // scp-like syntax: [user@]host:path (no slash before the colon).
  if (/^[^/:]+:/.test(url) && !/^[A-Za-z]:\\/.test(url)) return 'ssh'
  return 'local'
}

/** Filesystem path of a local URL. */
export function localPath(url: string): string {
  return /^file:\/\//i.test(url) ? decodeURIComponent(new URL(url).pathname) : url
}

/**
 * Opens a transport to `url`. Under a network policy every connection is checked: HTTP(S)
 * through the checking client (redirects included), git:// and ssh to the checked address of
 * their host; local paths and file:// are refused.
 */
export async function openTransport(
  url: string,
  stallMs: number,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<Transport> {
  switch (remoteKind(url)) {
    case 'http':
      return openHttp(url, stallMs, signal, network)
    case 'git':
      return openGitDaemon(url, stallMs, signal, network)
    case 'local':
      if (network)
        throw new ForbiddenError('local paths and file:// URLs are not fetched on request')
      return spawnTransport(
        url,
        'git',
        ['upload-pack', '--timeout=600', localPath(url)],
        {},
        stallMs,
        signal,
      )
    case 'ssh': {
      let host: string
      let path: string
      let user = ''
      const args = ['-o', 'BatchMode=yes', '-o', 'SendEnv=GIT_PROTOCOL']
      if (/^[a-z+]+:\/\//i.test(url)) {
        const u = new URL(url.replace(/^(git\+ssh|ssh\+git):/i, 'ssh:'))
        user = u.username ? `${decodeURIComponent(u.username)}@` : ''
        host = u.hostname.replace(/^\[(.*)\]$/, '$1')
        if (u.port) args.push('-p', u.port)
        path = decodeURIComponent(u.pathname)
      } else {
        const m = /^(?:([^@/]*)@)?(\[[^\]/]*\]|[^/:]+):(.*)$/s.exec(url)!
        user = m[1] !== undefined ? `${m[1]}@` : ''
        host = m[2]!.replace(/^\[(.*)\]$/, '$1')
        path = m[3]!
      }
      if (network) {
        // ssh connects to the checked address; its host key is still looked up by name.
        const address = await checkedHost(host, network)
        if (address !== host) args.push('-o', `HostKeyAlias=${host}`, '-o', 'CheckHostIP=no')
        host = address
      }
      host = user + host
      return spawnTransport(
        url,
        'ssh',
        [...args, host, `git-upload-pack '${path.replace(/'/g, "'\\''")}'`],
        {},
        stallMs,
        signal,
      )
    }
  }
}
