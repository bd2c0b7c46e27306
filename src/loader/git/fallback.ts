/**
 * Fetching from servers that only speak git protocol version 0: the git binary fetches every ref
 * into the scratch repository (without telling the server what the archive holds; the storage
 * filter layer then skips what is already stored; refs left out of snapshots are not fetched),
 * and `git ls-remote` gives the refs.
 *
 * @module
 */

import { spawn } from 'node:child_process'
import { once } from 'node:events'

import { gitEnv, IGNORED_REFSPECS } from '../../fromdisk/index.js'
import { gitFetchArgs } from '../origin-url.js'
import { classifyRemoteMessage, type RemoteRef } from './protocol.js'

async function git(
  repo: string,
  args: string[],
  signal?: AbortSignal,
  env: Record<string, string> = {},
): Promise<Buffer> {
  const proc = spawn('git', ['-c', 'core.fsmonitor=false', '-C', repo, ...args], {
    env: {
      ...gitEnv(repo),
      GIT_TERMINAL_PROMPT: '0',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(signal ? { signal } : {}),
  })
  const out: Buffer[] = []
  let err = ''
  proc.stdout.on('data', (d: Buffer) => out.push(d))
  proc.stderr.on('data', (d: Buffer) => {
    if (err.length < 8192) err += d.toString()
  })
  const [code] = (await once(proc, 'exit')) as [number | null]
  if (code !== 0) throw classifyRemoteMessage(err.trim() || `git ${args[0]} exited with ${code}`)
  return Buffer.concat(out)
}

/** Fetches every ref of `url` into the bare repository `scratch`; returns the remote's refs. */
export async function fallbackFetch(
  url: string,
  scratch: string,
  signal?: AbortSignal,
): Promise<RemoteRef[]> {
  await git(scratch, ['init', '--bare', '-q', '.'], signal)
  // Credentials travel in the environment, not on the command line.
  const remote = gitFetchArgs(url)
  const listing = await git(scratch, ['ls-remote', '--symref', remote.url], signal, remote.env)
  const refs: RemoteRef[] = []
  const symrefs = new Map<string, Buffer>()
  for (const line of listing.toString('latin1').split('\n')) {
    if (!line) continue
    const tab = line.indexOf('\t')
    const left = line.slice(0, tab)
    const name = line.slice(tab + 1)
    if (left.startsWith('ref: ')) symrefs.set(name, Buffer.from(left.slice(5), 'latin1'))
    else if (!name.endsWith('^{}'))
      refs.push({ name: Buffer.from(name, 'latin1'), oid: left, symref: null })
  }
  const withSymrefs = refs.map((r) => {
    const t = symrefs.get(r.name.toString('latin1'))
    return t ? { ...r, symref: t } : r
  })
  await git(
    scratch,
    [
      'fetch',
      '--no-tags',
      '--no-write-fetch-head',
      '-q',
      remote.url,
      '+refs/*:refs/*',
      ...IGNORED_REFSPECS,
    ],
    signal,
    remote.env,
  )
  return withSymrefs
}
