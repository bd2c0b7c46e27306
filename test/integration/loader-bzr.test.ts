/**
 * The Bazaar loader against branches made with the real `brz` at test time, loaded over
 * `brz serve` (bzr://), a static HTTP server and a local path. Expected ids come from outside
 * Arca (test/helpers/bzr.ts): each revision exported with `brz export` and hashed by git (empty
 * directories with `git mktree`), revision and release manifests written by hand per Software
 * Heritage's bzr loader and hashed with `git hash-object --literally`, tags from `brz tags`.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadBzr } from '../../src/loader/bzr/loader.js'
import { probeVisitType } from '../../src/loader/registry.js'
import { openArchive } from '../../src/storage/archive.js'
import {
  brz,
  brzAvailable,
  type BzrServer,
  commitAt,
  commitWithGhost,
  type Expected,
  expectedIds,
  startBrzServe,
  startStaticHttp,
} from '../helpers/bzr.js'
import { arca } from '../helpers/cli.js'
import { snapshotId } from '../helpers/snapshot-expect.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const available = brzAvailable()
if (!available) {
  if (process.env['CI'] === 'true') throw new Error('brz (Breezy) is required in CI')
  console.warn('loader-bzr: brz (Breezy) is not installed; skipping')
}

const ZOE = 'Zoë Ünicode <zoe@example.org>'

/** The test branch: every case the loader must get right, in a few revisions. */
function makeBranch(root: string): string {
  const t = join(root, 'served', 'trunk')
  mkdirSync(join(root, 'served'), { recursive: true })
  brz(root, ['init', '-q', t])
  writeFileSync(join(t, 'README'), 'hello\n')
  mkdirSync(join(t, 'bin'))
  writeFileSync(join(t, 'bin', 'run.sh'), '#!/bin/sh\necho run\n')
  chmodSync(join(t, 'bin', 'run.sh'), 0o755)
  symlinkSync('README', join(t, 'link'))
  mkdirSync(join(t, 'empty'))
  mkdirSync(join(t, 'src', 'deep'), { recursive: true })
  writeFileSync(join(t, 'src', 'a.c'), 'int a;\n')
  writeFileSync(join(t, 'src', 'deep', 'b.c'), 'int b;\n')
  mkdirSync(join(t, 'données'))
  writeFileSync(join(t, 'données', 'é.txt'), 'accents\n')
  brz(t, ['add', '-q'])
  brz(t, [
    'commit',
    '-q',
    '-m',
    'first commit',
    '--author',
    'Alice <alice@example.org>',
    '--author',
    'Bob <bob@example.org>',
    '--fixes',
    'lp:123',
    '--fixes',
    'lp:456',
    '--commit-time',
    '2020-01-02 03:04:05 +0530',
  ])
  // A rename of a directory with a change inside it, by a non-ASCII committer.
  brz(t, ['mv', '-q', 'src', 'lib'])
  writeFileSync(join(t, 'lib', 'a.c'), 'int a = 1;\n')
  brz(t, ['commit', '-q', '-m', 'Zoë renames ✓', '--commit-time', '2021-06-07 08:09:10 -0330'], ZOE)
  brz(t, ['tag', '-q', 'v1.0'])
  // Offsets of odd seconds: -3330 s is -55.5 min (rounded to -56), 5430 s is 90.5 min (to 90).
  writeFileSync(join(t, 'README'), 'hello again\n')
  commitAt(t, 'odd offset one', 1600000000.75, -3330)
  chmodSync(join(t, 'bin', 'run.sh'), 0o644)
  writeFileSync(join(t, 'one-byte'), 'x')
  brz(t, ['add', '-q', 'one-byte'])
  commitAt(t, 'odd offset two', 1600000100.25, 5430)
  // A merge of a revision made on another branch.
  const f = join(root, 'feature')
  brz(root, ['branch', '-q', t, f])
  writeFileSync(join(f, 'feature.txt'), 'feature\n')
  brz(f, ['add', '-q'])
  brz(f, ['commit', '-q', '-m', 'feature work'])
  brz(t, ['rm', '-q', 'link'])
  brz(t, ['commit', '-q', '-m', 'trunk work'])
  brz(t, ['merge', '-q', f])
  brz(t, ['commit', '-q', '-m', 'merge feature'])
  brz(t, ['tag', '-q', 'after-merge'])
  // A merge of a revision this repository lacks: the ghost is no parent of the revision.
  writeFileSync(join(t, 'README'), 'after the ghost\n')
  commitWithGhost(t, 'merge a ghost', 'ghost@example.org-20200101000000-0123456789abcdef')
  return t
}

