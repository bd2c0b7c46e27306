/**
 * A Subversion repository as the loader sees it: what `svn info` says of the origin URL (its
 * repository root, UUID, head revision, the path of the origin inside the repository), a local
 * copy to read (the repository itself for `file://`, else a mirror made in scratch space with
 * `svnrdump dump | svnadmin load`, as Software Heritage does), and the few reads the replay
 * needs besides the dump (a file's text, the properties under a path at a revision).
 *
 * @module
 */

import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

import { NotFoundError } from '../../errors.js'
import { type PinnedUrl, sshPinOptions } from '../../net/index.js'
import { type FileProps, PLAIN } from './text.js'
import { runTool, startTool, ToolError } from './tools.js'

/** Credentials given in the URL; used for the tools, never shown. */
export interface SvnAuth {
  readonly username: string
  readonly password: string
}

/** What `svn info` says of the origin. */
export interface SvnInfo {
  /** The origin's URL as the server spells it. */
  readonly url: string
  /** The repository root URL. */
  readonly root: string
  readonly uuid: string
  /** The repository's youngest revision. */
  readonly head: number
  /** The origin's path inside the repository (bytes, no leading or trailing `/`). */
  readonly subpath: Uint8Array
}

/** Error codes meaning the repository is not there or not readable anonymously. */
const NOT_FOUND_CODES = [
  'E170013', // unable to connect
  'E170000', // no repository at the URL / bad URL
  'E160013', // path not found
  'E200009', // some targets don't exist
  'E215004', // authentication failed
  'E170001', // authorization failed
  'E175013', // access forbidden
  'E000111', // connection refused
  'E670008', // unknown host
  'E731001', // unknown host
  'E125002', // bad URL
]

/**
 * Options sending every HTTP(S) connection of `svn` / `svnrdump` through `proxy` (the load's
 * egress proxy), with no exception; none without one.
 */
export function proxyArgs(proxy: string | null): string[] {
  if (proxy === null) return []
  const u = new URL(proxy)
  return [
    '--config-option',
    `servers:global:http-proxy-host=${u.hostname}`,
    '--config-option',
    `servers:global:http-proxy-port=${u.port}`,
    '--config-option',
    'servers:global:http-proxy-exceptions=',
  ]
}

function authArgs(auth: SvnAuth | null): string[] {
  // The password goes through stdin, never on a command line (visible to every user in `ps`).
  return auth ? ['--username', auth.username, '--password-from-stdin', '--no-auth-cache'] : []
}

/** What the tools read on stdin for {@link authArgs}: the password, or nothing. */
function authStdin(auth: SvnAuth | null): { stdin?: NodeJS.ReadableStream } {
  return auth ? { stdin: Readable.from([`${auth.password}\n`]) } : {}
}

/** The text of an XML attribute or element as svn writes it (entities decoded). */
export function xmlText(s: string): string {
  return s.replace(/&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e === 'amp') return '&'
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'quot') return '"'
    if (e === 'apos') return "'"
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
  })
}

/** The bytes of a URL's percent-encoded path. */
export function urlPathBytes(s: string): Uint8Array {
  const out: number[] = []
  const raw = Buffer.from(s, 'utf8')
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (
      c === 0x25 &&
      i + 2 < raw.length &&
      /^[0-9a-fA-F]{2}$/.test(raw.subarray(i + 1, i + 3).toString('latin1'))
    ) {
      out.push(parseInt(raw.subarray(i + 1, i + 3).toString('latin1'), 16))
      i += 2
    } else out.push(c)
  }
  return Uint8Array.from(out)
}

function trimSlashes(b: Uint8Array): Uint8Array {
  let s = 0
  let e = b.length
  while (s < e && b[s] === 0x2f) s++
  while (e > s && b[e - 1] === 0x2f) e--
  return b.subarray(s, e)
}

/** `svn info` of `url`; a NotFoundError when there is no readable repository there. */
export async function svnInfo(url: string, access: SvnAccess): Promise<SvnInfo> {
  let xml: string
  try {
    xml = (
      await runTool('svn', ['info', '--xml', ...toolArgs(access), '--', url], toolOpts(access))
    ).toString('utf8')
  } catch (e) {
    if (e instanceof ToolError && NOT_FOUND_CODES.some((c) => e.stderr.includes(c)))
      throw new NotFoundError(
        `no Subversion repository readable at ${url}: ${firstError(e.stderr)}`,
      )
    throw e
  }
  const field = (re: RegExp, what: string): string => {
    const m = re.exec(xml)
    if (!m) throw new NotFoundError(`svn info of ${url} gave no ${what}`)
    return xmlText(m[1]!)
  }
  const entryUrl = field(/<url>([^<]*)<\/url>/, 'URL')
  const root = field(/<root>([^<]*)<\/root>/, 'repository root')
  const uuid = field(/<uuid>([^<]*)<\/uuid>/, 'UUID')
  const head = Number(field(/<entry[^>]*\brevision="(\d+)"/, 'revision'))
  const rel = entryUrl.startsWith(root) ? entryUrl.slice(root.length) : ''
  return { url: entryUrl, root, uuid, head, subpath: trimSlashes(urlPathBytes(rel)) }
}

