/**
 * Copying a CVS module over rsync, as Software Heritage's CVS loader does: list the CVS root
 * (`rsync rsync://host/root/`), which must hold `CVSROOT` and the module, then `rsync -az`
 * each of them into a local root in scratch space, read afterwards as a local repository.
 * Unlike SWH, a port in the URL is kept.
 *
 * @module
 */

import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { ArcaError, NotFoundError } from '../../errors.js'
import type { LoadContext } from '../core/types.js'
import type { CvsSource } from './origin.js'

/** Bytes of stderr kept for a message. */
const STDERR_LIMIT = 16 << 10

interface RunResult {
  readonly code: number | null
  readonly stdout: Buffer
  readonly stderr: string
}

/** Runs rsync, killed when `signal` aborts. */
export function runRsync(args: readonly string[], signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('rsync', args, { stdio: ['ignore', 'pipe', 'pipe'], signal })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < STDERR_LIMIT) err += b.toString('utf8')
    })
    child.on('error', (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new ArcaError('unavailable', 'rsync is not installed (needed for rsync:// CVS origins)')
          : e,
      ),
    )
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err.trim() }))
  })
}

/** The rsync URL of the CVS root (with a trailing `/`, so that its entries are listed). */
export function rsyncRootUrl(src: CvsSource): string {
  const host = src.host!.includes(':') ? `[${src.host}]` : src.host!
  const port = src.port === undefined ? '' : `:${src.port}`
  const user = src.user ? `${encodeURIComponent(src.user)}@` : ''
  return `rsync://${user}${host}${port}${src.root.split('/').map(encodeURIComponent).join('/')}/`
}

/** Brings `CVSROOT` and the module of `src` into `localRoot`. */
export async function rsyncModule(
  src: CvsSource,
  localRoot: string,
  ctx: LoadContext,
  stallTimeoutMs: number,
): Promise<void> {
  const url = rsyncRootUrl(src)
  const seconds = Math.max(1, Math.ceil(stallTimeoutMs / 1000))
  const timeouts = [`--timeout=${seconds}`, `--contimeout=${seconds}`]
  const list = await runRsync([...timeouts, url], ctx.signal)
  if (list.code !== 0) {
    if (/No such file or directory|Unknown module/i.test(list.stderr))
      throw new NotFoundError(`CVS repository not found at ${src.origin}`)
    throw new ArcaError('unavailable', `rsync could not list ${src.origin}: ${list.stderr}`)
  }
  const names = new Set(
    list.stdout
      .toString('latin1')
      .split('\n')
      .map((l) => l.replace(/^\S+\s+\S+\s+\S+\s+\S+\s+/, '')),
  )
  if (!names.has(Buffer.from(src.module).toString('latin1')))
    throw new NotFoundError(`CVS module ${src.module} not found at ${src.origin}`)
  if (!names.has('CVSROOT')) throw new NotFoundError(`No CVSROOT directory found at ${src.origin}`)
  for (const d of ['CVSROOT', src.module]) {
    const target = join(localRoot, d)
    mkdirSync(target, { recursive: true })
    const r = await runRsync(
      ['-az', ...timeouts, '--', `${url}${encodeURIComponent(d)}/`, `${target}/`],
      ctx.signal,
    )
    if (r.code !== 0)
      throw new ArcaError('unavailable', `rsync could not copy ${d} of ${src.origin}: ${r.stderr}`)
  }
  ctx.report('fetch', { objects: 2 })
}
