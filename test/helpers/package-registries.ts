/**
 * Real package registries on loopback for the package-loader tests: a Verdaccio (npm's own
 * registry server) published to with the real `npm publish`; a PyPI JSON API (PyPI's documented
 * `/pypi/<name>/json` shape) over sdists made by `python3 setup.py sdist`; a Cargo index as a
 * git repository (`config.json` + one file per crate) with .crate files made by `tar` and a
 * crates.io-shaped `/api/v1/crates/<name>`; a Debian mirror of packages built by `dpkg-source -b`
 * and indexed by `dpkg-scansources`; and a static file server for tarballs and a Nix/Guix
 * sources.json.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

import { freePort } from './git-servers.js'

/** A loopback HTTP server. */
export interface LocalServer {
  readonly base: string
  readonly server: Server
  /** Paths asked, in order. */
  readonly asked: string[]
  close(): Promise<void>
}

/** Serves `handler` on 127.0.0.1, an ephemeral port. */
export async function serveHttp(
  handler: (req: IncomingMessage, res: ServerResponse, u: URL) => void,
): Promise<LocalServer> {
  const asked: string[] = []
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    asked.push(u.pathname)
    handler(req, res, u)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    server,
    asked,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** Serves the files under `root` (404 for anything else). */
export function serveDir(root: string): Promise<LocalServer> {
  return serveHttp((_req, res, u) => {
    try {
      const path = join(root, decodeURIComponent(u.pathname))
      if (!path.startsWith(root) || !statSync(path).isFile()) throw new Error('no')
      res.writeHead(200).end(readFileSync(path))
    } catch {
      res.writeHead(404).end()
    }
  })
}

const sha = (algo: string, b: Buffer): string => createHash(algo).update(b).digest('hex')

// ---------------------------------------------------------------- npm (Verdaccio)

/** A running Verdaccio with a logged-in publisher. */
export interface Verdaccio {
  readonly base: string
  /** `npm publish` of a package whose package.json is `pkg` and files `files`. */
  publish(pkg: Record<string, unknown>, files?: Record<string, string>): void
  stop(): void
}

/** Starts Verdaccio (from node_modules) with its storage under `dir`. */
export async function startVerdaccio(dir: string): Promise<Verdaccio> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      `  htpasswd: { file: ${join(dir, 'htpasswd')}, max_users: 10 }`,
      'uplinks: {}',
      'packages:',
      "  '**': { access: $all, publish: $authenticated }",
      'log: { type: stdout, format: pretty, level: error }',
    ].join('\n'),
  )
  const bin = join(process.cwd(), 'node_modules', '.bin', 'verdaccio')
  const child = spawn(
    bin,
    ['--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      stdio: 'ignore',
    },
  )
  for (let i = 0; ; i++) {
    const up = await fetch(`${base}/-/ping`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (i > 150) throw new Error('Verdaccio did not start')
    await new Promise((r) => setTimeout(r, 200))
  }
  const user = await fetch(`${base}/-/user/org.couchdb.user:tester`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tester', password: 'tester-password-1' }),
  })
  const token = ((await user.json()) as { token: string }).token
  let n = 0
  return {
    base,
    publish(pkg, files = {}) {
      const d = join(dir, 'pkgs', String(n++))
      mkdirSync(d, { recursive: true })
      writeFileSync(join(d, 'package.json'), JSON.stringify(pkg, null, 2))
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(d, name, '..'), { recursive: true })
        writeFileSync(join(d, name), text)
      }
      writeFileSync(join(d, '.npmrc'), `//127.0.0.1:${port}/:_authToken=${token}\n`)
      execFileSync(
        'npm',
        ['publish', '--registry', `${base}/`, '--userconfig', join(d, '.npmrc')],
        {
          cwd: d,
          stdio: 'pipe',
        },
      )
    },
    stop: () => void child.kill(),
  }
}

// ---------------------------------------------------------------- PyPI

/** One sdist of a project. */
export interface Sdist {
  readonly version: string
  readonly path: string
  readonly filename: string
  readonly uploadTime: string
  readonly commentText?: string
  /** Declare a wrong sha256 for it (a registry out of step with its files). */
  readonly wrongDigest?: boolean
}

/** Builds `<name>-<version>.tar.gz` with `python3 setup.py sdist` in `dir`; returns its path. */
export function buildSdist(
  dir: string,
  name: string,
  version: string,
  author: { name: string; email?: string },
): string {
  const src = join(dir, `src-${name}-${version}`)
  mkdirSync(join(src, name), { recursive: true })
  writeFileSync(join(src, name, '__init__.py'), `VERSION = ${JSON.stringify(version)}\n`)
  writeFileSync(
    join(src, 'setup.py'),
    [
      'from setuptools import setup',
      `setup(name=${JSON.stringify(name)}, version=${JSON.stringify(version)},`,
      `      author=${JSON.stringify(author.name)},`,
      author.email ? `      author_email=${JSON.stringify(author.email)},` : '',
      `      packages=[${JSON.stringify(name)}])`,
      '',
    ].join('\n'),
  )
  execFileSync('python3', ['setup.py', '-q', 'sdist', '--formats=gztar', '--dist-dir', dir], {
    cwd: src,
    stdio: 'pipe',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', SOURCE_DATE_EPOCH: '1700000000' },
  })
  return join(dir, `${name}-${version}.tar.gz`)
}

