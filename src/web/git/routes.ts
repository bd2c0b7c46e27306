/**
 * `git clone` from the archive: git's smart HTTP protocol (read only) under `/git/`, for any
 * archived origin (its latest snapshot's branches, HEAD as the snapshot's) and any revision,
 * release or snapshot SWHID:
 *
 *     git clone http://arca.example/git/https://github.com/expressjs/express
 *     git clone http://arca.example/git/swh:1:rev:<id>
 *
 * `GET <repo>/info/refs?service=git-upload-pack` advertises the refs (v0) or the capabilities
 * (v2, when the client sends `Git-Protocol: version=2`); `POST <repo>/git-upload-pack` answers
 * one round of negotiation or streams the pack (side-band: progress on channel 2, an error
 * after the first byte on channel 3). Every read goes through the masking layer: a masked
 * origin or object answers 403 before anything is sent.
 *
 * @module
 */

import { PassThrough, Readable } from 'node:stream'
import { gunzipSync } from 'node:zlib'

import type { Context, Hono } from 'hono'

import { ForbiddenError, InvalidInputError, NotFoundError, TooLargeError } from '../../errors.js'
import { type CoreSwhid, parseCoreSwhid } from '../../model/index.js'
import { type GitRefs, refsOfOrigin, refsOfTarget, writePack } from '../../vault/index.js'
import type { WebContext } from '../context.js'
import type { AppEnv } from '../env.js'
import { FLUSH, sideband } from './pkt-line.js'
import {
  advertiseV0,
  advertiseV2,
  uploadPackV0,
  uploadPackV2,
  type UploadResponse,
} from './upload-pack.js'

/** Largest request body once un-gzipped (haves are 50 bytes each). */
const MAX_REQUEST = 32 * 1024 * 1024

/** What a `/git/…` path names. */
export type GitRepoTarget =
  | { readonly kind: 'origin'; readonly url: string }
  | { readonly kind: 'swhid'; readonly swhid: CoreSwhid }

/** Splits `/git/<repo>/<service path>`; null when the path is not a git one. */
export function parseGitPath(
  pathname: string,
): { repo: string; service: 'info/refs' | 'git-upload-pack' | 'git-receive-pack' } | null {
  const m = /^\/git\/(.+?)\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(pathname)
  if (!m) return null
  return { repo: m[1]!, service: m[2] as 'info/refs' }
}

/** The origin URL or SWHID a repository path names. */
export function parseRepo(repo: string): GitRepoTarget {
  let text = repo
  if (/%[0-9a-fA-F]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text)
    } catch {
      throw new InvalidInputError(`Invalid percent-encoding in ${JSON.stringify(repo)}`)
    }
  }
  if (text.startsWith('swh:')) {
    const core = text.split(';')[0]!.replace(/\.git$/, '')
    return { kind: 'swhid', swhid: parseCoreSwhid(core) }
  }
  // A proxy may have merged the slashes of `https://`.
  text = text.replace(/^([a-z][a-z0-9+.-]*):\/(?!\/)/i, '$1://')
  return { kind: 'origin', url: text }
}

/** The archived origin URL a path names (tried as given, then with or without `.git`). */
async function findOrigin(ctx: WebContext, url: string): Promise<string> {
  const candidates = [url, url.endsWith('.git') ? url.slice(0, -4) : `${url}.git`]
  const found = await ctx.archive.storage.originGet(candidates)
  const hit = found.find((x) => x !== null)
  if (!hit) throw new NotFoundError(`No origin ${url} in the archive`)
  return hit.url
}

async function refsOf(
  ctx: WebContext,
  target: GitRepoTarget,
  signal: AbortSignal,
): Promise<GitRefs> {
  const storage = ctx.archive.storage
  if (target.kind === 'origin') {
    return refsOfOrigin(storage, await findOrigin(ctx, target.url), { signal })
  }
  return refsOfTarget(storage, target.swhid, { signal })
}

/** Refuses a masked or unknown repository before any negotiation. */
async function checkRepo(ctx: WebContext, target: GitRepoTarget, signal: AbortSignal) {
  if (target.kind === 'origin') {
    const url = await findOrigin(ctx, target.url)
    await ctx.archive.storage.originVisitGetLatest(url, { signal })
    return
  }
  if (!(await ctx.archive.storage.objectExists(target.swhid, { signal }))) {
    throw new NotFoundError(`swh:1:${target.swhid.type}:${target.swhid.id} is not archived`)
  }
}

function isV2(c: Context<AppEnv>): boolean {
  return /(^|:)version=2(:|$)/.test(c.req.header('Git-Protocol') ?? '')
}

