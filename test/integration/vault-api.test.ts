/**
 * The vault API in Software Heritage's documented shapes (swh-web `vault/api_views.py`, and
 * the fields swh-web-client's `cooking_request` / `cooking_check` / `cooking_fetch` read): a
 * real git repository loaded by the git loader, a real SQLite task queue and the real worker
 * for queued cooks, bundles extracted with GNU tar and identified by git.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { vaultHandlers } from '../../src/cli/vault-tasks.js'
import { loadGit } from '../../src/loader/git/loader.js'
import { SqlTaskQueue, Worker } from '../../src/scheduler/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { maskedView } from '../../src/storage/index.js'
import { archiveVault, type VaultInit } from '../../src/vault/index.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { git } from '../helpers/repos.js'
import { gitWriteTree, makeTemp, removeTemp } from '../helpers/tree.js'

let tmp: string
let data: string
let repo: string
let archive: Archive
let queue: SqlTaskQueue
let tree: string
let srcTree: string
let readme: string
let rev: string

type Limits = Pick<VaultInit, 'inlineMaxBytes' | 'immediateMaxBytes' | 'maxCacheBytes'>

function appWith(limits: Limits = {}, dataDir = data) {
  const view = maskedView(archive)
  const vault = archiveVault({ ...view, dataDir, queue, ...limits })
  const ctx = webContext(archive, {}, { disabled: true }, { vault })
  return { app: createApp(ctx), vault }
}

const BASE = 'http://arca.test'
const req = (app: ReturnType<typeof createApp>, path: string, method = 'GET') =>
  app.request(`${BASE}${path}`, { method })

beforeAll(async () => {
  tmp = makeTemp('arca-vault-api-')
  data = makeTemp('arca-vault-api-data-')
  repo = join(tmp, 'repo')
  git(tmp, ['init', '-q', '-b', 'main', repo])
  mkdirSync(join(repo, 'src'))
  writeFileSync(join(repo, 'README'), 'hello vault\n')
  writeFileSync(join(repo, 'src', 'main.c'), 'int main(void) { return 0; }\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'first'])
  tree = git(repo, ['rev-parse', 'HEAD^{tree}'])
  srcTree = git(repo, ['rev-parse', 'HEAD:src'])
  readme = git(repo, ['rev-parse', 'HEAD:README'])
  rev = git(repo, ['rev-parse', 'HEAD'])
  const writer = await openArchive({ dataDir: data, writer: 'loader' })
  const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
  expect(r.status).toBe('full')
  await writer.close()
  archive = await openArchive({ dataDir: data })
  queue = new SqlTaskQueue(archive.backend.db, { ownsDatabase: false })
  await queue.open()
})

afterAll(async () => {
  await archive?.close()
  removeTemp(tmp)
  removeTemp(data)
})

/** Extracts a flat bundle's bytes and returns git's id of its top folder. */
function treeOfBundle(bytes: Uint8Array, top: string): string {
  const dir = makeTemp('arca-vault-api-x-')
  try {
    writeFileSync(join(dir, 'b.tar.gz'), bytes)
    execFileSync('tar', ['-xzf', join(dir, 'b.tar.gz'), '-C', dir])
    return gitWriteTree(join(dir, top))
  } finally {
    removeTemp(dir)
  }
}

