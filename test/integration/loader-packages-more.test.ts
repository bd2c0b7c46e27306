/**
 * The crates, Debian and Nix/Guix loaders against real sources on loopback
 * (test/helpers/package-registries.ts): a git crates index with .crate files made by `tar`, a
 * Debian mirror built by `dpkg-source -b` and `dpkg-scansources`, and a sources.json over local
 * tarballs. Every directory id is `git write-tree` of the artifact unpacked by the real `tar` /
 * `dpkg-source -x`; every release id is `git hash-object -t tag` of the manifest written by
 * hand from the spec with the facts of Software Heritage's loaders; the snapshot id is hashed
 * by hand (test/helpers/snapshot-expect.ts). npm and PyPI: loader-packages.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { dscTreeId, releaseId, tarTreeId } from '../helpers/package-expect.js'
import {
  alias,
  branchTargets,
  load,
  pySeconds,
  pySpan,
  rel,
  withArchive,
} from '../helpers/package-loaders.js'
import {
  buildCrate,
  buildDebianMirror,
  type LocalServer,
  serveCrates,
  serveDir,
  sri,
} from '../helpers/package-registries.js'
import { type ExpectedBranches, snapshotId } from '../helpers/snapshot-expect.js'
import { gitWriteTree, makeTemp, removeTemp } from '../helpers/tree.js'

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

let root: string
beforeAll(() => {
  root = makeTemp('arca-pkg-loaders-')
})
afterAll(() => removeTemp(root))

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