/** A PyPI JSON API (`/pypi/<name>/json`) and file server over the projects given. */
export function servePypi(projects: Map<string, Sdist[]>): Promise<LocalServer> {
  let base = ''
  const p = serveHttp((_req, res, u) => {
    const m = /^\/pypi\/([^/]+)\/json$/.exec(u.pathname)
    if (m) {
      const files = projects.get(m[1]!)
      if (!files) return void res.writeHead(404).end('{"message": "Not Found"}')
      const releases: Record<string, unknown[]> = {}
      for (const f of files) {
        const bytes = readFileSync(f.path)
        const entry = (packagetype: string, filename: string) => ({
          comment_text: f.commentText ?? '',
          digests: {
            md5: sha('md5', bytes),
            sha256: f.wrongDigest ? '0'.repeat(64) : sha('sha256', bytes),
          },
          filename,
          packagetype,
          python_version: 'source',
          size: bytes.length,
          upload_time: f.uploadTime,
          upload_time_iso_8601: `${f.uploadTime}.000000Z`,
          url: `${base}/packages/${filename}`,
          yanked: false,
        })
        ;(releases[f.version] ??= []).push(
          entry('sdist', f.filename),
          // a wheel beside it, which the loader must leave out
          entry('bdist_wheel', f.filename.replace(/\.tar\.gz$/, '-py3-none-any.whl')),
        )
      }
      const last = files[files.length - 1]!
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ info: { name: m[1], version: last.version }, releases }))
    }
    const f = /^\/packages\/(.+)$/.exec(u.pathname)
    const file = f ? [...projects.values()].flat().find((s) => s.filename === f[1]) : undefined
    if (!file) return void res.writeHead(404).end()
    res.writeHead(200).end(readFileSync(file.path))
  })
  return p.then((s) => {
    base = s.base
    return s
  })
}

// ---------------------------------------------------------------- crates

/** One published crate version. */
export interface CrateVersion {
  readonly name: string
  readonly version: string
  readonly path: string
  readonly updatedAt: string
}

/** Makes `<name>-<version>.crate` with `tar` (a gzip tar of `<name>-<version>/`). */
export function buildCrate(dir: string, name: string, version: string, authors: string[]): string {
  const top = `${name}-${version}`
  const src = join(dir, 'crate-src', top)
  mkdirSync(join(src, 'src'), { recursive: true })
  writeFileSync(
    join(src, 'Cargo.toml'),
    `[package]\nname = "${name}"\nversion = "${version}"\nauthors = [${authors.map((a) => JSON.stringify(a)).join(', ')}]\nedition = "2021"\n`,
  )
  writeFileSync(join(src, 'src', 'lib.rs'), `pub const VERSION: &str = "${version}";\n`)
  const out = join(dir, `${top}.crate`)
  execFileSync('tar', ['-czf', out, '-C', join(dir, 'crate-src'), top])
  return out
}

/**
 * A crates registry: the index as a git repository under `dir/index` (config.json `dl` → this
 * server's `/crates/{crate}/{crate}-{version}.crate`), and the Web API `/api/v1/crates/<name>`.
 */