describe('vault API', () => {
  it('POST cooks a small bundle inline; GET and raw answer as SWH documents', async () => {
    const { app } = appWith()
    const swhid = `swh:1:dir:${tree}`
    const post = await req(app, `/api/1/vault/flat/${swhid}/`, 'POST')
    expect(post.status).toBe(200)
    const body = (await post.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual([
      'fetch_url',
      'id',
      'progress_message',
      'status',
      'swhid',
    ])
    expect(body).toMatchObject({
      status: 'done',
      swhid,
      fetch_url: `${BASE}/api/1/vault/flat/${swhid}/raw/`,
    })
    expect(typeof body['id']).toBe('number')
    expect(post.headers.get('cache-control')).toContain('no-cache')
    const check = await req(app, `/api/1/vault/flat/${swhid}/`)
    expect(await check.json()).toEqual(body)
    // swh-web-client's cooking_fetch asks for `raw` without the trailing slash
    for (const path of [`/api/1/vault/flat/${swhid}/raw/`, `/api/1/vault/flat/${swhid}/raw`]) {
      const raw = await req(app, path)
      expect(raw.status).toBe(200)
      expect(raw.headers.get('content-type')).toBe('application/gzip')
      expect(raw.headers.get('content-disposition')).toBe(
        `attachment; filename="swh_1_dir_${tree}.tar.gz"`,
      )
      expect(raw.headers.get('x-arca-vault')).toBeNull()
      expect(treeOfBundle(new Uint8Array(await raw.arrayBuffer()), swhid)).toBe(tree)
    }
  })

  it('answers 400 for a bad SWHID or a content, 404 for unknown objects and unrequested cooks', async () => {
    const { app } = appWith()
    const bad = await req(app, '/api/1/vault/flat/swh:1:dir:xyz/', 'POST')
    expect(bad.status).toBe(400)
    const cnt = await req(app, `/api/1/vault/flat/swh:1:cnt:${readme}/`, 'POST')
    expect(cnt.status).toBe(400)
    expect(((await cnt.json()) as { reason: string }).reason).toContain('/api/1/content/raw/')
    const unknown = await req(app, `/api/1/vault/flat/swh:1:dir:${'0'.repeat(40)}/`, 'POST')
    expect(unknown.status).toBe(404)
    const never = await req(app, `/api/1/vault/flat/swh:1:rev:${rev}/`)
    expect(never.status).toBe(404)
    expect(((await never.json()) as { reason: string }).reason).toBe(
      `Cooking of swh:1:rev:${rev} was never requested.`,
    )
  })

  it('cooks a git-bare bundle on the worker: a bare repository git fsck accepts, with the same ids', async () => {
    const dataDir = makeTemp('arca-vault-api-g-')
    try {
      const { app } = appWith({}, dataDir)
      const swhid = `swh:1:rev:${rev}`
      const post = await req(app, `/api/1/vault/git-bare/${swhid}/`, 'POST')
      expect(post.status).toBe(200)
      expect(await post.json()).toMatchObject({
        swhid,
        status: expect.stringMatching(/new|pending|done/),
      })
      const worker = new Worker({
        queue,
        name: 'vault-test-bare',
        handlers: vaultHandlers(archiveVault({ ...maskedView(archive), dataDir })),
        idleMaxMs: 50,
      })
      worker.start()
      let status = 'new'
      for (let i = 0; i < 600 && status !== 'done' && status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const check = await req(app, `/api/1/vault/git-bare/${swhid}/`)
        status = ((await check.json()) as { status: string }).status
      }
      await worker.stop()
      expect(status).toBe('done')
      const raw = await req(app, `/api/1/vault/git-bare/${swhid}/raw/`)
      expect(raw.status).toBe(200)
      const out = join(dataDir, 'out')
      mkdirSync(out)
      writeFileSync(join(out, 'bundle.tar'), new Uint8Array(await raw.arrayBuffer()))
      execFileSync('tar', ['-xf', join(out, 'bundle.tar'), '-C', out])
      const bare = join(out, `${swhid}.git`)
      execFileSync('git', ['-C', bare, 'fsck', '--strict'], { stdio: 'pipe' })
      expect(git(bare, ['rev-parse', `${rev}^{tree}`])).toBe(tree)
      expect(git(bare, ['rev-parse', `${rev}:README`])).toBe(readme)
    } finally {
      removeTemp(dataDir)
    }
  })

  it('queues a big bundle for the worker, once for concurrent requests', async () => {
    const dataDir = makeTemp('arca-vault-api-q-')
    try {
      const { app } = appWith({ inlineMaxBytes: 0, immediateMaxBytes: 0 }, dataDir)
      const swhid = `swh:1:rev:${rev}`
      const posts = await Promise.all(
        [1, 2, 3].map(async () => req(app, `/api/1/vault/flat/${swhid}/`, 'POST')),
      )
      const bodies = (await Promise.all(posts.map((p) => p.json()))) as Record<string, unknown>[]
      expect(bodies.every((b) => b['status'] === 'new')).toBe(true)
      const tasks = await queue.list({ kind: 'vault-cook' })
      const mine = tasks.filter((t) => {
        const a = t.args as { swhid: string; bundleType: string }
        return a.swhid === swhid && a.bundleType === 'flat'
      })
      expect(mine).toHaveLength(1)
      expect(bodies[0]!['id']).toBe(mine.find((t) => t.state === 'queued')!.id)
      // nothing cooked yet, and the immediate download is off: 404 as SWH
      expect((await req(app, `/api/1/vault/flat/${swhid}/raw/`)).status).toBe(404)
      const view = maskedView(archive)
      const workerVault = archiveVault({ ...view, dataDir })
      const worker = new Worker({
        queue,
        name: 'vault-test',
        handlers: vaultHandlers(workerVault),
        idleMaxMs: 50,
      })
      worker.start()
      let status = 'new'
      for (let i = 0; i < 600 && status !== 'done'; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const check = await req(app, `/api/1/vault/flat/${swhid}/`)
        status = ((await check.json()) as { status: string }).status
      }
      await worker.stop()
      expect(status).toBe('done')
      const raw = await req(app, `/api/1/vault/flat/${swhid}/raw/`)
      expect(raw.status).toBe(200)
      expect(treeOfBundle(new Uint8Array(await raw.arrayBuffer()), swhid)).toBe(tree)
      // no temporary file left next to the bundle
      expect(readdirSync(join(dataDir, 'vault', 'flat')).filter((f) => f.startsWith('.'))).toEqual(
        [],
      )
    } finally {
      removeTemp(dataDir)
    }
  })

  it('streams an uncooked bundle at once from raw when small, caching nothing', async () => {
    const dataDir = makeTemp('arca-vault-api-i-')
    try {
      const { app } = appWith({}, dataDir)
      const swhid = `swh:1:dir:${srcTree}`
      const raw = await req(app, `/api/1/vault/flat/${swhid}/raw/`)
      expect(raw.status).toBe(200)
      expect(raw.headers.get('x-arca-vault')).toBe('immediate')
      expect(treeOfBundle(new Uint8Array(await raw.arrayBuffer()), swhid)).toBe(srcTree)
      expect((await req(app, `/api/1/vault/flat/${swhid}/`)).status).toBe(404)
    } finally {
      removeTemp(dataDir)
    }
  })

  it('evicts the least recently used bundles past the cache size', async () => {
    const dataDir = makeTemp('arca-vault-api-e-')
    try {
      const { app } = appWith({ maxCacheBytes: 1 }, dataDir)
      const a = `swh:1:dir:${tree}`
      const b = `swh:1:dir:${srcTree}`
      expect((await req(app, `/api/1/vault/flat/${a}/`, 'POST')).status).toBe(200)
      expect(existsSync(join(dataDir, 'vault', 'flat', `${a.replace(/:/g, '_')}.bundle`))).toBe(
        true,
      )
      expect((await req(app, `/api/1/vault/flat/${b}/`, 'POST')).status).toBe(200)
      const files = readdirSync(join(dataDir, 'vault', 'flat'))
      expect(files).toEqual([`${b.replace(/:/g, '_')}.bundle`, `${b.replace(/:/g, '_')}.json`])
      expect((await req(app, `/api/1/vault/flat/${a}/`)).status).toBe(404)
    } finally {
      removeTemp(dataDir)
    }
  })

  it('answers 403 with the masked field for a bundle holding a masked object, cached or not', async () => {
    const dataDir = makeTemp('arca-vault-api-m-')
    try {
      const { app } = appWith({}, dataDir)
      const swhid = `swh:1:dir:${tree}`
      expect((await req(app, `/api/1/vault/flat/${swhid}/`, 'POST')).status).toBe(200)
      await archive.backend.maskSet('v1', 'takedown', [`swh:1:cnt:${readme}`], 'restricted')
      try {
        for (const [path, method] of [
          [`/api/1/vault/flat/${swhid}/`, 'POST'],
          [`/api/1/vault/flat/${swhid}/raw/`, 'GET'],
          [`/api/1/vault/flat/swh:1:rev:${rev}/raw/`, 'GET'],
        ] as const) {
          const res = await req(app, path, method)
          expect(res.status, path).toBe(403)
          const body = (await res.json()) as { masked: Record<string, unknown> }
          expect(Object.keys(body.masked)).toEqual([`swh:1:cnt:${readme}`])
        }
      } finally {
        await archive.backend.maskSet('v1', 'lifted', [`swh:1:cnt:${readme}`], null)
      }
      expect((await req(app, `/api/1/vault/flat/${swhid}/raw/`)).status).toBe(200)
    } finally {
      removeTemp(dataDir)
    }
  })

  it('recovers from a killed cook: its state reads failed, a new POST cooks, stale temp files go', async () => {
    const dataDir = makeTemp('arca-vault-api-k-')
    try {
      const { app, vault } = appWith({}, dataDir)
      const swhid = `swh:1:dir:${tree}`
      const folder = join(dataDir, 'vault', 'flat')
      mkdirSync(folder, { recursive: true })
      // what a process killed mid-cook leaves: a pending state owned by it, a temp file
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
      const state = {
        type: 'flat',
        swhid,
        id: 7,
        status: 'pending',
        progress: 'Processing...',
        size: null,
        createdAt: new Date().toISOString(),
        doneAt: null,
        owner: `${hostname()}:${dead.stdout.toString()}`,
        taskId: null,
      }
      writeFileSync(join(folder, `${swhid.replace(/:/g, '_')}.json`), JSON.stringify(state))
      writeFileSync(join(folder, '.tmp-stale'), 'half a bundle')
      const old = new Date(Date.now() - 2 * 3600_000)
      utimesSync(join(folder, '.tmp-stale'), old, old)
      writeFileSync(join(folder, '.tmp-live'), 'a cook in progress')
      const check = await req(app, `/api/1/vault/flat/${swhid}/`)
      expect(await check.json()).toMatchObject({ status: 'failed' })
      expect((await req(app, `/api/1/vault/flat/${swhid}/raw/`)).headers.get('x-arca-vault')).toBe(
        'immediate',
      )
      const post = await req(app, `/api/1/vault/flat/${swhid}/`, 'POST')
      expect(await post.json()).toMatchObject({ status: 'done' })
      await vault.sweep()
      expect(readdirSync(folder).sort()).toEqual([
        '.tmp-live',
        `${swhid.replace(/:/g, '_')}.bundle`,
        `${swhid.replace(/:/g, '_')}.json`,
      ])
    } finally {
      removeTemp(dataDir)
    }
  })
})
