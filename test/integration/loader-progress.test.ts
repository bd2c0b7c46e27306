/**
 * `arca save --progress` on a real git repository, with stderr not a terminal: the JSON log has
 * every phase's final counts, and they are git's own counts of the repository (objects by type,
 * blob bytes), not the number of refs; `done` counts what was stored.
 */

import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca } from '../helpers/cli.js'
import { git, makeHistoryRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
let repo: string

beforeAll(() => {
  root = makeTemp('arca-progress-')
  repo = makeHistoryRepo(root, 40, 4, 'progress.git')
  git(repo, ['tag', '-a', '-m', 'v1', 'v1', 'main~5'])
  git(repo, ['tag', '-a', '-m', 'v2', 'v2', 'main'])
}, 60_000)

afterAll(() => removeTemp(root))

interface Event {
  event: string
  phase: string
  objects: number
  total?: number
  bytes: number
}

describe('save progress', () => {
  it('each phase reports its own real counts; done counts what was stored', () => {
    // git's counts, by type, and the bytes of the blobs.
    const byType = new Map<string, number>()
    let blobBytes = 0
    for (const line of git(repo, [
      'cat-file',
      '--batch-all-objects',
      '--batch-check=%(objecttype) %(objectsize)',
    ]).split('\n')) {
      const [type, size] = line.split(' ')
      byType.set(type!, (byType.get(type!) ?? 0) + 1)
      if (type === 'blob') blobBytes += Number(size)
    }
    const reachable = git(repo, ['rev-list', '--objects', '--all']).split('\n').length
    const all = [...byType.values()].reduce((a, b) => a + b, 0)
    expect(all).toBe(reachable)
    const data = makeTemp('arca-data-')
    try {
      const r = arca(['save', '--progress', '--json', '--data', data, pathToFileURL(repo).href])
      expect(r.status, r.stderr).toBe(0)
      const events = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Event)
      const last = (phase: string): Event | undefined =>
        events.filter((e) => e.phase === phase).at(-1)
      expect(last('fetch')).toMatchObject({ objects: all })
      expect(last('fetch')!.bytes).toBeGreaterThan(0)
      expect(last('contents')).toMatchObject({
        objects: byType.get('blob'),
        total: byType.get('blob'),
        bytes: blobBytes,
      })
      expect(last('directories')).toMatchObject({
        objects: byType.get('tree'),
        total: byType.get('tree'),
      })
      expect(last('revisions')).toMatchObject({
        objects: byType.get('commit'),
        total: byType.get('commit'),
      })
      expect(last('releases')).toMatchObject({ objects: 2, total: 2 })
      // main, v1, v2 and HEAD.
      expect(last('snapshot')).toMatchObject({ objects: 4 })
      const done = events.at(-1)!
      expect(done).toMatchObject({ event: 'done', phase: 'done', objects: all, bytes: blobBytes })
    } finally {
      removeTemp(data)
    }
  })
})
