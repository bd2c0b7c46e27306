/**
 * The npm, PyPI, crates, Debian and Nix/Guix loaders against real registries on loopback
 * (test/helpers/package-registries.ts): Verdaccio fed by `npm publish`, sdists made by
 * `python3 setup.py sdist` behind a PyPI-shaped JSON API, a git crates index with .crate files
 * made by `tar`, a Debian mirror built by `dpkg-source -b` and `dpkg-scansources`, and a
 * sources.json over local tarballs. Every directory id is `git write-tree` of the artifact
 * unpacked by the real `tar` / `dpkg-source -x`; every release id is `git hash-object -t tag`
 * of the manifest written by hand from the spec with the facts of Software Heritage's loaders
 * (name, message, author, date); dates are turned into seconds by python3; the snapshot id is
 * hashed by hand (test/helpers/snapshot-expect.ts). All fetches go through the SSRF checks,
 * loopback allowed as the other loader tests do.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin, type OriginLoadOptions } from '../../src/loader/registry.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { pythonJsonSpan } from '../helpers/json-span-py.js'
import { dscTreeId, releaseId, tarTreeId } from '../helpers/package-expect.js'
import {
  buildCrate,
  buildDebianMirror,
  buildSdist,
  type LocalServer,
  serveCrates,
  serveDir,
  servePypi,
  sri,
  startVerdaccio,
  type Verdaccio,
} from '../helpers/package-registries.js'
import { type ExpectedBranches, snapshotId } from '../helpers/snapshot-expect.js'
import { gitWriteTree, makeTemp, removeTemp } from '../helpers/tree.js'

const NET = { allowNetworks: ['127.0.0.1/32'] }

/** The NAR serialisation's sha256 (hex) of the path argv[1], per the Nix manual's grammar. */
const PY_NAR = String.raw`
import hashlib, os, stat, struct, sys
h = hashlib.sha256()
def s(b):
    if isinstance(b, str): b = b.encode()
    h.update(struct.pack("<Q", len(b))); h.update(b); h.update(b"\0" * (-len(b) % 8))
def node(p):
    st = os.lstat(p)
    s("(")
    s("type")
    if stat.S_ISLNK(st.st_mode):
        s("symlink"); s("target"); s(os.readlink(os.fsencode(p)))
    elif stat.S_ISDIR(st.st_mode):
        s("directory")
        for name in sorted(os.listdir(os.fsencode(p))):
            s("entry"); s("("); s("name"); s(name); s("node"); node(os.path.join(os.fsencode(p), name)); s(")")
    else:
        s("regular")
        if st.st_mode & 0o100: s("executable"); s("")
        s("contents"); s(open(p, "rb").read())
    s(")")
s("nix-archive-1")
node(sys.argv[1])
print(h.hexdigest())
`

/** The bytes of the value at `path` of the JSON document `text`, by python3's decoder. */
function pySpan(text: string, path: (string | number)[]): Buffer {
  const span = pythonJsonSpan(text, path)
  if (span === null) throw new Error(`no value at ${JSON.stringify(path)}`)
  return Buffer.from(text).subarray(span[0], span[1])
}

let root: string
beforeAll(() => {
  root = makeTemp('arca-pkg-loaders-')
})
afterAll(() => removeTemp(root))

async function withArchive<T>(data: string, f: (a: Archive) => Promise<T>): Promise<T> {
  const archive = await openArchive({ dataDir: data, writer: 'loader' })
  try {
    return await f(archive)
  } finally {
    await archive.close()
  }
}

type Extra = Omit<OriginLoadOptions, 'storage' | 'scratchDir'>

function load(data: string, type: string, url: string, extra: Extra) {
  return withArchive(data, (a) =>
    loadOrigin(type, url, { storage: a.storage, scratchDir: a.tmpDir, network: NET, ...extra }),
  )
}

/** `[seconds, microseconds]` of an ISO date, by python3 (UTC when naive). */
function pySeconds(iso: string): [number, number] {
  return JSON.parse(
    execFileSync('python3', [
      '-c',
      `import datetime, json, sys
d = datetime.datetime.fromisoformat(sys.argv[1].replace('Z', '+00:00'))
if d.tzinfo is None: d = d.replace(tzinfo=datetime.timezone.utc)
print(json.dumps([int(d.timestamp() // 1), d.microsecond]))`,
      iso,
    ]).toString(),
  ) as [number, number]
}

