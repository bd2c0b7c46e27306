/**
 * The Web API test fixture: an archive holding a rich repository under a URL-like origin with
 * several visits, paging origins and an unvisited one, served in process (`app.request`).
 */

import { expect } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { git, makeRichRepo } from './repos.js'
import { makeTemp, removeTemp } from './tree.js'

export type App = ReturnType<typeof createApp>

export interface Fixture {
  archive: Archive
  app: App
  repo: string
  origin: string
  head: string
  snapshot: string
  cleanup: () => Promise<void>
}

export const BASE = 'http://arca.test'

export async function makeFixture(storageUrl?: string): Promise<Fixture> {
  const root = makeTemp('arca-web-')
  const repo = makeRichRepo(root)
  const data = makeTemp('arca-web-data-')
  const writer = await openArchive({
    dataDir: data,
    ...(storageUrl ? { storageUrl } : {}),
    writer: 'loader',
  })
  const origin = 'https://example.org/rich.git'
  // Load from the local path, recorded under a URL-like origin name.
  const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
  expect(r.status).toBe('full')
  await writer.storage.originAdd([{ url: origin }])
  const [v] = await writer.storage.originVisitAdd([
    { origin, date: new Date('2024-01-02T03:04:05Z'), type: 'git' },
  ])
  await writer.storage.originVisitStatusAdd([
    {
      origin,
      visit: v!.visit,
      date: new Date('2024-01-02T03:05:00Z'),
      type: 'git',
      status: 'full',
      snapshot: r.snapshot,
      metadata: null,
    },
  ])
  // More origins and visits for paging (an origin is listed once it has a visit).
  for (let i = 0; i < 12; i++) {
    const url = `https://example.org/paging/${String(i).padStart(2, '0')}`
    await writer.storage.originAdd([{ url }])
    await writer.storage.originVisitAdd([
      { origin: url, date: new Date(Date.UTC(2024, 0, 1, i)), type: 'git' },
    ])
  }
  // An origin never visited (as the loader records submodule URLs): listed nowhere.
  await writer.storage.originAdd([{ url: 'https://example.org/paging/unvisited' }])
  for (let i = 0; i < 4; i++) {
    const [pv] = await writer.storage.originVisitAdd([
      { origin, date: new Date(Date.UTC(2024, 1, i + 1)), type: 'git' },
    ])
    await writer.storage.originVisitStatusAdd([
      {
        origin,
        visit: pv!.visit,
        date: new Date(Date.UTC(2024, 1, i + 1, 1)),
        type: 'git',
        status: 'partial',
        snapshot: r.snapshot,
        metadata: null,
      },
    ])
  }
  await writer.close()
  const archive = await openArchive({ dataDir: data, ...(storageUrl ? { storageUrl } : {}) })
  const ctx = webContext(
    archive,
    {},
    { exemptNetworks: [], rates: { swh_api: { count: 100_000, seconds: 60 } } },
  )
  const app = createApp(ctx)
  return {
    archive,
    app,
    repo,
    origin,
    head: git(repo, ['rev-parse', 'main']),
    snapshot: r.snapshot!,
    cleanup: async () => {
      await archive.close()
      removeTemp(root)
      removeTemp(data)
    },
  }
}

export function get(
  app: App,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Response> {
  return Promise.resolve(app.request(`${BASE}${path}`, { method, headers }))
}

export async function json(res: Response): Promise<any> {
  return await res.json()
}
