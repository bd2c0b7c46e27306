/**
 * The archive of the takedown tests: a real git repository (three commits: a visible README and
 * `src/main.c`, then `secret.txt` and `docs/README.md`, then an empty commit) loaded by the git
 * loader, seen through two origins (one to mask, one visible), served by the web app (API,
 * browse pages, mirror feed). Ids come from git.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { expect } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { git } from './repos.js'
import { makeTemp, removeTemp } from './tree.js'

export const SECRET = 'SECRET-BYTES-4242'
export const DOCS_SECRET = 'DOCS-README-SECRET'
export const MASKED_ORIGIN = 'https://example.org/taken-down.git'
export const VISIBLE_ORIGIN = 'https://example.org/visible.git'
/** The `swh:1:ori:` SWHID of the origin to mask (sha1 of its URL). */
export const MASKED_ORIGIN_SWHID = `swh:1:ori:${createHash('sha1').update(MASKED_ORIGIN).digest('hex')}`

function makeRepo(root: string): string {
  const repo = join(root, 'project')
  git(root, ['init', '-q', '-b', 'main', repo])
  mkdirSync(join(repo, 'src'))
  mkdirSync(join(repo, 'docs'))
  writeFileSync(join(repo, 'README.md'), '# Root readme ROOT-README-VISIBLE\n')
  writeFileSync(join(repo, 'src', 'main.c'), 'int main(void) { return 0; }\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'first'])
  writeFileSync(join(repo, 'secret.txt'), `${SECRET}\n`)
  writeFileSync(join(repo, 'docs', 'README.md'), `# Docs ${DOCS_SECRET}\n`)
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'second'])
  git(repo, ['commit', '-q', '--allow-empty', '-m', 'third'])
  return repo
}

export interface Fixture {
  archive: Archive
  app: ReturnType<typeof createApp>
  repo: string
  snapshot: string
  token: string
  /** git ids */
  secret: string
  docsReadme: string
  root: string
  srcDir: string
  docsDir: string
  head: string
  second: string
  first: string
  cleanup: () => Promise<void>
}

export async function makeFixture(storageUrl?: string): Promise<Fixture> {
  const tmp = makeTemp('arca-mask-')
  const data = makeTemp('arca-mask-data-')
  const repo = makeRepo(tmp)
  const writer = await openArchive({
    dataDir: data,
    ...(storageUrl ? { storageUrl } : {}),
    writer: 'loader',
  })
  const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
  expect(r.status).toBe('full')
  // The masked origin has the most recent visit (the loader's own visit of the path is now).
  for (const [origin, year] of [
    [VISIBLE_ORIGIN, 2024],
    [MASKED_ORIGIN, 2099],
  ] as const) {
    await writer.storage.originAdd([{ url: origin }])
    const [v] = await writer.storage.originVisitAdd([
      { origin, date: new Date(Date.UTC(year, 0, 2)), type: 'git' },
    ])
    await writer.storage.originVisitStatusAdd([
      {
        origin,
        visit: v!.visit,
        date: new Date(Date.UTC(year, 0, 2, 1)),
        type: 'git',
        status: 'full',
        snapshot: r.snapshot,
        metadata: null,
      },
    ])
  }
  await writer.close()
  const archive = await openArchive({ dataDir: data, ...(storageUrl ? { storageUrl } : {}) })
  const ctx = webContext(archive, {}, { disabled: true })
  const app = createApp(ctx, (a) => mountBrowse(a, ctx))
  const { secret: token } = await ctx.tokens.create('mirror', ['mirror'])
  const rev = (spec: string): string => git(repo, ['rev-parse', spec])
  return {
    archive,
    app,
    repo,
    snapshot: r.snapshot!,
    token,
    secret: rev('main:secret.txt'),
    docsReadme: rev('main:docs/README.md'),
    root: rev('main^{tree}'),
    srcDir: rev('main:src'),
    docsDir: rev('main:docs'),
    head: rev('main'),
    second: rev('main~1'),
    first: rev('main~2'),
    cleanup: async () => {
      await archive.close()
      removeTemp(tmp)
      removeTemp(data)
    },
  }
}

export async function get(f: Fixture, path: string, init: RequestInit = {}): Promise<Response> {
  return f.app.request(`http://arca.test${path}`, init)
}

export async function text(f: Fixture, path: string): Promise<{ status: number; body: string }> {
  const res = await get(f, path)
  return { status: res.status, body: await res.text() }
}

export const mask = (f: Fixture, id: string, swhids: string[]) =>
  f.archive.backend.maskSet(id, `takedown ${id}`, swhids, 'restricted')
export const unmask = (f: Fixture, id: string, swhids: string[]) =>
  f.archive.backend.maskSet(id, `lifted ${id}`, swhids, null)