const rel = (id: string) => ({ type: 'release', target: Buffer.from(id, 'hex') })
const alias = (name: string) => ({ type: 'alias', target: Buffer.from(name) })

/** GET `url` with curl (undici's fetch trips over Verdaccio's keep-alive). */
function get(url: string): Buffer {
  return execFileSync('curl', ['-sSf', url])
}

function download(url: string, to: string): string {
  writeFileSync(to, get(url))
  return to
}

async function branchTargets(data: string, snapshot: string): Promise<Map<string, string>> {
  return withArchive(data, async (a) => {
    const page = await a.storage.snapshotGetBranches(snapshot)
    const out = new Map<string, string>()
    for (const b of page?.branches ?? [])
      out.set(
        Buffer.from(b.name).toString(),
        b.target === null
          ? 'null'
          : b.target.targetType === 'alias'
            ? `alias:${Buffer.from(b.target.target).toString()}`
            : `${b.target.targetType}:${b.target.target}`,
      )
    return out
  })
}

describe('npm loader against a real Verdaccio', () => {
  let v: Verdaccio
  beforeAll(async () => {
    const dir = join(root, 'verdaccio')
    mkdirSync(dir)
    v = await startVerdaccio(dir)
    v.publish(
      {
        name: '@arca/pad',
        version: '1.0.0',
        author: { name: 'Ann Example', email: 'ann@example.org' },
      },
      { 'index.js': 'module.exports = 1\n' },
    )
    v.publish(
      {
        name: '@arca/pad',
        version: '1.1.0',
        author: 'Bob Example <bob@example.org> (https://b.example)',
      },
      { 'index.js': 'module.exports = 2\n', 'lib/util.js': 'exports.x = 1\n' },
    )
  }, 120_000)
  afterAll(() => v?.stop())

  it('archives each version as a synthetic release, HEAD on dist-tags.latest, then skips known ones', async () => {
    const data = join(root, 'npm-data')
    const packument = JSON.parse(get(`${v.base}/@arca%2Fpad`).toString()) as {
      versions: Record<string, { dist: { tarball: string } }>
      time: Record<string, string>
    }
    const expected: ExpectedBranches = new Map()
    const authors: Record<string, string> = {
      '1.0.0': 'Ann Example <ann@example.org>',
      '1.1.0': 'Bob Example <bob@example.org> (https://b.example)',
    }
    for (const version of ['1.0.0', '1.1.0']) {
      const tgz = download(
        packument.versions[version]!.dist.tarball,
        join(root, `pad-${version}.tgz`),
      )
      const [seconds] = pySeconds(packument.time[version]!)
      expected.set(
        `releases/${version}`,
        rel(
          releaseId({
            target: tarTreeId(tgz),
            name: version,
            author: authors[version]!,
            date: `${seconds} +0000`,
            message: `Synthetic release for NPM source package @arca/pad version ${version}\n`,
          }),
        ),
      )
    }
    expected.set('HEAD', alias('releases/1.1.0'))
    const origin = 'https://www.npmjs.com/package/@arca/pad'
    const r = await load(data, 'npm', origin, { registries: { npm: v.base } })
    expect(r.message).toBeNull()
    expect(r).toMatchObject({ origin, status: 'full', snapshot: snapshotId(expected) })
    expect(r.stats.releases).toBe(2)
    const again = await load(data, 'npm', origin, { registries: { npm: v.base } })
    expect(again).toMatchObject({ status: 'full', snapshot: r.snapshot, eventful: false })
    expect(again.stats.releases).toBe(0)
  }, 120_000)

  it('arca save finds the npm type by the URL, reads ARCA_NPM_REGISTRY, checks every fetch', () => {
    const data = join(root, 'npm-cli')
    const origin = 'https://www.npmjs.com/package/@arca/pad'
    const r = arca(
      [
        'save',
        '--data',
        data,
        '--restrict-network',
        '--allow-network',
        '127.0.0.1/32',
        '--json',
        origin,
      ],
      { env: { ...process.env, NO_COLOR: '1', ARCA_NPM_REGISTRY: v.base } },
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ origin, status: 'full' })
    // without the loopback allowed, the registry fetch is refused and the visit fails
    const refused = arca(['save', '--data', data, '--restrict-network', '--json', origin], {
      env: { ...process.env, NO_COLOR: '1', ARCA_NPM_REGISTRY: v.base },
    })
    expect(refused.status).toBe(2)
    expect(refused.stdout + refused.stderr).toMatch(/127\.0\.0\.1/)
  }, 120_000)

  it('records each version object of the packument, its bytes as Verdaccio served them, on the release directory', async () => {
    const data = join(root, 'npm-cli')
    const origin = 'https://www.npmjs.com/package/@arca/pad'
    const text = get(`${v.base}/@arca%2Fpad/`).toString('utf8')
    const packument = JSON.parse(text) as {
      versions: Record<string, { dist: { tarball: string } }>
    }
    await withArchive(data, async (archive) => {
      const app = createApp(webContext(archive, {}, { disabled: true }))
      for (const version of ['1.0.0', '1.1.0']) {
        // the version's object cut out of the served bytes by Python's own JSON decoder
        const expected = pySpan(text, ['versions', version])
        const tgz = download(
          packument.versions[version]!.dist.tarball,
          join(root, `meta-pad-${version}.tgz`),
        )
        const dir = `swh:1:dir:${tarTreeId(tgz)}`
        const authority = encodeURIComponent('forge https://npmjs.com/')
        const res = await app.request(
          `http://arca.test/api/1/raw-extrinsic-metadata/swhid/${dir}/?authority=${authority}`,
        )
        expect(res.status).toBe(200)
        const list = (await res.json()) as Record<string, unknown>[]
        expect(list).toHaveLength(1)
        expect(list[0]).toMatchObject({
          target: dir,
          authority: { type: 'forge', url: 'https://npmjs.com/' },
          fetcher: { name: 'arca.loader.npm' },
          format: 'replicate-npm-package-json',
          origin,
        })
        expect(String(list[0]!['release'])).toMatch(/^swh:1:rel:[0-9a-f]{40}$/)
        const raw = await app.request(list[0]!['metadata_url'] as string)
        expect(raw.status).toBe(200)
        expect(Buffer.from(await raw.arrayBuffer()).equals(expected)).toBe(true)
      }
    })
  }, 120_000)

  it('an unknown package is a not_found visit', async () => {
    const r = await load(join(root, 'npm-none'), 'npm', 'https://www.npmjs.com/package/nope', {
      registries: { npm: v.base },
    })
    expect(r.status).toBe('not_found')
  }, 60_000)
})