async function requestBody(c: Context<AppEnv>): Promise<Buffer> {
  const raw = Buffer.from(await c.req.arrayBuffer())
  if ((c.req.header('Content-Encoding') ?? '').toLowerCase() !== 'gzip') return raw
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_REQUEST })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TooLargeError('git request too large')
    }
    throw new InvalidInputError('git request body: invalid gzip data')
  }
}

/** Streams a response: the negotiation bytes, then the pack in side-band packets. */
function streamResponse(ctx: WebContext, response: UploadResponse, abort: AbortController) {
  const out = new PassThrough({ highWaterMark: 256 * 1024 })
  out.on('close', () => abort.abort())
  const gone = () => new Error('The client went away')
  // Writes whole packets at once (progress and pack data never interleave), then waits.
  const write = (...chunks: Uint8Array[]): Promise<void> => {
    if (out.destroyed) return Promise.reject(gone())
    let ok = true
    for (const chunk of chunks) ok = out.write(chunk)
    if (ok) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        out.off('close', onClose)
        resolve()
      }
      const onClose = (): void => {
        out.off('drain', onDrain)
        reject(gone())
      }
      out.once('drain', onDrain)
      out.once('close', onClose)
    })
  }
  const pack = response.pack
  void (async () => {
    try {
      await write(...response.head)
      if (pack) {
        const band = pack.sideband
        const frame = (n: 1 | 2 | 3, data: Uint8Array) => write(...sideband(n, data, band))
        await writePack(
          ctx.archive.storage,
          ctx.archive.objstorage,
          pack.plan,
          { write: (chunk) => (band > 0 ? frame(1, chunk) : write(chunk)) },
          {
            signal: abort.signal,
            deltas: pack.deltas,
            ...(pack.progress && band > 0
              ? { progress: (m: string) => void frame(2, Buffer.from(`${m}\r`)).catch(() => {}) }
              : {}),
          },
        )
        if (band > 0) {
          if (pack.progress) await frame(2, Buffer.from('Done.\n'))
          await write(FLUSH)
        }
      }
      out.end()
    } catch (e) {
      if (pack && pack.sideband > 0 && !out.destroyed) {
        const why = e instanceof Error ? e.message : String(e)
        for (const p of sideband(3, Buffer.from(`Arca: ${why}\n`), pack.sideband)) out.write(p)
      }
      out.end()
    }
  })()
  return Readable.toWeb(out) as ReadableStream<Uint8Array>
}

const NO_CACHE = {
  'Cache-Control': 'no-cache, max-age=0, must-revalidate',
  Expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  Pragma: 'no-cache',
}

/**
 * Mounts the git routes on the app.
 *
 * @example
 * ```ts
 * mountGit(app, ctx) // git clone http://host/git/swh:1:rev:<id>
 * ```
 */
export function mountGit(app: Hono<AppEnv>, ctx: WebContext): void {
  app.get('/git/*', async (c) => {
    const parsed = parseGitPath(new URL(c.req.url).pathname)
    if (!parsed || parsed.service !== 'info/refs') {
      throw new NotFoundError('Not a git path: /git/<origin URL or SWHID>/info/refs')
    }
    if (c.req.query('service') !== 'git-upload-pack') {
      throw new ForbiddenError('Arca serves git-upload-pack only (smart HTTP, read only)')
    }
    const target = parseRepo(parsed.repo)
    const signal = c.req.raw.signal
    await checkRepo(ctx, target, signal)
    const body = isV2(c) ? advertiseV2() : advertiseV0(await refsOf(ctx, target, signal))
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': 'application/x-git-upload-pack-advertisement',
      ...NO_CACHE,
    })
  })

  app.post('/git/*', async (c) => {
    const parsed = parseGitPath(new URL(c.req.url).pathname)
    if (!parsed)
      throw new NotFoundError('Not a git path: /git/<origin URL or SWHID>/git-upload-pack')
    if (parsed.service !== 'git-upload-pack') {
      throw new ForbiddenError('The archive is read only: git-upload-pack only')
    }
    const target = parseRepo(parsed.repo)
    const abort = new AbortController()
    const signal = abort.signal
    await checkRepo(ctx, target, signal)
    const body = await requestBody(c)
    const response = isV2(c)
      ? await uploadPackV2(ctx.archive, body, () => refsOf(ctx, target, signal), { signal })
      : await uploadPackV0(ctx.archive, body, { signal })
    return new Response(streamResponse(ctx, response, abort), {
      status: 200,
      headers: { 'Content-Type': 'application/x-git-upload-pack-result', ...NO_CACHE },
    })
  })
}