function firstError(stderr: string): string {
  return (
    stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /E\d{6}/.test(l))
      .pop() ?? stderr.trim()
  )
}

/** The local repository to read: the origin's own (`file://`), or a mirror made in `scratch`. */
export async function localRepository(
  info: SvnInfo,
  scratch: string,
  access: SvnAccess,
): Promise<string> {
  const signal = access.signal
  if (info.root.startsWith('file://')) return fileURLToPath(info.root)
  const dir = join(scratch, 'mirror')
  await runTool('svnadmin', ['create', dir], signal ? { signal } : {})
  const dump = startTool(
    'svnrdump',
    ['dump', '-q', ...toolArgs(access), '-r', `0:${info.head}`, '--', info.root],
    toolOpts(access),
  )
  const load = startTool(
    'svnadmin',
    ['load', '-q', '--bypass-prop-validation', '--no-flush-to-disk', dir],
    { ...(signal ? { signal } : {}), stdin: dump.child.stdout! },
  )
  await Promise.all([dump.done, load.done])
  return dir
}

/** The stored text of the file at `path` in revision `rev`. */
export async function catFile(
  repo: string,
  rev: number,
  path: Uint8Array,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return runTool(
    'svnlook',
    ['cat', '-r', String(rev), repo, '--', Buffer.from(path).toString('utf8')],
    signal ? { signal } : {},
  )
}

/** How the tools reach a repository: credentials and the egress proxy. */
export interface SvnAccess {
  readonly auth: SvnAuth | null
  readonly proxy: string | null
  /**
   * The command `svn+ssh://` URLs are opened with (svn's `tunnels` `ssh`), e.g. ssh held to a
   * pinned address with the host key checked by name; svn's default when absent.
   */
  readonly tunnel?: string | null
  readonly signal?: AbortSignal | undefined
}

const LOCAL: SvnAccess = { auth: null, proxy: null }

/**
 * `url` as the tools are to open it, with the access that reaches it: over `svn://` and
 * `svn+ssh://`, which the tools connect to by themselves, held to the address `pin` checked
 * (`LoadContext.pinUrl`), ssh then reaching that address under the host's own name; any other
 * scheme (file://, http(s) through the egress proxy) unchanged.
 */
export async function pinnedSvnUrl(
  url: string,
  access: SvnAccess,
  pin: (url: string) => Promise<PinnedUrl>,
): Promise<{ url: string; access: SvnAccess }> {
  if (!/^svn(\+ssh)?:\/\//i.test(url)) return { url, access }
  const pinned = await pin(url)
  if (pinned.address === null || !/^svn\+ssh:/i.test(url)) return { url: pinned.url, access }
  const tunnel = ['ssh', ...sshPinOptions(pinned), '-q', '--'].join(' ')
  return { url: pinned.url, access: { ...access, tunnel } }
}

/** The options giving the tools the credentials and proxy of `a`. */
export function toolArgs(a: SvnAccess): string[] {
  const tunnel = a.tunnel ? ['--config-option', `config:tunnels:ssh=${a.tunnel}`] : []
  return ['--non-interactive', ...authArgs(a.auth), ...proxyArgs(a.proxy), ...tunnel]
}

/** How to run a tool for `a` (the password on stdin, the signal). */
export function toolOpts(a: SvnAccess, utf8 = false): Parameters<typeof runTool>[2] {
  return { ...authStdin(a.auth), ...(a.signal ? { signal: a.signal } : {}), utf8 }
}

/** What {@link propsUnder} reads. */
export interface PropsUnder {
  /** The properties that matter of the files that have some, by path (latin1 of the bytes). */
  readonly files: Map<string, FileProps>
  /** `svn:externals` of the directories that have one, by path (UTF-8). */
  readonly externals: Map<string, Uint8Array>
}

/**
 * The properties that matter of every file under `path` at revision `rev` of the local
 * repository `repo`, and the `svn:externals` of the directories there, keyed by their path
 * from the repository root.
 */
export function filePropsUnder(
  repo: string,
  rev: number,
  path: Uint8Array,
  signal?: AbortSignal,
): Promise<PropsUnder> {
  return propsUnder(repoUrl(repo), rev, path, { ...LOCAL, signal })
}

/** {@link filePropsUnder} of the repository at `rootUrl` (local or remote). */
export async function propsUnder(
  rootUrl: string,
  rev: number,
  path: Uint8Array,
  access: SvnAccess,
): Promise<PropsUnder> {
  const base = rootUrl.replace(/\/+$/, '')
  const url = `${path.length === 0 ? base : `${base}/${encodePath(path)}`}@${rev}`
  const xml = (
    await runTool(
      'svn',
      ['proplist', '-R', '-v', '--xml', ...toolArgs(access), url],
      toolOpts(access),
    )
  ).toString('utf8')
  const rootBytes = urlPathBytes(base)
  const out = new Map<string, FileProps>()
  const externals = new Map<string, Uint8Array>()
  for (const m of xml.matchAll(/<target\s+path="([^"]*)">([\s\S]*?)<\/target>/g)) {
    const props = propsOfXml(m[2]!)
    const full = urlPathBytes(xmlText(m[1]!))
    const rel = trimSlashes(full.subarray(rootBytes.length))
    const ext = props.get('svn:externals')
    if (ext !== undefined) externals.set(Buffer.from(rel).toString('utf8'), ext)
    const text = (k: string): string | undefined => {
      const v = props.get(k)
      return v === undefined ? undefined : Buffer.from(v).toString('utf8')
    }
    const fp: FileProps = {
      eol: text('svn:eol-style')?.trim() ?? null,
      special: props.has('svn:special'),
      executable: props.has('svn:executable'),
    }
    if (fp.eol === PLAIN.eol && !fp.special && !fp.executable) continue
    out.set(Buffer.from(rel).toString('latin1'), fp)
  }
  return { files: out, externals }
}