describe('PyPI loader against a JSON API over python-built sdists', () => {
  let srv: LocalServer
  const uploads = { '0.1.0': '2024-01-02T03:04:05', '0.2.0': '2024-02-03T04:05:06' }
  beforeAll(async () => {
    const dir = join(root, 'pypi')
    mkdirSync(dir)
    const files = Object.entries(uploads).map(([version, uploadTime]) => ({
      version,
      uploadTime,
      path: buildSdist(dir, 'hello_arca', version, { name: 'Cé Dev', email: 'ce@example.org' }),
      filename: `hello_arca-${version}.tar.gz`,
      ...(version === '0.2.0' ? { commentText: 'Second upload, signed off.' } : {}),
    }))
    srv = await servePypi(new Map([['hello_arca', files]]))
  }, 120_000)
  afterAll(() => srv?.close())

  it('archives the sdists (not the wheels), author from PKG-INFO, comment_text as message', async () => {
    const data = join(root, 'pypi-data')
    const expected: ExpectedBranches = new Map()
    for (const [version, upload] of Object.entries(uploads)) {
      const [seconds] = pySeconds(upload)
      const tree = tarTreeId(join(root, 'pypi', `hello_arca-${version}.tar.gz`))
      expected.set(
        `releases/${version}`,
        rel(
          releaseId({
            target: tree,
            name: version,
            author: 'Cé Dev <ce@example.org>',
            date: `${seconds} +0000`,
            message:
              version === '0.2.0'
                ? 'Second upload, signed off.'
                : `Synthetic release for PyPI source package hello_arca version ${version}\n`,
          }),
        ),
      )
    }
    expected.set('HEAD', alias('releases/0.2.0'))
    const origin = `${srv.base}/project/hello_arca/`
    const r = await load(data, 'pypi', origin, {})
    expect(r.message).toBeNull()
    expect(r).toMatchObject({ status: 'full', snapshot: snapshotId(expected) })
    expect(srv.asked.filter((p) => p.endsWith('.whl'))).toEqual([])
    const before = srv.asked.filter((p) => p.startsWith('/packages/')).length
    const again = await load(data, 'pypi', origin, {})
    expect(again).toMatchObject({ status: 'full', snapshot: r.snapshot, eventful: false })
    expect(srv.asked.filter((p) => p.startsWith('/packages/')).length).toBe(before)
  }, 120_000)

  it('records the sdist sha256 as the pypi-archive-sha256 ExtID of its release', async () => {
    const data = join(root, 'pypi-data')
    const sdist = readFileSync(join(root, 'pypi', 'hello_arca-0.1.0.tar.gz'))
    const sha256 = createHash('sha256').update(sdist).digest()
    const found = await withArchive(data, (a) =>
      a.storage.extidGetFromExtid('pypi-archive-sha256', [sha256], { version: 0 }),
    )
    expect(found).toHaveLength(1)
    expect(found[0]!.target.type).toBe('rel')
    // the file's object of the JSON API answer, as served, on the release's directory
    // (fetched asynchronously: the server runs in this process)
    const text = await (await fetch(`${srv.base}/pypi/hello_arca/json`)).text()
    const files = (JSON.parse(text) as { releases: Record<string, { packagetype: string }[]> })
      .releases['0.1.0']!
    const expected = pySpan(text, [
      'releases',
      '0.1.0',
      files.findIndex((f) => f.packagetype === 'sdist'),
    ])
    const tree = tarTreeId(join(root, 'pypi', 'hello_arca-0.1.0.tar.gz'))
    const page = await withArchive(data, (a) =>
      a.storage.rawExtrinsicMetadataGet(
        { type: 'dir', id: tree },
        { type: 'forge', url: `${srv.base}/` },
      ),
    )
    expect(page.results.map((m) => [m.format, m.origin, m.release?.id])).toEqual([
      ['pypi-project-json', `${srv.base}/project/hello_arca/`, found[0]!.target.id],
    ])
    expect(Buffer.from(page.results[0]!.metadata).equals(expected)).toBe(true)
  }, 60_000)

  it('an origin whose every sdist mismatches its declared sha256 ends failed, each version named', async () => {
    const dir = join(root, 'pypi-bad')
    mkdirSync(dir)
    const files = ['1.0', '1.1'].map((version) => ({
      version,
      uploadTime: '2024-01-01T00:00:00',
      path: buildSdist(dir, 'bad_arca', version, { name: 'X' }),
      filename: `bad_arca-${version}.tar.gz`,
      wrongDigest: true,
    }))
    const bad = await servePypi(new Map([['bad_arca', files]]))
    try {
      const data = join(root, 'pypi-bad-data')
      const origin = `${bad.base}/project/bad_arca/`
      const r = await load(data, 'pypi', origin, {})
      // nothing could be loaded: the visit failed (not partial), with no snapshot
      expect(r).toMatchObject({ status: 'failed', snapshot: null })
      expect(r.message).toMatch(/releases\/1\.0: .*sha256/)
      expect(r.message).toMatch(/releases\/1\.1: .*sha256/)
      const last = await withArchive(data, (a) => a.storage.originVisitGetLatest(origin))
      expect(last?.status).toMatchObject({ status: 'failed', snapshot: null })
      expect(String(last?.status.metadata?.['message'])).toMatch(/releases\/1\.1/)
    } finally {
      await bad.close()
    }
  }, 60_000)
})

