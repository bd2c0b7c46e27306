/**
 * Running Mercurial for the hg loader: `hg clone` of the remote into scratch space, and Arca's
 * reader (`libexec/hg-read.py`) under the Python interpreter of the installed `hg`. Every run
 * gets the environment Software Heritage's loader gives Mercurial — no user or repository
 * configuration (`HGRCPATH` is the load's own file, `HGRCSKIPREPO`), plain output (`HGPLAIN`) —
 * plus `HGENCODING=UTF-8`, so the texts Mercurial decodes do not depend on the machine's locale.
 * Credentials go into that configuration file (mode 600, in scratch space), never on a command
 * line; the ssh command is `ARCA_HG_SSH` when set; an HTTP(S) server silent for the stall
 * timeout is given up.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { InvalidInputError, IoError, NotFoundError } from '../../errors.js'
import { startChild } from '../core/child.js'
import type { RemoteUrl } from '../origin-url.js'

/** Arca's reader of Mercurial repositories. */
export const HG_READER = fileURLToPath(new URL('../../../libexec/hg-read.py', import.meta.url))

let python: string[] | null = null

/** The interpreter of the `hg` on PATH (its `#!` line), which has Mercurial's library. */
export function hgPython(): string[] {
  if (python) return python
  python = ['python3']
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const hg = join(dir, 'hg')
    if (dir === '' || !existsSync(hg)) continue
    try {
      const first = readFileSync(hg, 'latin1').split('\n', 1)[0] ?? ''
      if (first.startsWith('#!')) python = first.slice(2).trim().split(/\s+/)
    } catch {
      // not readable: keep python3
    }
    break
  }
  return python
}

/** The environment of every Mercurial run of a load. */
export function hgEnv(hgrc: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    HGPLAIN: '1',
    HGRCPATH: hgrc,
    HGRCSKIPREPO: '1',
    HGENCODING: 'UTF-8',
    LANG: 'C.UTF-8',
  }
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'SSH_AUTH_SOCK'])
    if (process.env[k] !== undefined) env[k] = process.env[k]
  return env
}

/** Where to fetch from, and the configuration file (with the credentials) of the load. */
export interface HgSource {
  /** What `hg clone` is given: a local path or a URL without password. */
  readonly source: string
  readonly hgrc: string
}

function configValue(v: string): string {
  if (/[\r\n]/.test(v)) throw new InvalidInputError('credentials in the URL contain a line break')
  return v
}

/**
 * Writes the load's hgrc in `dir` and says what to clone. An HTTP(S) server that sends nothing
 * for `stallSeconds` is given up (Mercurial's `http.timeout`, a socket timeout). With `proxy`
 * (the load's egress proxy, `http://127.0.0.1:PORT`), every HTTP(S) connection goes through it,
 * loopback addresses included (`http_proxy.always`), so that redirects are checked too;
 * `sshOptions` are added to the ssh command (for a URL pinned to its checked address).
 */
export function prepareSource(
  remote: RemoteUrl,
  dir: string,
  stallSeconds: number,
  proxy: string | null = null,
  sshOptions: readonly string[] = [],
): HgSource {
  const ssh = [process.env['ARCA_HG_SSH'] ?? 'ssh', ...sshOptions].join(' ')
  const lines = [
    '[ui]',
    'interactive = false',
    `ssh = ${ssh}`,
    '[http]',
    `timeout = ${stallSeconds}`,
  ]
  if (proxy !== null)
    lines.push('[http_proxy]', `host = ${new URL(proxy).host}`, 'always = True', 'no =')
  let source = remote.fetchUrl
  if (/^https?:\/\//i.test(source)) {
    const u = new URL(source)
    if (u.username !== '' || u.password !== '') {
      lines.push(
        '[auth]',
        'arca.prefix = *',
        'arca.schemes = http https',
        `arca.username = ${configValue(decodeURIComponent(u.username))}`,
      )
      if (u.password !== '')
        lines.push(`arca.password = ${configValue(decodeURIComponent(u.password))}`)
      u.username = ''
      u.password = ''
      source = u.href
    }
  } else if (/^ssh:\/\//i.test(source)) {
    const u = new URL(source)
    u.password = ''
    source = u.href
  } else if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source)) {
    if (!existsSync(join(source, '.hg')))
      throw new NotFoundError(`no Mercurial repository at ${remote.originUrl}`)
  }
  const hgrc = join(dir, 'hgrc')
  writeFileSync(hgrc, lines.join('\n') + '\n', { mode: 0o600 })
  return { source, hgrc }
}

/** What hg says when the repository is not there, or not readable without credentials. */
const NOT_FOUND =
  /not found|HTTP Error 40[134]|authorization (failed|required)|does not appear to be an hg repository|no suitable response from remote hg|repository .* does not exist|Name or service not known|Connection refused|No such file or directory|Permission denied|unknown revision/i

/**
 * Clones `src` into `dest` (no working copy). A repository that is not there or needs
 * credentials is a NotFoundError with hg's message; another failure an IoError.
 */
export async function hgClone(src: HgSource, dest: string, signal?: AbortSignal): Promise<void> {
  const child = startChild('hg', ['clone', '--noupdate', '--', src.source, dest], {
    env: hgEnv(src.hgrc),
    signal,
  })
  const exit = await child.exited
  signal?.throwIfAborted()
  if (exit.error) throw new IoError(`could not run hg: ${exit.error.message}`)
  if (exit.code === 0) return
  const said = child.stderr().replace(/^abort: /gm, '') || `hg clone exited with ${exit.code}`
  if (NOT_FOUND.test(said)) throw new NotFoundError(`Mercurial repository not found: ${said}`)
  throw new IoError(`hg clone failed: ${said}`)
}

/** Bytes of the files under `dir`. */
export function treeBytes(dir: string): number {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += treeBytes(p)
    else if (e.isFile()) total += statSync(p).size
  }
  return total
}
