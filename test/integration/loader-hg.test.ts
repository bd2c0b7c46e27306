/**
 * The Mercurial loader against repositories made by the real `hg`, loaded from a local path,
 * file://, `hg serve` on loopback and ssh (a wrapper that runs `hg serve --stdio` locally, as
 * sshd would). Every revision and directory id, and the snapshot, must equal what
 * test/helpers/hg-repos.ts computes from hg's and git's own output by Software Heritage's
 * conventions (independent of Arca).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, cpSync, readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadHg } from '../../src/loader/hg/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import { freePort } from '../helpers/git-servers.js'
import {
  addHgCommits,
  expectedChangesets,
  expectedHgBranches,
  hgTestEnv,
  makeHgRichRepo,
} from '../helpers/hg-repos.js'
import { type ExpectedBranches, snapshotId } from '../helpers/snapshot-expect.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
let rich: string
let serve: ChildProcess
let httpUrl: string
let expected: ReturnType<typeof expectedChangesets>
let branches: ExpectedBranches

async function startHgServe(repo: string): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort()
  const proc = spawn('hg', ['serve', '-R', repo, '-a', '127.0.0.1', '-p', String(port)], {
    env: hgTestEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = `http://127.0.0.1:${port}/`
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${url}?cmd=capabilities`)
      if (r.ok) return { proc, url }
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('hg serve did not start')
}

async function withArchive<T>(data: string, f: (a: Archive) => Promise<T>): Promise<T> {
  const archive = await openArchive({ dataDir: data, writer: 'loader' })
  try {
    return await f(archive)
  } finally {
    await archive.close()
  }
}

async function load(data: string, url: string): Promise<Awaited<ReturnType<typeof loadHg>>> {
  return withArchive(data, (a) => loadHg(url, { storage: a.storage, scratchDir: a.tmpDir }))
}

beforeAll(async () => {
  root = makeTemp('arca-hg-')
  rich = makeHgRichRepo(root)
  expected = expectedChangesets(rich)
  branches = expectedHgBranches(rich, expected)
  const s = await startHgServe(rich)
  serve = s.proc
  httpUrl = s.url
  const wrapper = join(root, 'fake-ssh')
  // hg runs `ssh [options] host "hg -R path serve --stdio"`: run the last argument here.
  writeFileSync(wrapper, '#!/bin/sh\nfor last; do :; done\nexec sh -c "$last"\n')
  chmodSync(wrapper, 0o755)
  process.env['ARCA_HG_SSH'] = wrapper
})

afterAll(() => {
  serve?.kill()
  delete process.env['ARCA_HG_SSH']
  if (root) removeTemp(root)
})

describe('hg loader', () => {
  it('archives every changeset with the ids Software Heritage computes (local path)', async () => {
    const data = join(root, 'data-local')
    const r = await load(data, rich)
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.stats.revisions).toBe(expected.length)
    // What the repository is made to show (checks the expectation itself).
    expect([...branches.keys()].sort()).toEqual([
      'HEAD',
      'bookmarks/@',
      'bookmarks/feature-mark',
      'branch-closed-heads/old/0',
      'branch-heads/default/0',
      'branch-heads/default/1',
      'branch-tip/default',
      'branch-tip/feature',
      'tags/v1',
    ])
    expect(branches.get('HEAD')!.target.toString()).toBe('bookmarks/@')
    expect(r.snapshot).toBe(snapshotId(branches))
    await withArchive(data, async (a) => {
      const revs = await a.storage.revisionGet(expected.map((e) => e.revision))
      revs.forEach((rev, i) => {
        expect(rev, `revision of r${i}`).not.toBeNull()
        expect(rev!.directory, `directory of r${i}`).toBe(expected[i]!.directory)
        expect(rev!.type).toBe('hg')
      })
      const extids = await a.storage.extidGetFromExtid(
        'hg-nodeid',
        expected.map((e) => Buffer.from(e.node, 'hex')),
        { version: 1 },
      )
      expect(extids.map((e) => e.target.id).sort()).toEqual(expected.map((e) => e.revision).sort())
    })
  })

  it('loads the same snapshot over hg serve, file:// and ssh', async () => {
    for (const [name, url] of [
      ['http', httpUrl],
      ['file', pathToFileURL(rich).href],
      ['ssh', `ssh://localhost/${rich}`],
    ] as const) {
      const r = await load(join(root, `data-${name}`), url)
      expect(r.status, `${name}: ${r.message ?? ''}`).toBe('full')
      expect(r.snapshot, name).toBe(snapshotId(branches))
      expect(r.stats.revisions, name).toBe(expected.length)
    }
  })

  it('re-visits load only the new changesets', async () => {
    const copy = join(root, 'growing')
    cpSync(rich, copy, { recursive: true })
    const data = join(root, 'data-growing')
    const first = await load(data, copy)
    expect(first.status).toBe('full')
    addHgCommits(copy, 3, '@')
    const again = await load(data, copy)
    expect(again.status, again.message ?? '').toBe('full')
    expect(again.stats.revisions).toBe(3)
    const all = expectedChangesets(copy, expected)
    expect(again.snapshot).toBe(snapshotId(expectedHgBranches(copy, all)))
    await withArchive(data, async (a) => {
      const revs = await a.storage.revisionGet(all.map((e) => e.revision))
      expect(revs.every((r) => r !== null)).toBe(true)
    })
    const third = await load(data, copy)
    expect(third.stats.revisions).toBe(0)
    expect(third.eventful).toBe(false)
  })

  it('a rerun after an interrupted load finishes it, skipping what was stored', async () => {
    const data = join(root, 'data-interrupted')
    const stop = new AbortController()
    const first = await withArchive(data, (a) =>
      loadHg(rich, {
        storage: a.storage,
        scratchDir: a.tmpDir,
        signal: stop.signal,
        // the first ExtID: one revision is stored
        onProgress: (p) => {
          if (p.phase === 'releases') stop.abort(new Error('Interrupted by the test'))
        },
      }),
    )
    expect(first.status).toBe('failed')
    const again = await load(data, rich)
    expect(again.status, again.message ?? '').toBe('full')
    expect(again.snapshot).toBe(snapshotId(branches))
    expect(again.stats.revisions).toBe(expected.length - 1)
  })

  it('a corrupt file revision makes a partial visit naming the changeset', async () => {
    const copy = join(root, 'corrupt')
    cpSync(rich, copy, { recursive: true })
    const store = join(copy, '.hg', 'store', 'data')
    const file = readdirSync(store).find((f) => f.startsWith('feature.txt'))!
    truncateSync(join(store, file), 10)
    const r = await load(join(root, 'data-corrupt'), copy)
    expect(r.status).toBe('partial')
    expect(r.message).toContain(expected[3]!.node)
    expect(r.stats.revisions).toBeLessThan(expected.length)
    expect(r.stats.revisions).toBeGreaterThan(0)
  })

  it('an HTTP server that sends nothing is given up after the stall timeout', async () => {
    const sockets: Socket[] = []
    const silent = createServer((s) => void sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    try {
      const port = (silent.address() as AddressInfo).port
      const r = await withArchive(join(root, 'data-silent'), (a) =>
        loadHg(`http://127.0.0.1:${port}/repo`, {
          storage: a.storage,
          scratchDir: a.tmpDir,
          stallTimeoutMs: 1000,
        }),
      )
      expect(r.status).toBe('failed')
      expect(r.message).toMatch(/timed out/)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((r) => silent.close(r))
    }
  })

  it('an empty repository is a full visit with an empty snapshot', async () => {
    const empty = join(root, 'empty')
    execFileSync('hg', ['init', empty], { env: hgTestEnv() })
    const r = await load(join(root, 'data-empty'), empty)
    expect(r.status).toBe('full')
    expect(r.snapshot).toBe(snapshotId(new Map()))
  })

  it('an unknown repository is not found, without the credentials in the message', async () => {
    const url = httpUrl.replace('http://', 'http://user:s3cret@') + 'nope/'
    const r = await load(join(root, 'data-missing'), url)
    expect(r.status).toBe('not_found')
    expect(r.message).not.toContain('s3cret')
    const local = await load(join(root, 'data-missing'), join(root, 'no-such-repo'))
    expect(local.status).toBe('not_found')
  })

  it('arca save probes a local hg repository and takes --type hg for http', () => {
    const data = join(root, 'data-cli')
    const probed = arca(['save', '--json', '--data', data, rich])
    expect(probed.status, probed.stderr).toBe(0)
    const out = JSON.parse(probed.stdout) as { status: string; snapshot: string }
    expect(out.snapshot).toBe(snapshotId(branches))
    const typed = arca([
      'save',
      '--json',
      '--type',
      'hg',
      '--data',
      join(root, 'data-cli2'),
      httpUrl,
    ])
    expect(typed.status, typed.stderr).toBe(0)
    expect((JSON.parse(typed.stdout) as { snapshot: string }).snapshot).toBe(snapshotId(branches))
  })
})
