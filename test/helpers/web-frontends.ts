/**
 * The real web front-ends of git and Mercurial on loopback, for the listers' tests: cgit and
 * gitweb (Debian's packages) run as CGI by lighttpd, and `hg serve --web-conf` (hgweb). Each
 * is configured here for a directory of repositories; clone URLs it advertises are given by the
 * test. In CI a missing program fails the test (no skip).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { freePort, type GitServer } from './git-servers.js'
import { hgTestEnv } from './hg-repos.js'

export const CGIT_CGI = '/usr/lib/cgit/cgit.cgi'
export const GITWEB_CGI = '/usr/share/gitweb/gitweb.cgi'

/** Whether lighttpd and `cgi` exist (both needed for cgit/gitweb tests). */
export function haveCgi(cgi: string): boolean {
  return existsSync(cgi) && ['/usr/sbin/lighttpd', '/usr/bin/lighttpd'].some((p) => existsSync(p))
}

async function waitHttp(url: string, proc: ChildProcess, what: string): Promise<void> {
  let exited = false
  proc.once('exit', () => (exited = true))
  for (let i = 0; i < 400 && !exited; i++) {
    try {
      const r = await fetch(url)
      await r.arrayBuffer()
      if (r.status < 500) return
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  proc.kill()
  throw new Error(`${what} did not start`)
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
}

/** lighttpd on 127.0.0.1 running `cgi` at `mount` (PATH_INFO after it), with `env`. */
async function startLighttpd(
  dir: string,
  cgi: string,
  mount: string,
  env: Record<string, string>,
): Promise<GitServer> {
  const port = await freePort()
  const conf = join(dir, 'lighttpd.conf')
  const envList = Object.entries(env)
    .map(([k, v]) => `"${k}" => "${v}"`)
    .join(', ')
  writeFileSync(
    conf,
    [
      `server.document-root = "${dir}"`,
      `server.port = ${port}`,
      'server.bind = "127.0.0.1"',
      'server.modules = ("mod_cgi", "mod_alias", "mod_setenv")',
      `server.errorlog = "${join(dir, 'lighttpd-error.log')}"`,
      `setenv.add-environment = (${envList})`,
      `alias.url = ("${mount}" => "${cgi}")`,
      'cgi.assign = ("" => "")',
      '',
    ].join('\n'),
  )
  const proc = spawn('lighttpd', ['-D', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  const url = `http://127.0.0.1:${port}${mount}/`
  await waitHttp(url, proc, 'lighttpd')
  return { url, stop: stopper(proc) }
}

/**
 * cgit over every repository under `repos`, `perPage` repositories an index page, each
 * advertising `cloneBase` + its path as clone URL. Its URL is the index (`…/cgit/`).
 */
export async function startCgit(
  dir: string,
  repos: string,
  opts: { perPage: number; cloneBase: string },
): Promise<GitServer> {
  const rc = join(dir, 'cgitrc')
  writeFileSync(
    rc,
    [
      'cache-size=0',
      `max-repo-count=${opts.perPage}`,
      `clone-url=${opts.cloneBase}/$CGIT_REPO_URL`,
      'virtual-root=/cgit/',
      `scan-path=${repos}`,
      '',
    ].join('\n'),
  )
  return startLighttpd(dir, CGIT_CGI, '/cgit', { CGIT_CONFIG: rc })
}

/** gitweb over every repository under `repos`, advertising `BASE/NAME` for each base. */
export async function startGitweb(
  dir: string,
  repos: string,
  opts: { cloneBase: readonly string[] },
): Promise<GitServer> {
  const conf = join(dir, 'gitweb.conf')
  writeFileSync(
    conf,
    [
      `our $projectroot = "${repos}";`,
      `our @git_base_url_list = (${opts.cloneBase.map((b) => `"${b}"`).join(', ')});`,
      '',
    ].join('\n'),
  )
  return startLighttpd(dir, GITWEB_CGI, '/gitweb', { GITWEB_CONFIG: conf })
}

/**
 * A templates directory for hgweb holding every style of the installed Mercurial but `json`
 * (links to them), as an hgweb whose JSON style is unavailable: `?style=json` then falls back
 * to the default style, as on a Mercurial older than 3.4.
 */
function templatesWithoutJson(dir: string): string {
  const installed = (
    JSON.parse(execFileSync('hg', ['debuginstall', '-Tjson'], { env: hgTestEnv() }).toString()) as {
      templatedirs: string
    }[]
  )[0]!.templatedirs
  const out = join(dir, 'templates-without-json')
  mkdirSync(out, { recursive: true })
  for (const name of readdirSync(installed))
    if (name !== 'json' && !existsSync(join(out, name)))
      symlinkSync(join(installed, name), join(out, name))
  return out
}

/**
 * `hg serve --web-conf` publishing every repository under `repos` (`[paths] / = repos/**`):
 * hgweb's index at the root, each repository at `/NAME/` (also its clone URL); with `collapse`,
 * repositories in sub-directories are behind directory entries (`team/`); with `noJson`, the
 * JSON style is not installed (`[web] templates` without it) and `style` is the default style.
 * The repositories are scanned again on every request (a repository added is listed at once).
 */
export async function startHgweb(
  dir: string,
  repos: string,
  opts: { collapse?: boolean; noJson?: boolean; style?: string } = {},
): Promise<GitServer> {
  const port = await freePort()
  const conf = join(dir, 'hgweb.conf')
  const collapse = opts.collapse ? 'collapse = True\n' : ''
  const templates = opts.noJson ? `templates = ${templatesWithoutJson(dir)}\n` : ''
  const style = opts.style ? `style = ${opts.style}\n` : ''
  writeFileSync(
    conf,
    `[paths]\n/ = ${repos}/**\n[web]\nallow-pull = true\nrefreshinterval = 0\n${collapse}${templates}${style}`,
  )
  const proc = spawn('hg', ['serve', '--web-conf', conf, '-a', '127.0.0.1', '-p', String(port)], {
    env: hgTestEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const url = `http://127.0.0.1:${port}/`
  await waitHttp(url, proc, 'hg serve')
  return { url, stop: stopper(proc) }
}