/** The `<property>` elements of svn's XML output, values raw (base64 ones decoded). */
function propsOfXml(xml: string): Map<string, Uint8Array> {
  const props = new Map<string, Uint8Array>()
  for (const p of xml.matchAll(
    /<property\s+name="([^"]*)"(\s+encoding="base64")?\s*>([\s\S]*?)<\/property>/g,
  ))
    props.set(
      xmlText(p[1]!),
      p[2] ? Buffer.from(p[3]!, 'base64') : Buffer.from(xmlText(p[3]!), 'utf8'),
    )
  return props
}

/** Every property of the node at `url` in revision `rev`. */
export async function nodeProps(
  url: string,
  rev: number,
  access: SvnAccess,
): Promise<Map<string, Uint8Array>> {
  const xml = await runTool(
    'svn',
    ['proplist', '-v', '--xml', ...toolArgs(access), `${url}@${rev}`],
    toolOpts(access),
  )
  return propsOfXml(xml.toString('utf8'))
}

/** The stored text of the file at `url` in revision `rev` (keywords not expanded). */
export function svnCat(url: string, rev: number, access: SvnAccess): Promise<Buffer> {
  return runTool(
    'svn',
    ['cat', '--ignore-keywords', ...toolArgs(access), `${url}@${rev}`],
    toolOpts(access),
  )
}

/** The revision properties (`svn:author`, `svn:date`, `svn:log`, …) of `rev`. */
export async function revisionProps(
  rootUrl: string,
  rev: number,
  access: SvnAccess,
): Promise<Map<string, Uint8Array>> {
  const xml = await runTool(
    'svn',
    ['proplist', '--revprop', '-v', '--xml', '-r', String(rev), ...toolArgs(access), rootUrl],
    toolOpts(access),
  )
  return propsOfXml(xml.toString('utf8'))
}

/**
 * `svn export --ignore-keywords` of the repository at `rootUrl` at revision `rev` into `dest`
 * (with its externals unless `ignoreExternals`); an external that cannot be exported leaves
 * the rest (as the svn library does; the command line says E205011).
 */
export async function exportRevision(
  rootUrl: string,
  rev: number,
  dest: string,
  ignoreExternals: boolean,
  access: SvnAccess,
): Promise<void> {
  const args = ['export', '-q', '--ignore-keywords', ...toolArgs(access), '-r', String(rev)]
  if (ignoreExternals) args.push('--ignore-externals')
  try {
    await runTool('svn', [...args, '--', `${rootUrl}@${rev}`, dest], toolOpts(access, true))
  } catch (e) {
    if (!(e instanceof ToolError && e.stderr.includes('E205011'))) throw e
  }
}

/** `file://` URL of a local repository path. */
export function repoUrl(repo: string): string {
  return `file://${encodePath(Buffer.from(repo, 'utf8'))}`
}

/** A path's bytes percent-encoded for a URL. */
export function encodePath(path: Uint8Array): string {
  let s = ''
  for (const c of path)
    s +=
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      '/-._~'.includes(String.fromCharCode(c))
        ? String.fromCharCode(c)
        : `%${c.toString(16).toUpperCase().padStart(2, '0')}`
  return s
}
