/**
 * Archives of the vault's git tests: real repositories (made with git) loaded by the git
 * loader, each seen through an origin URL with one full visit, read through the masking
 * layers as the web and the vault read them.
 */
import { execFileSync } from 'node:child_process'

import { expect } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { type MaskedView, maskedView } from '../../src/storage/index.js'
import { gitEnvFixed } from './repos.js'
import { makeTemp, removeTemp } from './tree.js'

export interface GitArchive {
  archive: Archive
  view: MaskedView
  dataDir: string
  close(): Promise<void>
}

/** An empty archive in a fresh directory. */
export async function openGitArchive(): Promise<GitArchive> {
  const dataDir = makeTemp('arca-vault-git-')
  const archive = await openArchive({ dataDir })
  return {
    archive,
    view: maskedView(archive),
    dataDir,
    close: async () => {
      await archive.close()
      removeTemp(dataDir)
    },
  }
}

/** Loads `repo` and records a full visit of `origin` naming its snapshot; returns the snapshot id. */
export async function archiveRepo(a: GitArchive, repo: string, origin: string): Promise<string> {
  const writer = await openArchive({ dataDir: a.dataDir, writer: 'loader' })
  try {
    const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    expect(r.status).toBe('full')
    await writer.storage.originAdd([{ url: origin }])
    const [v] = await writer.storage.originVisitAdd([{ origin, date: new Date(), type: 'git' }])
    await writer.storage.originVisitStatusAdd([
      {
        origin,
        visit: v!.visit,
        date: new Date(),
        type: 'git',
        status: 'full',
        snapshot: r.snapshot,
        metadata: null,
      },
    ])
    return r.snapshot!
  } finally {
    await writer.close()
  }
}

/** Runs git with a clean configuration; stdout as latin-1 text, trimmed. */
export function gitIn(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): string {
  return execFileSync('git', args, {
    cwd,
    env: gitEnvFixed(env),
    encoding: 'latin1',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
}

/** `<id> <ref>` lines of every ref of a repository, sorted. */
export function refLines(repo: string): string[] {
  return gitIn(repo, ['for-each-ref', '--format=%(objectname) %(refname)'])
    .split('\n')
    .filter(Boolean)
    .sort()
}

/** Every object id reachable from the refs of a repository, sorted. */
export function reachableObjects(repo: string): string[] {
  return [
    ...new Set(
      gitIn(repo, ['rev-list', '--objects', '--all'])
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(0, 40)),
    ),
  ].sort()
}
