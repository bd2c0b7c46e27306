/**
 * The loader core with a tiny in-test producer: hand-built model objects whose ids come from
 * real git (`hash-object`, `mktree`, `commit-tree`) and hashes from node:crypto, stored in real
 * SQLite storage behind the validating writer layers (so an object that does not match its id
 * is refused).
 */

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { NotFoundError } from '../../src/errors.js'
import {
  type LoadContext,
  type LoadProgress,
  type ModelObject,
  type Producer,
  runLoad,
} from '../../src/loader/index.js'
import type { Directory, Revision, SnapshotBranch } from '../../src/model/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'A',
  GIT_AUTHOR_EMAIL: 'a@example.org',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'A',
  GIT_COMMITTER_EMAIL: 'a@example.org',
  GIT_COMMITTER_DATE: '1700000000 +0000',
}

let repo: string
let data: string
let archive: Archive

function git(args: string[], input?: string): string {
  return execFileSync('git', args, { cwd: repo, env: GIT_ENV, input, encoding: 'utf8' }).trim()
}

/** A content, with its id from git and its other hashes from node:crypto. */
function blob(text: string): ModelObject & { type: 'content' } {
  const bytes = Buffer.from(text)
  const h = (alg: string): string => createHash(alg).update(bytes).digest('hex')
  return {
    type: 'content',
    object: {
      sha1: h('sha1'),
      sha1Git: git(['hash-object', '-w', '--stdin'], text),
      sha256: h('sha256'),
      blake2s256: h('blake2s256'),
      length: bytes.length,
      status: 'visible',
      ctime: null,
      data: new Uint8Array(bytes),
    },
  }
}

type Entry = { name: string; type: 'file' | 'dir'; target: string }

/** A directory, with its id from `git mktree`. */
function tree(entries: Entry[]): ModelObject & { type: 'directory' } {
  const perms = (e: Entry): number => (e.type === 'file' ? 0o100644 : 0o040000)
  const lines = entries.map(
    (e) =>
      `${perms(e).toString(8).padStart(6, '0')} ${e.type === 'file' ? 'blob' : 'tree'} ${e.target}\t${e.name}`,
  )
  // mktree checks that the entries exist unless told --missing (our "lost" blobs are written).
  const id = git(['mktree'], lines.join('\n') + '\n')
  const object: Directory = {
    id,
    entries: entries.map((e) => ({
      name: enc(e.name),
      type: e.type,
      perms: perms(e),
      target: e.target,
    })),
    rawManifest: null,
  }
  return { type: 'directory', object }
}

/** A revision, with its id from `git commit-tree`. */
function commit(
  dir: string,
  parents: string[],
  message: string,
): ModelObject & { type: 'revision' } {
  const id = git(['commit-tree', dir, ...parents.flatMap((p) => ['-p', p]), '-m', message])
  const person = { fullname: enc('A <a@example.org>') }
  const date = { timestamp: { seconds: 1700000000, microseconds: 0 }, offsetBytes: enc('+0000') }
  const object: Revision = {
    id,
    message: enc(`${message}\n`),
    author: person,
    committer: person,
    date,
    committerDate: date,
    type: 'git',
    directory: dir,
    synthetic: false,
    parents,
    metadata: null,
    extraHeaders: [],
    rawManifest: null,
  }
  return { type: 'revision', object }
}

interface Script {
  objects?: ModelObject[]
  /** Reported lost before the objects are yielded. */
  lost?: string[]
  /** Branch name → revision id. */
  heads?: Record<string, string>
  fail?: Error
  scrub?: (m: string) => string
}

/** A producer that yields `script.objects`; records what the core asked of it. */
function producer(
  origin: string,
  script: Script,
): Producer & { calls: string[]; scratch?: string } {
  const p: Producer & { calls: string[]; scratch?: string } = {
    visitType: 'test',
    origin,
    calls: [],
    ...(script.scrub ? { scrub: script.scrub } : {}),
    fetch(ctx: LoadContext) {
      p.calls.push('fetch')
      p.scratch = ctx.scratch('test')
      if (script.fail) return Promise.reject(script.fail)
      for (const id of script.lost ?? []) ctx.lost(id)
      return Promise.resolve()
    },
    async *objects() {
      p.calls.push('objects')
      await Promise.resolve()
      yield* script.objects ?? []
    },
    branches(ctx: LoadContext) {
      p.calls.push('branches')
      const out: SnapshotBranch[] = Object.entries(script.heads ?? {}).map(([name, id]) => ({
        name: enc(name),
        target: ctx.broken(id) ? null : { targetType: 'revision', target: id },
      }))
      return Promise.resolve(out)
    },
    cleanup() {
      p.calls.push('cleanup')
    },
  }
  return p
}

