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

import { ForbiddenError } from '../../errors.js'
import { gitEnv, IGNORED_REFSPECS } from '../../fromdisk/index.js'
import {
  type NetPolicy,
  parseAddress,
  pinUrl,
  sshPinOptions,
  urlHost,
  withUrlHost,
} from '../../net/index.js'
import { gitFetchArgs } from '../origin-url.js'
import { classifyRemoteMessage, type RemoteRef } from './protocol.js'

/** How the git binary is run: its URL, its configuration and its environment. */
interface GitRemote {
  readonly url: string
  readonly config: readonly string[]
  readonly env: Record<string, string>
}

async function git(
  repo: string,
  args: string[],
  signal?: AbortSignal,
  remote: Omit<GitRemote, 'url'> = { config: [], env: {} },
): Promise<Buffer> {
  const config = ['-c', 'core.fsmonitor=false', ...remote.config]
  const proc = spawn('git', [...config, '-C', repo, ...args], {
    env: {
      ...gitEnv(repo),
      GIT_TERMINAL_PROMPT: '0',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      ...remote.env,
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

/**
 * The git binary's remote for `url`. Under a policy the URL is checked, and git is held to the
 * checked address: curl is told it (`http.curloptResolve`), git:// and ssh are given it in
 * place of the host (ssh still checks the host key by name); redirects are not followed and
 * only the URL's own protocol is allowed.
 */
async function gitRemote(url: string, network: NetPolicy | undefined): Promise<GitRemote> {
  // Credentials travel in the environment, not on the command line.
  const plain = gitFetchArgs(url)
  if (!network) return { url: plain.url, config: [], env: plain.env }
  const target = urlHost(url)
  const pin = await pinUrl(url, network)
  if ('refused' in target || pin.address === null) throw new ForbiddenError('refused')
  const host = pin.host
  const literal = pin.address.includes(':') ? `[${pin.address}]` : pin.address
  const config = ['-c', 'http.followRedirects=false', '-c', 'protocol.allow=never']
  if (target.scheme === 'http' || target.scheme === 'https') {
    const port = new URL(plain.url).port || (target.scheme === 'https' ? '443' : '80')
    config.push('-c', `protocol.${target.scheme}.allow=always`)
    if (parseAddress(host) === null)
      config.push('-c', `http.curloptResolve=${host}:${port}:${literal}`)
    return { url: plain.url, config, env: plain.env }
  }
  const pinned = withUrlHost(plain.url, literal)
  if (target.scheme === 'git') {
    config.push('-c', 'protocol.git.allow=always')
    return { url: pinned, config, env: plain.env }
  }
  config.push('-c', 'protocol.ssh.allow=always')
  const alias = ['ssh', ...sshPinOptions(pin)].join(' ')
  return { url: pinned, config, env: { ...plain.env, GIT_SSH_COMMAND: alias } }
}

/**
 * Fetches every ref of `url` into the bare repository `scratch`; returns the remote's refs.
 * Under a network policy, git connects only to the checked address (see {@link gitRemote}).
 */
export async function fallbackFetch(
  url: string,
  scratch: string,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<RemoteRef[]> {
  await git(scratch, ['init', '--bare', '-q', '.'], signal)
  const remote = await gitRemote(url, network)
  const listing = await git(scratch, ['ls-remote', '--symref', remote.url], signal, remote)
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
    remote,
  )
  return withSymrefs
}
