/**
 * Subversion for loader tests: repositories made with the real tools, `svnserve` on loopback,
 * and expectations independent of Arca: a directory's id is what git computes of the files
 * `svn export --ignore-keywords` writes (`git hash-object` for each file and link, `git mktree`
 * for each directory, empty ones included), a revision's id is `git hash-object -t commit` of a
 * manifest written here by hand after Software Heritage's conventions.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { freePort, type GitServer } from './git-servers.js'
import { requireService, tcpReachable } from './services.js'

/** Runs an svn tool; its stdout. */
export function svnTool(
  cmd: string,
  args: readonly string[],
  cwd?: string,
  input?: Buffer,
): Buffer {
  return execFileSync(cmd, [...args], {
    cwd,
    input,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** A scratch git dir to hash objects into. */
function hashing<T>(f: (git: (args: string[], input?: Buffer) => string, gitDir: string) => T): T {
  const gitDir = mkdtempSync(join(tmpdir(), 'arca-svn-git-'))
  try {
    execFileSync('git', ['init', '-q', '--bare', gitDir])
    const git = (args: string[], input?: Buffer): string =>
      execFileSync('git', ['--git-dir', gitDir, ...args], { input })
        .toString('latin1')
        .trim()
    return f(git, gitDir)
  } finally {
    rmSync(gitDir, { recursive: true, force: true })
  }
}

/** git's tree id of the directory `dir` (empty directories included). */
export function gitTreeOfDir(dir: string): string {
  return hashing((git, gitDir) => {
    // Every blob in one `git hash-object --stdin-paths` (link targets through scratch files),
    // then one `git mktree` per directory.
    interface Entry {
      name: Buffer
      mode: string
      blob?: number
      dir?: Entry[]
    }
    const paths: Buffer[] = []
    const walk = (path: Buffer): Entry[] =>
      readdirSync(path, { encoding: 'buffer' }).map((name): Entry => {
        const full = Buffer.concat([path, Buffer.from('/'), name])
        const st = lstatSync(full)
        if (st.isDirectory()) return { name, mode: '040000', dir: walk(full) }
        if (st.isSymbolicLink()) {
          const tmp = join(gitDir, `link-${paths.length}`)
          writeFileSync(tmp, readlinkSync(full, { encoding: 'buffer' }))
          paths.push(Buffer.from(tmp))
          return { name, mode: '120000', blob: paths.length - 1 }
        }
        paths.push(full)
        return { name, mode: st.mode & 0o111 ? '100755' : '100644', blob: paths.length - 1 }
      })
    const top = walk(Buffer.from(dir))
    const blobs =
      paths.length === 0
        ? []
        : git(
            ['hash-object', '-w', '--no-filters', '--stdin-paths'],
            Buffer.concat(paths.flatMap((p) => [p, Buffer.from('\n')])),
          ).split('\n')
    const tree = (entries: Entry[]): string =>
      git(
        ['mktree', '-z'],
        Buffer.concat(
          entries.map((e) => {
            const id = e.dir ? tree(e.dir) : blobs[e.blob!]!
            const type = e.dir ? 'tree' : 'blob'
            return Buffer.concat([Buffer.from(`${e.mode} ${type} ${id}\t`), e.name, Buffer.of(0)])
          }),
        ),
      )
    return tree(top)
  })
}

/**
 * The directory id Software Heritage gives `url` at revision `rev`: its export, hashed by git.
 * With `externals`, `svn:externals` are exported too (at their revision, or at HEAD now), as
 * SWH's loader puts them in its trees; an external that cannot be exported (svn exits 1, E205011)
 * leaves the rest.
 */
export function exportedTreeId(
  url: string,
  rev: number,
  options: { readonly externals?: boolean } = {},
): string {
  const out = mkdtempSync(join(tmpdir(), 'arca-svn-export-'))
  try {
    const dest = join(out, 'x')
    const args = ['export', '-q', '--ignore-keywords', '-r', String(rev), `${url}@${rev}`, dest]
    if (!options.externals) args.splice(2, 0, '--ignore-externals')
    try {
      svnTool('svn', args)
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? '')
      if (!options.externals || !stderr.includes('E205011') || !existsSync(dest)) throw e
    }
    return gitTreeOfDir(dest)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

/** A revision property of `repo` at `rev`, raw (null when unset). */
export function revprop(repo: string, rev: number, name: string): Buffer | null {
  try {
    return svnTool('svnlook', ['propget', '--revprop', '-r', String(rev), repo, name])
  } catch {
    return null
  }
}

/**
 * The revision id by SWH's conventions, worked by hand: author and committer the svn:author,
 * dates the svn:date in seconds (microseconds as a stripped fraction) at +0000, extra headers
 * svn_repo_uuid and svn_revision, the svn:log as message.
 */
export function expectedRevisionId(
  repo: string,
  rev: number,
  directory: string,
  parents: readonly string[],
): string {
  const uuid = svnTool('svnlook', ['uuid', repo]).toString('latin1').trim()
  const author = revprop(repo, rev, 'svn:author') ?? Buffer.alloc(0)
  const log = revprop(repo, rev, 'svn:log') ?? Buffer.alloc(0)
  const dateText = (revprop(repo, rev, 'svn:date') ?? Buffer.alloc(0)).toString('latin1')
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d{6})Z$/.exec(dateText)!
  const seconds = Date.parse(m[1] + 'Z') / 1000
  const frac = m[2]!.replace(/0+$/, '')
  const date = `${seconds}${frac ? '.' + frac : ''} +0000`
  const manifest = Buffer.concat([
    Buffer.from(`tree ${directory}\n`),
    ...parents.map((p) => Buffer.from(`parent ${p}\n`)),
    Buffer.from('author '),
    author,
    Buffer.from(` ${date}\ncommitter `),
    author,
    Buffer.from(` ${date}\nsvn_repo_uuid ${uuid}\nsvn_revision ${rev}\n\n`),
    log,
  ])
  return hashing((git) => git(['hash-object', '-t', 'commit', '--literally', '--stdin'], manifest))
}

/** Starts `svnserve` serving the repositories under `root` (svn://127.0.0.1:PORT/name). */
export async function startSvnserve(root: string, host = '127.0.0.1'): Promise<GitServer> {
  const port = await freePort()
  const proc: ChildProcess = spawn(
    'svnserve',
    ['-d', '--foreground', '--listen-host', host, '--listen-port', String(port), '-r', root],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const deadline = Date.now() + 10_000
  while (!(await tcpReachable(host, port, 500))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill()
      throw new Error('svnserve did not start')
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url: `svn://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}

const APACHE_MODULES = '/usr/lib/apache2/modules'

/** Whether Apache with mod_dav_svn (Debian's apache2 and libapache2-mod-svn) is installed. */
export function davSvnInstalled(): boolean {
  return existsSync('/usr/sbin/apache2') && existsSync(join(APACHE_MODULES, 'mod_dav_svn.so'))
}

/**
 * Starts Apache with mod_dav_svn on loopback serving the repositories under `root`
 * (http://127.0.0.1:PORT/svn/name), unprivileged, its config and logs in `dir`. Run as root,
 * Apache's children take no user (uid -1), so `root` must be world-readable.
 */
export async function startDavSvn(root: string, dir: string): Promise<GitServer> {
  const port = await freePort()
  const conf = join(dir, 'httpd.conf')
  const m = (name: string): string => `LoadModule ${name}_module ${APACHE_MODULES}/mod_${name}.so`
  writeFileSync(
    conf,
    [
      `ServerRoot ${dir}`,
      m('mpm_event'),
      m('authz_core'),
      m('dav'),
      m('dav_svn'),
      `Listen 127.0.0.1:${port}`,
      `PidFile ${join(dir, 'httpd.pid')}`,
      `ErrorLog ${join(dir, 'error.log')}`,
      'ServerName 127.0.0.1',
      '<Location /svn>',
      '  DAV svn',
      `  SVNParentPath ${root}`,
      '  Require all granted',
      '</Location>',
      '',
    ].join('\n'),
  )
  const proc: ChildProcess = spawn('/usr/sbin/apache2', ['-f', conf, '-DFOREGROUND'], {
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  const deadline = Date.now() + 10_000
  while (!(await tcpReachable('127.0.0.1', port, 500))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill()
      throw new Error(`apache2 did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url: `http://127.0.0.1:${port}/svn`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM') // Apache stops its children before it exits
      }),
  }
}

/**
 * The servers the svn suites load over: svnserve for the repositories under `root/repos`, and
 * Apache with mod_dav_svn when installed (required in CI: see `requireService`), its config in
 * `root/httpd`.
 */
export async function startSvnServers(
  root: string,
): Promise<{ serve: GitServer; dav: GitServer | null }> {
  const serve = await startSvnserve(join(root, 'repos'))
  if (!(await requireService('Apache with mod_dav_svn', () => Promise.resolve(davSvnInstalled()))))
    return { serve, dav: null }
  chmodSync(root, 0o755) // Apache's children, started by root, read as no user
  mkdirSync(join(root, 'httpd'))
  return { serve, dav: await startDavSvn(join(root, 'repos'), join(root, 'httpd')) }
}