describe('crates loader against a git index with tar-made .crate files', () => {
  let srv: LocalServer & { index: string }
  const versions = [
    {
      version: '0.1.0',
      updatedAt: '2022-08-31T22:11:43.155470+00:00',
      authors: ['Ann <ann@example.org>'],
    },
    {
      version: '0.10.0',
      updatedAt: '2023-01-02T03:04:05+00:00',
      authors: ['Bob <bob@example.org>', 'Cy', 'Di <di@example.org>'],
    },
  ]
  beforeAll(async () => {
    const dir = join(root, 'crates')
    mkdirSync(dir)
    srv = await serveCrates(
      dir,
      versions.map((v) => ({
        name: 'arca-hello',
        version: v.version,
        updatedAt: v.updatedAt,
        path: buildCrate(dir, 'arca-hello', v.version, v.authors),
      })),
    )
  }, 60_000)
  afterAll(() => srv?.close())

  it('archives every indexed version; co-authors in the message; HEAD on the greatest version', async () => {
    const data = join(root, 'crates-data')
    const expected: ExpectedBranches = new Map()
    for (const v of versions) {
      const [s, us] = pySeconds(v.updatedAt)
      const date = us === 0 ? `${s}` : `${s}.${String(us).padStart(6, '0')}`.replace(/0+$/, '')
      let message = `Synthetic release for Crate source package arca-hello version ${v.version}\n`
      if (v.authors.length > 1)
        message +=
          '\n' +
          v.authors
            .slice(1)
            .map((a) => `Co-authored-by: ${a}\n`)
            .join('')
      expected.set(
        `releases/${v.version}`,
        rel(
          releaseId({
            target: tarTreeId(join(root, 'crates', `arca-hello-${v.version}.crate`)),
            name: v.version,
            author: v.authors[0]!,
            date: `${date} +0000`,
            message,
          }),
        ),
      )
    }
    expected.set('HEAD', alias('releases/0.10.0'))
    const r = await load(data, 'crates', `${srv.base}/crates/arca-hello`, {
      registries: { cratesIndex: srv.index, cratesApi: srv.base },
    })
    expect(r.message).toBeNull()
    expect(r).toMatchObject({ status: 'full', snapshot: snapshotId(expected) })
    // each version's object of the Web API answer, as served, on its release's directory
    const text = await (await fetch(`${srv.base}/api/v1/crates/arca-hello`)).text()
    const nums = (JSON.parse(text) as { versions: { num: string }[] }).versions.map((x) => x.num)
    for (const v of versions) {
      const tree = tarTreeId(join(root, 'crates', `arca-hello-${v.version}.crate`))
      const page = await withArchive(data, (a) =>
        a.storage.rawExtrinsicMetadataGet(
          { type: 'dir', id: tree },
          { type: 'forge', url: `${srv.base}/` },
        ),
      )
      expect(page.results.map((m) => m.format)).toEqual(['crates-package-json'])
      const want = pySpan(text, ['versions', nums.indexOf(v.version)])
      expect(Buffer.from(page.results[0]!.metadata).equals(want)).toBe(true)
    }
  }, 120_000)
})

