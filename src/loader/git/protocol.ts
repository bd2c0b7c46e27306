/**
 * A client of git's wire protocol version 2 (`gitprotocol-v2`, `gitprotocol-http`) for the
 * fetch side: `ls-refs` (with symref targets and the unborn HEAD of empty repositories) and
 * `fetch` with our own `want` and `have` lines, so the remote sends only the objects the archive
 * lacks. The packfile is streamed, with backpressure, to a sink (the loader pipes it into
 * `git index-pack`, which checks every object's id from its bytes).
 *
 * Transports: smart HTTP(S) (stateless, one POST per command), git:// (TCP), local paths and
 * file:// (a spawned `git upload-pack`), ssh:// and scp-like `host:path` (a spawned `ssh`,
 * sending GIT_PROTOCOL). Servers that only speak version 0 are reported as such; the loader then
 * falls back to the git binary.
 *
 * @module
 */

import { connect, type Socket } from 'node:net'

import { ArcaError, IoError, NotFoundError, UnavailableError } from '../../errors.js'
import { DEFAULT_STALL_TIMEOUT_MS, startChild } from './child.js'

/** A ref advertised by the remote. `oid` is null for an unborn ref (empty repository HEAD). */
export interface RemoteRef {
  readonly name: Buffer
  readonly oid: string | null
  /** Target of a symbolic ref (HEAD → refs/heads/main). */
  readonly symref: Buffer | null
}

/** The server speaks only protocol version 0. */
export class ProtocolV0Error extends ArcaError {
  override readonly name = 'ProtocolV0Error'
  constructor(message: string) {
    super('unavailable', message)
  }
}

// ---------------------------------------------------------------------------------------------
// pkt-line

/** Encodes a pkt-line (data + 4-hex-digit length prefix). */
export function pkt(data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data)
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body])
}
const FLUSH = Buffer.from('0000')
const DELIM = Buffer.from('0001')

type Pkt =
  | { kind: 'data'; payload: Buffer }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'end' }
  | { kind: 'eof' }

/** Options of a session: how long a remote may stay silent. */
export interface SessionOptions {
  /** A remote that sends no byte for this long is given up (default 120 s). */
  readonly stallTimeoutMs?: number
}

