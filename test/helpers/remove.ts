/**
 * Shared set-up of the `arca remove` suite: git's view of a repository's objects, `arca`
 * children that do not block the test process (it serves upstreams), and readers of what an
 * archive still holds (SQLite or PostgreSQL graph, content bytes, origins, masks, fsck).
 */
import { join } from 'node:path'

import Database from 'better-sqlite3'
import pg from 'pg'
import { expect } from 'vitest'

import { arcaAsync } from './cli.js'
import { reachableObjects } from './git-expect.js'
import { serveUpstream, type Upstream } from './mirror.js'
import { git } from './repos.js'
import { isStored } from './stored-content.js'

const SWHID_TYPE = { commit: 'rev', tree: 'dir', blob: 'cnt', tag: 'rel' } as const

/** `swh:1:…` of every object git reaches in `repo` (git's object ids are the SWHIDs' ids). */
export function gitSwhids(repo: string): Set<string> {
  return new Set(reachableObjects(repo).map((o) => `swh:1:${SWHID_TYPE[o.type]}:${o.oid}`))
}

/** Adds `n` commits on top of main in a bare repository (fast-import), with unique files. */
export function addCommits(repo: string, n: number, tag: string): void {
  const parts: string[] = []
  for (let i = 0; i < n; i++) {
    parts.push('commit refs/heads/main', `committer C <c@example.org> ${1710000000 + i} +0000`)
    parts.push(`data ${Buffer.byteLength(`${tag} ${i}`)}`, `${tag} ${i}`)
    if (i === 0) parts.push('from refs/heads/main^0')
    const body = `${tag} only, commit ${i}\n`
    parts.push(`M 100644 inline ${tag}/f${i}.txt`, `data ${Buffer.byteLength(body)}`, body, '')
  }
  git(repo, ['fast-import', '--quiet'], { input: parts.join('\n') + '\n' })
}

/** A served upstream (the mirror suite's: a data directory served in this process). */
export type Served = Upstream
/** Serves `dir` in this process, with a mirror token. */
export const serve = (dir: string): Promise<Served> => serveUpstream(dir)

export async function mirrorOnce(dir: string, up: Served): Promise<void> {
  const r = await arcaAsync([
    'mirror',
    '--data',
    dir,
    '--upstream',
    up.server.url,
    '--token',
    up.token,
    '--once',
    '--json',
  ])
  expect(r.status, r.stderr).toBe(0)
  expect((JSON.parse(r.stdout) as { rejected: number }).rejected).toBe(0)
}

/** Which of `swhids` (core ones) the archive in `dir` holds (rows; contents: row and bytes). */
export function present(dir: string, swhids: Iterable<string>): Set<string> {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  const table = {
    cnt: ['content', 'sha1_git'],
    dir: ['directory', 'id'],
    rev: ['revision', 'id'],
    rel: ['release', 'id'],
    snp: ['snapshot', 'id'],
  } as const
  const out = new Set<string>()
  try {
    for (const s of swhids) {
      const [t, col] = table[s.slice(6, 9) as keyof typeof table]
      const id = s.slice(10)
      const row = db.prepare(`SELECT 1 FROM ${t} WHERE ${col} = ?`).get(Buffer.from(id, 'hex'))
      const file = s.startsWith('swh:1:cnt:') && isStored(dir, id)
      if (s.startsWith('swh:1:cnt:')) {
        // A row always has its bytes ("half" otherwise: a failure). Bytes without their row
        // are what a removal killed between a transaction and its unlinks leaves: invisible to
        // every read, and unlinked by the rerun (the final check finds none).
        if (row !== undefined && file) out.add(s)
        else if (row !== undefined) out.add(`${s} (half)`)
        else if (file) out.add(`${s} (bytes only)`)
      } else if (row !== undefined) out.add(s)
    }
  } finally {
    db.close()
  }
  return out
}

/** {@link present} on a PostgreSQL archive: rows there, content bytes in `dir`. */
export async function presentPg(
  url: string,
  dir: string,
  swhids: Iterable<string>,
): Promise<Set<string>> {
  const table = {
    cnt: ['content', 'sha1_git'],
    dir: ['directory', 'id'],
    rev: ['revision', 'id'],
    rel: ['release', 'id'],
    snp: ['snapshot', 'id'],
  } as const
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const out = new Set<string>()
  try {
    for (const s of swhids) {
      const [t, col] = table[s.slice(6, 9) as keyof typeof table]
      const id = s.slice(10)
      const row =
        (await client.query(`SELECT 1 FROM ${t} WHERE ${col} = $1`, [Buffer.from(id, 'hex')]))
          .rowCount! > 0
      const file = s.startsWith('swh:1:cnt:') && isStored(dir, id)
      if (!s.startsWith('swh:1:cnt:')) {
        if (row) out.add(s)
      } else if (row && file) out.add(s)
      else if (row) out.add(`${s} (half)`)
      else if (file) out.add(`${s} (bytes only)`)
    }
  } finally {
    await client.end()
  }
  return out
}

export function origins(dir: string): string[] {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT url FROM origin ORDER BY url').all() as { url: string }[]).map(
      (r) => r.url,
    )
  } finally {
    db.close()
  }
}

export function masked(dir: string): number {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM masked_object').get() as { n: number }).n
  } finally {
    db.close()
  }
}

export async function fsckClean(dir: string): Promise<void> {
  const r = await arcaAsync(['fsck', '--data', dir, '--json', '--restart'])
  const report = JSON.parse(r.stdout) as { clean: boolean; findings: unknown[] }
  expect(report.findings).toEqual([])
  expect(r.status).toBe(0)
}

export async function countRevisions(dir: string): Promise<number> {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  try {
    return Promise.resolve(
      (db.prepare('SELECT COUNT(*) AS n FROM revision').get() as { n: number }).n,
    )
  } finally {
    db.close()
  }
}