describe('Debian loader against a mirror built by dpkg-source', () => {
  let srv: LocalServer
  let dscs: string[]
  const specs = [
    {
      suite: 'stable',
      name: 'arca-hello',
      upstream: '1.0',
      revision: '1',
      maintainer: 'Dee Maint <dee@example.org>',
      date: 'Mon, 01 Jan 2024 10:00:00 +0100',
    },
    {
      suite: 'testing',
      name: 'arca-hello',
      upstream: '1.2',
      revision: '3',
      maintainer: 'Ed Up <ed@example.org>',
      date: 'Tue, 05 Mar 2024 08:09:10 -0230',
    },
  ]
  beforeAll(async () => {
    const mirror = join(root, 'debian', 'mirror')
    mkdirSync(mirror, { recursive: true })
    dscs = buildDebianMirror(mirror, specs)
    srv = await serveDir(mirror)
  }, 120_000)
  afterAll(() => srv?.close())

  it('archives each suite/component/version as dpkg-source -x unpacks it, author and date from the changelog', async () => {
    const data = join(root, 'deb-data')
    const expected: ExpectedBranches = new Map()
    const dates = ['1704099600 +0100', '1709635150 -0230']
    specs.forEach((p, i) => {
      const version = `${p.upstream}-${p.revision}`
      expected.set(
        `releases/${p.suite}/main/${version}`,
        rel(
          releaseId({
            target: dscTreeId(dscs[i]!),
            name: version,
            author: p.maintainer,
            date: dates[i]!,
            message: `Synthetic release for Debian source package arca-hello version ${version}\n`,
          }),
        ),
      )
    })
    expected.set('HEAD', alias('releases/testing/main/1.2-3'))
    const registries = {
      debian: { Debian: { url: srv.base, suites: ['stable', 'testing'], components: ['main'] } },
    }
    const r = await load(data, 'deb', 'deb://Debian/packages/arca-hello', { registries })
    expect(r.message).toBeNull()
    expect(r).toMatchObject({ status: 'full', snapshot: snapshotId(expected) })
    const missing = await load(data, 'deb', 'deb://Debian/packages/not-there', { registries })
    expect(missing.status).toBe('not_found')
  }, 120_000)

  it('reads a mirror that publishes only Sources.xz (made by the real xz)', async () => {
    const mirror = join(root, 'debian-xz', 'mirror')
    mkdirSync(mirror, { recursive: true })
    const [dsc] = buildDebianMirror(mirror, [specs[0]!], 'xz')
    const xzSrv = await serveDir(mirror)
    try {
      const registries = {
        debian: { Debian: { url: xzSrv.base, suites: ['stable'], components: ['main'] } },
      }
      const r = await load(join(root, 'deb-xz-data'), 'deb', 'deb://Debian/packages/arca-hello', {
        registries,
      })
      expect(r.message).toBeNull()
      expect(r.status).toBe('full')
      const targets = await branchTargets(join(root, 'deb-xz-data'), r.snapshot!)
      expect(targets.get('HEAD')).toBe('alias:releases/stable/main/1.0-1')
      expect(xzSrv.asked).toContain('/dists/stable/main/source/Sources.xz')
      expect(xzSrv.asked).not.toContain('/dists/stable/main/source/Sources.gz')
      const tree = dscTreeId(dsc!)
      const [got] = await withArchive(join(root, 'deb-xz-data'), (a) =>
        a.storage.directoryGet([tree]),
      )
      expect(got?.id).toBe(tree)
    } finally {
      await xzSrv.close()
    }
  }, 120_000)
})