/** Reads pkt-lines from a stream of chunks; a read waiting longer than the stall timeout fails. */
class PktReader {
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
    if (!/^[0-9a-f]{4}$/.test(lenText))
      throw new IoError(`Bad pkt-line length "${lenText}" from the remote`)
    const len = parseInt(lenText, 16)
    if (len === 0 || len === 1 || len === 2) {
      this.#buf = this.#buf.subarray(4)
      return len === 0 ? { kind: 'flush' } : len === 1 ? { kind: 'delim' } : { kind: 'end' }
    }
    if (len < 4) throw new IoError(`Bad pkt-line length ${len} from the remote`)
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

function checkErr(payload: Buffer): void {
  if (payload.subarray(0, 4).toString('latin1') === 'ERR ') {
    const msg = payload.subarray(4).toString('utf8').trim()
    throw classifyRemoteMessage(msg)
  }
}

/** Turns a remote's error message into not_found (gone, denied) or unavailable (transient). */
export function classifyRemoteMessage(msg: string): ArcaError {
  if (
    /not found|does not exist|does not appear to be a git repository|not exported|access denied|authentication|could not read username|permission denied|repository .* not found|no such/i.test(
      msg,
    )
  ) {
    return new NotFoundError(`Remote repository not found or not accessible: ${msg}`)
  }
  return new UnavailableError(`Remote error: ${msg}`)
}

// ---------------------------------------------------------------------------------------------
// Transports

/** One command exchange: the request bytes in, the response pkt-lines out. */
interface Transport {
  /** Server capabilities (after the `version 2` line). */
  readonly capabilities: ReadonlyMap<string, string>
  request(body: Buffer, signal?: AbortSignal): Promise<PktReader>
  /** Ends the exchange politely (the remote may finish). */
  close(): Promise<void>
  /** Ends it now (after a failure or a stall): the process is killed, the connection cut. */
  abort(): Promise<void>
}

function parseCapabilities(lines: readonly Buffer[], where: string): Map<string, string> {
  const text = lines.map((l) => l.toString('utf8'))
  const v = text.findIndex((l) => l === 'version 2')
  if (v < 0) throw new ProtocolV0Error(`${where} does not speak git protocol version 2`)
  const caps = new Map<string, string>()
  for (const l of text.slice(v + 1)) {
    const eq = l.indexOf('=')
    caps.set(eq < 0 ? l : l.slice(0, eq), eq < 0 ? '' : l.slice(eq + 1))
  }
  return caps
}

const AGENT = 'arca/0.1'

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

async function httpFailure(res: Response, url: string): Promise<never> {
  const text = (await res.text().catch(() => '')).slice(0, 200).trim()
  if (res.status === 401 || res.status === 403) {
    throw new NotFoundError(`Remote ${url} requires authentication (HTTP ${res.status})`)
  }
  if (res.status === 404 || res.status === 410)
    throw new NotFoundError(`Remote ${url} not found (HTTP ${res.status})`)
  throw new UnavailableError(`Remote ${url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`)
}

async function* webStream(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

async function openHttp(url: string, stallMs: number, signal?: AbortSignal): Promise<Transport> {
  const { base, headers } = httpTarget(url)
  // Aborted by abort(): an unread response body would keep its connection (and the server's
  // upload-pack, blocked writing) alive.
  const cut = new AbortController()
  const both = (sig?: AbortSignal): AbortSignal =>
    sig ? AbortSignal.any([sig, cut.signal]) : cut.signal
  let res: Response
  try {
    res = await fetch(`${base}/info/refs?service=git-upload-pack`, {
      headers: { ...headers, 'Git-Protocol': 'version=2', 'User-Agent': `git/${AGENT}` },
      signal: both(signal),
    })
  } catch (e) {
    throw networkError(url, e)
  }
  if (!res.ok) return httpFailure(res, url)
  const type = res.headers.get('content-type') ?? ''
  if (!type.includes('git-upload-pack-advertisement')) {
    throw new UnavailableError(
      `Remote ${url} is not a smart HTTP git server (dumb HTTP is not supported)`,
    )
  }
  const reader = new PktReader(webStream(res.body!), url, stallMs)
  const first = await reader.lines()
  // "# service=git-upload-pack" then a flush, then the v2 advertisement.
  const lines =
    first.length > 0 && first[0]!.toString().startsWith('# service=') ? await reader.lines() : first
  const capabilities = parseCapabilities(lines, url)
  return {
    capabilities,
    async request(body, sig) {
      let r: Response
      try {
        r = await fetch(`${base}/git-upload-pack`, {
          method: 'POST',
          headers: {
            ...headers,
            'Git-Protocol': 'version=2',
            'Content-Type': 'application/x-git-upload-pack-request',
            Accept: 'application/x-git-upload-pack-result',
            'User-Agent': `git/${AGENT}`,
          },
          body: new Uint8Array(body),
          signal: both(sig),
        })
      } catch (e) {
        throw networkError(url, e)
      }
      if (!r.ok) return httpFailure(r, url)
      return new PktReader(webStream(r.body!), url, stallMs)
    },
    close: () => Promise.resolve(),
    abort: () => {
      cut.abort()
      return Promise.resolve()
    },
  }
}

function networkError(url: string, e: unknown): ArcaError {
  const cause = (e as { cause?: { code?: string } }).cause
  const code = cause?.code ?? (e as NodeJS.ErrnoException).code
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new NotFoundError(`Remote host of ${url} not found`, { cause: e })
  return new UnavailableError(
    `Cannot reach ${url}: ${(e as Error).message}${code ? ` (${code})` : ''}`,
    { cause: e },
  )
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

async function openGitDaemon(
  url: string,
  stallMs: number,
  signal?: AbortSignal,
): Promise<Transport> {
  const u = new URL(url)
  const port = Number(u.port || 9418)
  const socket: Socket = connect({ host: u.hostname, port })
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

function openTransport(url: string, stallMs: number, signal?: AbortSignal): Promise<Transport> {
  switch (remoteKind(url)) {
    case 'http':
      return openHttp(url, stallMs, signal)
    case 'git':
      return openGitDaemon(url, stallMs, signal)
    case 'local':
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
      const args = ['-o', 'BatchMode=yes', '-o', 'SendEnv=GIT_PROTOCOL']
      if (/^[a-z+]+:\/\//i.test(url)) {
        const u = new URL(url.replace(/^(git\+ssh|ssh\+git):/i, 'ssh:'))
        host = (u.username ? `${decodeURIComponent(u.username)}@` : '') + u.hostname
        if (u.port) args.push('-p', u.port)
        path = decodeURIComponent(u.pathname)
      } else {
        const colon = url.indexOf(':')
        host = url.slice(0, colon)
        path = url.slice(colon + 1)
      }
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

// ---------------------------------------------------------------------------------------------
// Commands

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
    return new UploadPackSession(url, await openTransport(url, stallMs, signal))
  }

  /** Every ref the remote advertises, with symref targets, the unborn HEAD included. */
  async lsRefs(signal?: AbortSignal): Promise<RemoteRef[]> {
    const lsCaps = this.transport.capabilities.get('ls-refs')
    if (lsCaps === undefined) throw new UnavailableError(`${this.url} does not offer ls-refs`)
    const args = [pkt('symrefs\n')]
    if (lsCaps.split(' ').includes('unborn')) args.push(pkt('unborn\n'))
    const body = Buffer.concat([
      pkt('command=ls-refs\n'),
      pkt(`agent=${AGENT}\n`),
      DELIM,
      ...args,
      FLUSH,
    ])
    const reader = await this.transport.request(body, signal)
    const refs: RemoteRef[] = []
    for (const line of await reader.lines()) {
      // "<oid> <name>[ symref-target:<t>][ peeled:<oid>]" or "unborn <name> symref-target:<t>"
      const sp = line.indexOf(0x20)
      const head = line.subarray(0, sp).toString('latin1')
      let rest = line.subarray(sp + 1)
      let symref: Buffer | null = null
      const attrs = [' symref-target:', ' peeled:']
      for (;;) {
        let found = false
        for (const a of attrs) {
          const i = rest.lastIndexOf(a)
          if (i >= 0) {
            if (a === ' symref-target:') symref = Buffer.from(rest.subarray(i + a.length))
            rest = rest.subarray(0, i)
            found = true
            break
          }
        }
        if (!found) break
      }
      refs.push({ name: Buffer.from(rest), oid: head === 'unborn' ? null : head, symref })
    }
    return refs
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
    let inPack = false
    let received = 0
    for (;;) {
      const p = await reader.read()
      if (p.kind === 'eof') {
        throw new UnavailableError(
          `The connection to ${this.url} was closed before the end of the pack`,
        )
      }
      if (p.kind === 'flush' || p.kind === 'end') {
        if (!inPack) throw new UnavailableError(`${this.url} sent no packfile`)
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

  async close(): Promise<void> {
    await this.transport.close()
  }

  /** Ends the session now: after a failed or stalled command, its stream is of no more use. */
  async abort(): Promise<void> {
    await this.transport.abort()
  }
}
