/**
 * The npm and PyPI loaders against real registries on loopback
 * (test/helpers/package-registries.ts): Verdaccio fed by `npm publish`, and sdists made by
 * `python3 setup.py sdist` behind a PyPI-shaped JSON API. Every directory id is `git
 * write-tree` of the artifact unpacked by the real `tar`; every release id is `git hash-object
 * -t tag` of the manifest written by hand from the spec with the facts of Software Heritage's
 * loaders (name, message, author, date); dates are turned into seconds by python3; the snapshot
 * id is hashed by hand (test/helpers/snapshot-expect.ts). All fetches go through the SSRF
 * checks, loopback allowed as the other loader tests do. crates, Debian and Nix/Guix:
 * loader-packages-more.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca, besidesProgress } from '../helpers/cli.js'
import { releaseId, tarTreeId } from '../helpers/package-expect.js'
import {
  alias,
  download,
  get,
  load,
  pySeconds,
  pySpan,
  rel,
  withArchive,
} from '../helpers/package-loaders.js'
import {
  buildSdist,
  type LocalServer,
  servePypi,
  startVerdaccio,
  type Verdaccio,
} from '../helpers/package-registries.js'
import { type ExpectedBranches, snapshotId } from '../helpers/snapshot-expect.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
beforeAll(() => {
  root = makeTemp('arca-pkg-loaders-')
})
afterAll(() => removeTemp(root))

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
    expect(besidesProgress(r.stderr)).toEqual([])
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

  it('an origin whose every sdist mismatches its declared sha256 ends partial with the empty snapshot, each version named', async () => {
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
      // nothing could be loaded: as SWH's PackageLoader (its versions listed, every one failed),
      // the visit is partial with the empty snapshot (sha1 of "snapshot 0\0")
      const empty = snapshotId(new Map())
      expect(empty).toBe(createHash('sha1').update('snapshot 0\0').digest('hex'))
      expect(r).toMatchObject({ status: 'partial', snapshot: empty })
      expect(r.message).toMatch(/releases\/1\.0: .*sha256/)
      expect(r.message).toMatch(/releases\/1\.1: .*sha256/)
      const last = await withArchive(data, (a) => a.storage.originVisitGetLatest(origin))
      expect(last?.status).toMatchObject({ status: 'partial', snapshot: empty })
      expect(String(last?.status.metadata?.['message'])).toMatch(/releases\/1\.1/)
    } finally {
      await bad.close()
    }
  }, 60_000)

  it('an sdist without PKG-INFO is left out: the visit is full with the empty snapshot, as SWH', async () => {
    // SWH's test_pypi_artifact_with_no_intrinsic_metadata: build_release gives nothing, the
    // visit is still full, its snapshot the empty one (sha1 of the object "snapshot 0\0")
    const dir = join(root, 'pypi-noinfo')
    mkdirSync(join(dir, 'noinfo_arca-1.0'), { recursive: true })
    writeFileSync(join(dir, 'noinfo_arca-1.0', 'setup.py'), 'print("no PKG-INFO here")\n')
    const path = join(dir, 'noinfo_arca-1.0.tar.gz')
    execFileSync('tar', ['-czf', path, '-C', dir, 'noinfo_arca-1.0'])
    const files = [
      {
        version: '1.0',
        uploadTime: '2024-01-01T00:00:00',
        path,
        filename: 'noinfo_arca-1.0.tar.gz',
      },
    ]
    const srv = await servePypi(new Map([['noinfo_arca', files]]))
    try {
      const data = join(root, 'pypi-noinfo-data')
      const r = await load(data, 'pypi', `${srv.base}/project/noinfo_arca/`, {})
      const empty = createHash('sha1').update('snapshot 0\0').digest('hex')
      expect(r).toMatchObject({ status: 'full', snapshot: empty, message: null })
    } finally {
      await srv.close()
    }
  }, 60_000)
})