describe('nixguix loader against a sources.json over local tarballs', () => {
  it('one branch per first URL, the evaluation branch, releases without author or date', async () => {
    const dir = join(root, 'nix')
    mkdirSync(join(dir, 'src', 'one-1.0'), { recursive: true })
    mkdirSync(join(dir, 'src', 'two-2.0', 'sub'), { recursive: true })
    writeFileSync(join(dir, 'src', 'one-1.0', 'a.txt'), 'one\n')
    writeFileSync(join(dir, 'src', 'two-2.0', 'sub', 'b.txt'), 'two\n')
    execFileSync('tar', ['-czf', join(dir, 'one-1.0.tar.gz'), '-C', join(dir, 'src'), 'one-1.0'])
    execFileSync('tar', ['-cJf', join(dir, 'two-2.0.tar.xz'), '-C', join(dir, 'src'), 'two-2.0'])
    const srv = await serveDir(dir)
    try {
      const revision = createHash('sha1').update('nixpkgs').digest('hex')
      const one = `${srv.base}/one-1.0.tar.gz`
      const two = `${srv.base}/two-2.0.tar.xz`
      writeFileSync(
        join(dir, 'sources.json'),
        JSON.stringify({
          version: 1,
          revision,
          sources: [
            { type: 'url', urls: [one], integrity: sri(join(dir, 'one-1.0.tar.gz')) },
            // only the first URL is fetched (Software Heritage's loader ignores the mirrors)
            {
              type: 'url',
              urls: [two, `${srv.base}/elsewhere/two-2.0.tar.xz`],
              integrity: sri(join(dir, 'two-2.0.tar.xz')),
            },
            { type: 'git', git_url: 'https://example.org/x.git' },
          ],
        }),
      )
      const expected: ExpectedBranches = new Map([
        ['evaluation', { type: 'revision', target: Buffer.from(revision, 'hex') }],
      ])
      for (const [url, file] of [
        [one, 'one-1.0.tar.gz'],
        [two, 'two-2.0.tar.xz'],
      ] as const)
        expected.set(
          url,
          rel(
            releaseId({
              target: tarTreeId(join(dir, file)),
              name: url,
              author: '',
              date: null,
              message: null,
            }),
          ),
        )
      const r = await load(join(root, 'nix-data'), 'nixguix', `${srv.base}/sources.json`, {})
      expect(r.message).toBeNull()
      expect(r).toMatchObject({ status: 'full', snapshot: snapshotId(expected) })
      const targets = await branchTargets(join(root, 'nix-data'), r.snapshot!)
      expect(targets.get('evaluation')).toBe(`revision:${revision}`)
      expect(srv.asked.filter((p) => p.startsWith('/elsewhere/'))).toEqual([])
      // the manifest, as served, on the snapshot (Software Heritage's nixguix-sources-json)
      const page = await withArchive(join(root, 'nix-data'), (a) =>
        a.storage.rawExtrinsicMetadataGet(
          { type: 'snp', id: r.snapshot! },
          { type: 'forge', url: `${srv.base}/sources.json` },
        ),
      )
      expect(page.results.map((m) => [m.format, m.origin])).toEqual([
        ['nixguix-sources-json', `${srv.base}/sources.json`],
      ])
      expect(
        Buffer.from(page.results[0]!.metadata).equals(readFileSync(join(dir, 'sources.json'))),
      ).toBe(true)
    } finally {
      await srv.close()
    }
  }, 120_000)
  it('a recursive (NAR) source is checked on its unpacked tree and gets the nar-sha256 ExtID; a mismatch fails it, naming both', async () => {
    const dir = join(root, 'nix-nar')
    const tree = join(dir, 'src', 'rec-1.0')
    mkdirSync(join(tree, 'bin'), { recursive: true })
    mkdirSync(join(tree, 'sub'))
    writeFileSync(join(tree, 'a.txt'), 'hello nar\n')
    writeFileSync(join(tree, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 })
    writeFileSync(join(tree, 'sub', 'eight888'), '12345678')
    symlinkSync('../a.txt', join(tree, 'sub', 'link'))
    mkdirSync(join(dir, 'src', 'bad-1.0'))
    writeFileSync(join(dir, 'src', 'bad-1.0', 'b.txt'), 'bad\n')
    execFileSync('tar', ['-czf', join(dir, 'rec-1.0.tar.gz'), '-C', join(dir, 'src'), 'rec-1.0'])
    execFileSync('tar', ['-czf', join(dir, 'bad-1.0.tar.gz'), '-C', join(dir, 'src'), 'bad-1.0'])
    // Nix's NAR serialisation, written by hand from the Nix manual's grammar (no nix here);
    // the top-level folder left out, as fetchzip hashes it
    const nar = (p: string): string => execFileSync('python3', ['-c', PY_NAR, p]).toString().trim()
    const good = nar(tree)
    const badGot = nar(join(dir, 'src', 'bad-1.0'))
    const wrong = createHash('sha256').update('not this tree').digest('hex')
    const sriOf = (hex: string) => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`
    const srv = await serveDir(dir)
    try {
      const rec = `${srv.base}/rec-1.0.tar.gz`
      const badUrl = `${srv.base}/bad-1.0.tar.gz`
      writeFileSync(
        join(dir, 'sources.json'),
        JSON.stringify({
          version: 1,
          revision: createHash('sha1').update('guix').digest('hex'),
          sources: [
            { type: 'url', urls: [rec], integrity: sriOf(good), outputHashMode: 'recursive' },
            { type: 'url', urls: [badUrl], integrity: sriOf(wrong), outputHashMode: 'recursive' },
          ],
        }),
      )
      const data = join(root, 'nix-nar-data')
      const r = await load(data, 'nixguix', `${srv.base}/sources.json`, {})
      expect(r.status).toBe('partial')
      expect(r.message).toContain(
        `checksum mismatch for ${badUrl}: nar-sha256 of the unpacked tree is ${badGot}, expected ${wrong}`,
      )
      const found = await withArchive(data, (a) =>
        a.storage.extidGetFromExtid('nar-sha256', [Buffer.from(good, 'hex')], { version: 1 }),
      )
      expect(found.map((e) => e.target)).toEqual([{ type: 'dir', id: gitWriteTree(tree) }])
      const targets = await branchTargets(data, r.snapshot!)
      expect(targets.get(rec)).toMatch(/^release:/)
      expect(targets.has(badUrl)).toBe(false)
    } finally {
      await srv.close()
    }
  }, 120_000)
})