async function statuses(origin: string, visit: number): Promise<string[]> {
  const page = await archive.storage.originVisitStatusGet(origin, visit, { limit: 100 })
  return page.results.map((s) => s.status)
}

beforeEach(async () => {
  repo = makeTemp('arca-core-git-')
  git(['init', '-q', '--bare', '.'])
  data = makeTemp('arca-core-data-')
  archive = await openArchive({ dataDir: data, writer: 'loader' })
})

afterEach(async () => {
  await archive.close()
  removeTemp(data)
  removeTemp(repo)
})

describe('loader core', () => {
  it('stores a bottom-up stream, snapshots it, and ends the visit full', async () => {
    const a = blob('a\n')
    const b = blob('b\n')
    const sub = tree([{ name: 'b.txt', type: 'file', target: b.object.sha1Git }])
    const root = tree([
      { name: 'a.txt', type: 'file', target: a.object.sha1Git },
      { name: 'sub', type: 'dir', target: sub.object.id },
    ])
    const c1 = commit(root.object.id, [], 'one')
    const c2 = commit(root.object.id, [c1.object.id], 'two')
    const events: LoadProgress[] = []
    const p = producer('https://example.org/full', {
      objects: [a, b, sub, root, c1, c2],
      heads: { 'refs/heads/main': c2.object.id },
    })
    const r = await runLoad(p, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      onProgress: (e) => events.push(e),
    })
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.message).toBeNull()
    expect(r.stats).toMatchObject({ contents: 2, contentBytes: 4, directories: 2, revisions: 2 })
    expect(await statuses(p.origin, r.visit)).toEqual(['created', 'ongoing', 'full'])
    expect(p.calls).toEqual(['fetch', 'objects', 'branches', 'cleanup'])
    expect(existsSync(p.scratch!)).toBe(false)
    const s = archive.storage
    expect(await s.revisionMissing([c1.object.id, c2.object.id])).toEqual([])
    expect(await s.directoryMissing([root.object.id, sub.object.id])).toEqual([])
    const latest = await s.originVisitGetLatest(p.origin)
    expect(latest?.status.snapshot).toBe(r.snapshot)
    const branches = await s.snapshotGetBranches(r.snapshot!)
    expect(branches?.branches.map((x) => x.target)).toEqual([
      { targetType: 'revision', target: c2.object.id },
    ])
    // Each phase counts its own objects; done counts everything stored.
    const last = (phase: string): LoadProgress | undefined =>
      events.filter((e) => e.phase === phase).at(-1)
    expect(last('contents')).toMatchObject({ objects: 2, bytes: 4 })
    expect(last('directories')).toMatchObject({ objects: 2 })
    expect(last('revisions')).toMatchObject({ objects: 2 })
    expect(last('snapshot')).toMatchObject({ objects: 1 })
    expect(last('done')).toMatchObject({ objects: 6, bytes: 4 })
  })

  it('a directory naming a lost object is not stored, nor anything above it: visit partial', async () => {
    const a = blob('a\n')
    const lostBlob = blob('never sent\n') // written to git (for mktree) but not yielded
    const lostId = lostBlob.object.sha1Git
    const inner = tree([
      { name: 'a.txt', type: 'file', target: a.object.sha1Git },
      { name: 'gone.txt', type: 'file', target: lostId },
    ])
    const outer = tree([{ name: 'inner', type: 'dir', target: inner.object.id }])
    const broken = commit(outer.object.id, [], 'broken')
    const after = commit(outer.object.id, [broken.object.id], 'after')
    const good = tree([{ name: 'a.txt', type: 'file', target: a.object.sha1Git }])
    const fine = commit(good.object.id, [], 'fine')
    const p = producer('https://example.org/partial', {
      objects: [a, inner, outer, broken, after, good, fine],
      heads: { 'refs/heads/broken': after.object.id, 'refs/heads/fine': fine.object.id },
    })
    const r = await runLoad(p, { storage: archive.storage, scratchDir: archive.tmpDir })
    expect(r.status).toBe('partial')
    expect(r.missing).toEqual([lostId])
    expect(r.message).toContain(lostId)
    expect(r.stats).toMatchObject({ contents: 1, directories: 1, revisions: 1 })
    const s = archive.storage
    expect(
      new Set(await s.directoryMissing([inner.object.id, outer.object.id, good.object.id])),
    ).toEqual(new Set([inner.object.id, outer.object.id]))
    expect(
      new Set(await s.revisionMissing([broken.object.id, after.object.id, fine.object.id])),
    ).toEqual(new Set([broken.object.id, after.object.id]))
    expect(await statuses(p.origin, r.visit)).toEqual(['created', 'ongoing', 'partial'])
    const branches = await s.snapshotGetBranches(r.snapshot!)
    expect(branches?.branches.map((x) => [Buffer.from(x.name).toString(), x.target])).toEqual([
      ['refs/heads/broken', null],
      ['refs/heads/fine', { targetType: 'revision', target: fine.object.id }],
    ])
  })

  it('an object the producer reports lost breaks what names it; archived children need not be sent again', async () => {
    const a = blob('a\n')
    const first = producer('https://example.org/first', { objects: [a] })
    expect(
      (await runLoad(first, { storage: archive.storage, scratchDir: archive.tmpDir })).status,
    ).toBe('full')
    // Second load: the blob is in the archive (not yielded); another blob is reported lost.
    const bad = blob('corrupt at the source\n')
    const ok = tree([{ name: 'a.txt', type: 'file', target: a.object.sha1Git }])
    const notOk = tree([{ name: 'bad', type: 'file', target: bad.object.sha1Git }])
    const second = producer('https://example.org/second', {
      objects: [ok, notOk],
      lost: [bad.object.sha1Git],
    })
    const r = await runLoad(second, { storage: archive.storage, scratchDir: archive.tmpDir })
    expect(r.status).toBe('partial')
    expect(r.missing).toEqual([bad.object.sha1Git])
    expect(await archive.storage.directoryMissing([ok.object.id, notOk.object.id])).toEqual([
      notOk.object.id,
    ])
  })

  it('a failing producer ends the visit failed with its (scrubbed) message, and is cleaned up', async () => {
    const p = producer('https://example.org/failing', {
      fail: new Error('remote hung up at https://user:secret@example.org/failing'),
      scrub: (m) => m.replaceAll('user:secret@', ''),
    })
    const r = await runLoad(p, { storage: archive.storage, scratchDir: archive.tmpDir })
    expect(r.status).toBe('failed')
    expect(r.snapshot).toBeNull()
    expect(r.message).toBe('remote hung up at https://example.org/failing')
    expect(await statuses(p.origin, r.visit)).toEqual(['created', 'ongoing', 'failed'])
    const latest = await archive.storage.originVisitStatusGetLatest(p.origin, r.visit)
    expect(latest?.metadata).toEqual({ message: 'remote hung up at https://example.org/failing' })
    expect(p.calls).toEqual(['fetch', 'cleanup'])
    expect(readdirSync(archive.tmpDir).filter((n) => n.startsWith('test-'))).toEqual([])
  })

  it('a source that does not exist ends the visit not_found', async () => {
    const p = producer('https://example.org/nothing', {
      fail: new NotFoundError('no such repository'),
    })
    const r = await runLoad(p, { storage: archive.storage, scratchDir: archive.tmpDir })
    expect(r.status).toBe('not_found')
    expect(r.message).toContain('no such repository')
    expect(await statuses(p.origin, r.visit)).toEqual(['created', 'ongoing', 'not_found'])
  })

  it('an interrupted load ends failed with the reason of the interruption', async () => {
    const a = blob('a\n')
    const ac = new AbortController()
    const p = producer('https://example.org/interrupted', { objects: [a, blob('b\n')] })
    const r = await runLoad(p, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.phase === 'contents') ac.abort(new Error('Interrupted by SIGINT'))
      },
    })
    expect(r.status).toBe('failed')
    expect(r.message).toBe('Interrupted by SIGINT')
    expect(await statuses(p.origin, r.visit)).toEqual(['created', 'ongoing', 'failed'])
  })
})