export async function serveCrates(
  dir: string,
  crates: readonly CrateVersion[],
): Promise<LocalServer & { index: string }> {
  const s = await serveHttp((_req, res, u) => {
    const api = /^\/api\/v1\/crates\/([^/]+)$/.exec(u.pathname)
    if (api) {
      const vs = crates.filter((c) => c.name === api[1])
      if (vs.length === 0) return void res.writeHead(404).end('{"errors":[]}')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          crate: { id: api[1], name: api[1] },
          versions: vs.map((v, i) => ({
            id: i + 1,
            crate: v.name,
            num: v.version,
            updated_at: v.updatedAt,
            yanked: false,
          })),
        }),
      )
    }
    const dl = /^\/crates\/([^/]+)\/([^/]+)$/.exec(u.pathname)
    const c = dl ? crates.find((v) => `${v.name}-${v.version}.crate` === dl[2]) : undefined
    if (!c) return void res.writeHead(404).end()
    res.writeHead(200).end(readFileSync(c.path))
  })
  const index = join(dir, 'index')
  mkdirSync(index, { recursive: true })
  writeFileSync(
    join(index, 'config.json'),
    JSON.stringify({ dl: `${s.base}/crates/{crate}/{crate}-{version}.crate`, api: s.base }),
  )
  const byName = new Map<string, CrateVersion[]>()
  for (const c of crates) byName.set(c.name, [...(byName.get(c.name) ?? []), c])
  for (const [name, vs] of byName) {
    const n = name.toLowerCase()
    const rel =
      n.length <= 2
        ? `${n.length}/${n}`
        : n.length === 3
          ? `3/${n[0]}/${n}`
          : `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`
    mkdirSync(join(index, rel, '..'), { recursive: true })
    writeFileSync(
      join(index, rel),
      vs
        .map((v) =>
          JSON.stringify({
            name,
            vers: v.version,
            deps: [],
            cksum: sha('sha256', readFileSync(v.path)),
            features: {},
            yanked: false,
          }),
        )
        .join('\n') + '\n',
    )
  }
  const git = (...a: string[]) =>
    execFileSync('git', a, {
      cwd: index,
      stdio: 'pipe',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', HOME: dir },
    })
  git('init', '-q')
  git('add', '-A')
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'index')
  return Object.assign(s, { index: `file://${index}` })
}

// ---------------------------------------------------------------- Debian

/** One source package version to build. */
export interface DebSpec {
  readonly suite: string
  readonly name: string
  readonly upstream: string
  readonly revision: string
  readonly maintainer: string
  readonly date: string
}

/**
 * Builds each package with `dpkg-source -b` (format 3.0 (quilt): an .orig.tar.gz, a
 * .debian.tar.xz and the .dsc) under `<mirror>/pool/main/<suite>`, and indexes each suite with
 * `dpkg-scansources` into `dists/<suite>/main/source/Sources.gz` (or, with `xz`, only
 * `Sources.xz` made by the real `xz`). Returns the .dsc paths.
 */
export function buildDebianMirror(
  mirror: string,
  specs: readonly DebSpec[],
  index: 'gz' | 'xz' = 'gz',
): string[] {
  const dscs: string[] = []
  for (const p of specs) {
    const pool = join(mirror, 'pool', 'main', p.suite)
    const work = join(mirror, '..', 'deb-src', p.suite)
    const src = join(work, `${p.name}-${p.upstream}`)
    mkdirSync(join(src, 'debian', 'source'), { recursive: true })
    mkdirSync(pool, { recursive: true })
    writeFileSync(join(src, 'README'), `${p.name} ${p.upstream}\n`)
    writeFileSync(join(src, 'main.c'), 'int main(void) { return 0; }\n')
    execFileSync('tar', [
      '-czf',
      join(pool, `${p.name}_${p.upstream}.orig.tar.gz`),
      '-C',
      work,
      `${p.name}-${p.upstream}`,
    ])
    writeFileSync(join(src, 'debian', 'source', 'format'), '3.0 (quilt)\n')
    writeFileSync(
      join(src, 'debian', 'control'),
      `Source: ${p.name}\nMaintainer: ${p.maintainer}\nSection: misc\nPriority: optional\nStandards-Version: 4.6.2\n\nPackage: ${p.name}\nArchitecture: all\nDescription: test package\n a test package\n`,
    )
    const version = `${p.upstream}-${p.revision}`
    writeFileSync(
      join(src, 'debian', 'changelog'),
      `${p.name} (${version}) ${p.suite}; urgency=medium\n\n  * Test.\n\n -- ${p.maintainer}  ${p.date}\n`,
    )
    writeFileSync(join(src, 'debian', 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n', {
      mode: 0o755,
    })
    execFileSync('cp', [join(pool, `${p.name}_${p.upstream}.orig.tar.gz`), work])
    execFileSync('dpkg-source', ['-b', src], { cwd: work, stdio: 'pipe' })
    for (const f of [`${p.name}_${version}.dsc`, `${p.name}_${version}.debian.tar.xz`])
      execFileSync('cp', [join(work, f), pool])
    dscs.push(join(pool, `${p.name}_${version}.dsc`))
  }
  for (const suite of new Set(specs.map((s) => s.suite))) {
    const out = join(mirror, 'dists', suite, 'main', 'source')
    mkdirSync(out, { recursive: true })
    const sources = execFileSync('dpkg-scansources', [`pool/main/${suite}`, '/dev/null'], {
      cwd: mirror,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    if (index === 'xz')
      writeFileSync(join(out, 'Sources.xz'), execFileSync('xz', ['-c'], { input: sources }))
    else writeFileSync(join(out, 'Sources.gz'), gzipSync(sources))
  }
  return dscs
}

/** The SRI `sha256-<base64>` of a file. */
export function sri(path: string): string {
  return `sha256-${createHash('sha256').update(readFileSync(path)).digest('base64')}`
}