/** The expected snapshot: tags/<name> → release, trunk → head, HEAD → trunk. */
function expectedSnapshot(e: Expected): string {
  const b = new Map<string, { type: string; target: Buffer }>()
  for (const [name, t] of e.tags)
    b.set(`tags/${name}`, { type: 'release', target: Buffer.from(t.release, 'hex') })
  b.set('trunk', { type: 'revision', target: Buffer.from(e.head, 'hex') })
  b.set('HEAD', { type: 'alias', target: Buffer.from('trunk') })
  return snapshotId(b)
}

describe.skipIf(!available)('bzr loader', () => {
  let root: string
  let gitDir: string
  let trunk: string
  let expected: Expected
  let serve: BzrServer
  let http: BzrServer

  beforeAll(async () => {
    root = makeTemp('arca-bzr-')
    gitDir = join(root, 'hash.git')
    execFileSync('git', ['init', '-q', '--bare', gitDir])
    trunk = makeBranch(root)
    expected = expectedIds(gitDir, trunk, root)
    serve = await startBrzServe(join(root, 'served'))
    http = await startStaticHttp(join(root, 'served'))
  }, 60_000)

  afterAll(async () => {
    await serve?.stop()
    await http?.stop()
    if (root) removeTemp(root)
  })

  async function load(url: string, data: string) {
    const archive = await openArchive({ dataDir: data, writer: 'loader' })
    try {
      return await loadBzr(url, { storage: archive.storage, scratchDir: archive.tmpDir })
    } finally {
      await archive.close()
    }
  }

  async function expectArchived(data: string, e: Expected): Promise<void> {
    const archive = await openArchive({ dataDir: data })
    try {
      const s = archive.storage
      const revs = [...e.revs.values()]
      expect(await s.revisionMissing(revs.map((r) => r.rev))).toEqual([])
      expect(await s.directoryMissing(revs.map((r) => r.dir))).toEqual([])
      expect(await s.releaseMissing([...e.tags.values()].map((t) => t.release))).toEqual([])
      for (const [bzrId, r] of e.revs) {
        const [stored] = await s.revisionGet([r.rev])
        expect(stored?.directory).toBe(r.dir)
        expect(stored?.type).toBe('bzr')
        const extids = await s.extidGetFromExtid('bzr-nodeid', [Buffer.from(bzrId, 'hex')], {
          version: 1,
        })
        expect(extids.map((x) => x.target.id)).toEqual([r.rev])
      }
    } finally {
      await archive.close()
    }
  }

  it('loads a branch over brz serve with the ids of SWH conventions', async () => {
    const data = join(root, 'data-serve')
    const r = await load(`${serve.url}trunk`, data)
    expect(r.message).toBeNull()
    expect(r.status).toBe('full')
    expect(r.snapshot).toBe(expectedSnapshot(expected))
    expect(r.stats.revisions).toBe(expected.revs.size)
    expect(r.stats.releases).toBe(2)
    await expectArchived(data, expected)
  }, 60_000)

  it('loads the same branch over plain HTTP and from a local path', async () => {
    const snp = expectedSnapshot(expected)
    const overHttp = await load(`${http.url}trunk`, join(root, 'data-http'))
    expect(overHttp.status).toBe('full')
    expect(overHttp.snapshot).toBe(snp)
    const local = await load(trunk, join(root, 'data-local'))
    expect(local.status).toBe('full')
    expect(local.snapshot).toBe(snp)
    expect(local.origin).toBe(pathToFileURL(trunk).href)
  }, 60_000)

  it('a re-visit after new commits stores only the new revisions', async () => {
    const data = join(root, 'data-revisit')
    const first = await load(trunk, data)
    expect(first.status).toBe('full')
    const again = await load(trunk, data)
    expect(again.stats.revisions).toBe(0)
    expect(again.stats.contents).toBe(0)
    expect(again.snapshot).toBe(first.snapshot)
    writeFileSync(join(trunk, 'lib', 'deep', 'b.c'), 'int b = 2;\n')
    brz(trunk, ['commit', '-q', '-m', 'one more'])
    writeFileSync(join(trunk, 'new.txt'), 'new\n')
    brz(trunk, ['add', '-q'])
    brz(trunk, ['commit', '-q', '-m', 'and another'])
    const now = expectedIds(gitDir, trunk, join(root, 'exports-2'))
    const third = await load(trunk, data)
    expect(third.status).toBe('full')
    expect(third.stats.revisions).toBe(2)
    expect(third.stats.contents).toBe(2)
    expect(third.snapshot).toBe(expectedSnapshot(now))
    await expectArchived(data, now)
    expected = now
  }, 60_000)

  it('an empty branch is a full visit with an empty snapshot (no trunk, no HEAD)', async () => {
    const e = join(root, 'served', 'empty')
    brz(root, ['init', '-q', e])
    const r = await load(`${serve.url}empty`, join(root, 'data-empty'))
    expect(r.status).toBe('full')
    expect(r.snapshot).toBe(snapshotId(new Map()))
  }, 60_000)

  it('a missing branch is not_found with a message', async () => {
    const r = await load(`${serve.url}nope`, join(root, 'data-missing'))
    expect(r.status).toBe('not_found')
    expect(r.message).toMatch(/no Bazaar branch/)
    const h = await load(`${http.url}nope`, join(root, 'data-missing'))
    expect(h.status).toBe('not_found')
  }, 60_000)

  it('uses credentials in an HTTP URL without recording or showing them', async () => {
    const secret = 's3cr3t-pass'
    const guarded = await startStaticHttp(join(root, 'served'), `reader:${secret}`)
    try {
      const base = guarded.url.replace('http://', `http://reader:${secret}@`)
      const r = await load(`${base}trunk`, join(root, 'data-auth'))
      expect(r.status, r.message ?? '').toBe('full')
      expect(r.origin).toBe(`${guarded.url}trunk`)
      expect(r.snapshot).toBe(expectedSnapshot(expected))
      const denied = await load(`${guarded.url}trunk`, join(root, 'data-auth'))
      expect(denied.status, denied.message ?? '').toBe('not_found')
      const wrong = await load(
        `${guarded.url.replace('http://', 'http://reader:wrong-pass@')}trunk`,
        join(root, 'data-auth'),
      )
      expect(wrong.status).toBe('not_found')
      expect(wrong.message).not.toContain('wrong-pass')
    } finally {
      await guarded.stop()
    }
  }, 60_000)

  it('a corrupt repository is a partial visit naming the revisions that cannot be read', async () => {
    const c = join(root, 'corrupt')
    brz(root, ['init', '-q', c])
    writeFileSync(join(c, 'a'), 'one\n')
    brz(c, ['add', '-q'])
    brz(c, ['commit', '-q', '-m', 'readable'])
    writeFileSync(join(c, 'big'), randomBytes(200_000).toString('base64'))
    brz(c, ['add', '-q'])
    brz(c, ['commit', '-q', '-m', 'its text gets corrupt'])
    const good = expectedIds(gitDir, c, join(root, 'exports-corrupt'))
    const [first, second] = [...good.revs.keys()]
    // Overwrite bytes in the middle of the pack holding the big text (zlib-compressed).
    const packs = join(c, '.bzr', 'repository', 'packs')
    const biggest = readdirSync(packs)
      .map((n) => join(packs, n))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]!
    const fd = openSync(biggest, 'r+')
    writeSync(fd, Buffer.alloc(64, 0x58), 0, 64, Math.floor(statSync(biggest).size / 2))
    closeSync(fd)
    const r = await load(c, join(root, 'data-corrupt'))
    expect(r.status).toBe('partial')
    expect(r.message).toContain(
      `Bazaar revision ${Buffer.from(second!, 'hex').toString()} could not be read`,
    )
    expect(r.stats.revisions).toBe(1)
    const archive = await openArchive({ dataDir: join(root, 'data-corrupt') })
    try {
      expect(await archive.storage.revisionMissing([good.revs.get(first!)!.rev])).toEqual([])
    } finally {
      await archive.close()
    }
  }, 60_000)

  it('probes local, bzr:// and http branches', async () => {
    expect(await probeVisitType(trunk)).toBe('bzr')
    expect(await probeVisitType(`${serve.url}trunk`)).toBe('bzr')
    expect(await probeVisitType(`${http.url}trunk`)).toBe('bzr')
    await expect(probeVisitType(join(root, 'served'))).rejects.toThrow(/could not tell/)
  })

  it('arca save --type bzr, and without --type by probing', () => {
    const data = join(root, 'data-cli')
    // Not the HTTP server: it runs in this process, which spawnSync blocks.
    const typed = arca(['save', '--json', '--type', 'bzr', '--data', data, `${serve.url}trunk`])
    expect(typed.status, typed.stderr).toBe(0)
    const out = JSON.parse(typed.stdout) as { status: string; snapshot: string }
    expect(out.status).toBe('full')
    expect(out.snapshot).toBe(expectedSnapshot(expected))
    const probed = arca(['save', '--json', '--data', data, trunk])
    expect(probed.status, probed.stderr).toBe(0)
    expect((JSON.parse(probed.stdout) as { snapshot: string }).snapshot).toBe(out.snapshot)
  }, 60_000)
})
