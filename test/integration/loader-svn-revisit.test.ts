/**
 * Re-visits of Subversion repositories (made at test time with `svnadmin`/`svn`/`svnmucc`)
 * resume after the last loaded revision: only the new revisions are read (an old revision's
 * properties are deleted from the repository before the re-visit, which a dump of it would
 * need), from the archived tree and the properties at that revision, and give the ids of a fresh
 * full load; a history rewritten at that revision (same UUID, other content) is found by
 * Software Heritage's check and loaded again from the first revision.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import type { GitServer } from '../helpers/git-servers.js'
import { expectedRevisionId, exportedTreeId, startSvnServers, svnTool } from '../helpers/svn.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string

interface Saved {
  status: string
  snapshot: string
  exit: number | null
  message: string | null
  stats: { revisions: number; fetchedObjects: number; contents: number }
}

function save(data: string, target: string): Saved {
  const r = arca(['save', '--json', '--data', data, '--type', 'svn', target])
  if (!r.stdout.trim()) throw new Error(`arca save printed nothing (exit ${r.status}): ${r.stderr}`)
  return { ...(JSON.parse(r.stdout) as Omit<Saved, 'exit'>), exit: r.status }
}

async function head(data: string, snapshot: string): Promise<string> {
  const archive = await openArchive({ dataDir: data })
  try {
    const [snp] = await archive.storage.snapshotGet([snapshot])
    const t = snp!.branches[0]!.target!
    return t.targetType === 'revision' ? t.target : ''
  } finally {
    await archive.close()
  }
}

/** Expected ids of revisions `revs` of `repo`, the first with `parent`. */
function chain(repo: string, revs: number[], parent: string | null): string[] {
  const ids: string[] = []
  for (const r of revs) {
    const prev = ids.length ? ids[ids.length - 1]! : parent
    const dir = exportedTreeId(`file://${repo}`, r, { externals: true })
    ids.push(expectedRevisionId(repo, r, dir, prev ? [prev] : []))
  }
  return ids
}

let serve: GitServer
let dav: GitServer | null = null

beforeAll(async () => {
  root = makeTemp('arca-svn-revisit-')
  mkdirSync(join(root, 'repos'))
  const servers = await startSvnServers(root)
  serve = servers.serve
  dav = servers.dav
}, 60_000)

afterAll(async () => {
  await serve?.stop()
  await dav?.stop()
  if (root) removeTemp(root)
})

describe('svn re-visits', () => {
  it.for(['file', 'svn', 'http'])(
    'over %s://: resume after the last loaded revision, read only the new ones, and equal a full load',
    async (scheme, ctx) => {
      if (scheme === 'http' && !dav) return ctx.skip()
      const repo = join(root, 'repos', `repo-${scheme}`)
      const url = `file://${repo}`
      // what is loaded: the repository itself, or served by svnserve (no mirror on a re-visit)
      const target = (path: string): string =>
        scheme === 'file'
          ? `file://${path}`
          : `${(scheme === 'svn' ? serve : dav!).url}/${path.slice(join(root, 'repos').length + 1)}`
      svnTool('svnadmin', ['create', repo])
      const wc = join(root, `wc-${scheme}`)
      svnTool('svn', ['checkout', '-q', url, wc])
      const svn = (...args: string[]): Buffer => svnTool('svn', args, wc)
      mkdirSync(join(wc, 'trunk'))
      mkdirSync(join(wc, 'vendor'))
      mkdirSync(join(wc, 'tags'))
      writeFileSync(join(wc, 'trunk', 'crlf.txt'), 'one\ntwo\n')
      writeFileSync(join(wc, 'trunk', 'run.sh'), '#!/bin/sh\n')
      writeFileSync(join(wc, 'vendor', 'v.txt'), 'v\n')
      symlinkSync('crlf.txt', join(wc, 'trunk', 'link'))
      svn('add', '-q', 'trunk', 'vendor', 'tags')
      svn('propset', '-q', 'svn:eol-style', 'CRLF', 'trunk/crlf.txt')
      svn('propset', '-q', 'svn:executable', 'on', 'trunk/run.sh')
      svn('commit', '-q', '-m', 'one') // r1
      svn('propset', '-q', 'svn:externals', '^/vendor ext', 'trunk')
      svn('commit', '-q', '-m', 'externals') // r2
      svn('update', '-q', '--ignore-externals')
      writeFileSync(join(wc, 'trunk', 'crlf.txt'), 'one\ntwo\nthree\n')
      svn('commit', '-q', '-m', 'three') // r3
      const data = join(root, `data-${scheme}`)
      const first = save(data, target(repo))
      expect(first.exit, first.message ?? '').toBe(0)
      expect(first.stats.fetchedObjects).toBe(4) // revisions 0 to 3
      const firstHead = await head(data, first.snapshot)
      expect(firstHead).toBe(chain(repo, [1, 2, 3], null)[2])

      // Nothing new: the same snapshot, nothing read but the check.
      const same = save(data, target(repo))
      expect(same.snapshot).toBe(first.snapshot)
      expect(same.stats.fetchedObjects).toBe(0)

      // New revisions: a text under svn:eol-style (its property known only from revision 3), a
      // property change, a copy from an old revision, the externals changed, a delete.
      svn('update', '-q', '--ignore-externals')
      writeFileSync(join(wc, 'trunk', 'crlf.txt'), 'four\n')
      svn('propdel', '-q', 'svn:executable', 'trunk/run.sh')
      svn('commit', '-q', '-m', 'four') // r4
      svnTool('svn', ['copy', '-q', '-m', 'tag of r1', `${url}/trunk@1`, `${url}/tags/one`]) // r5
      svn('update', '-q', '--ignore-externals')
      svn('propset', '-q', 'svn:externals', '^/vendor ext2', 'trunk')
      svn('rm', '-q', 'trunk/link')
      svn('commit', '-q', '-m', 'six') // r6
      // A fresh full load of the same repository, from a copy made now (same UUID).
      const copy = join(root, 'repos', `copy-${scheme}`)
      execFileSync('cp', ['-a', repo, copy])
      const full = save(join(root, `data-full-${scheme}`), target(copy))
      expect(full.exit, full.message ?? '').toBe(0)
      // Revision 2's properties go (nothing at revision 3 was last changed in it): a dump of
      // revision 2 can no longer be made, so the re-visit must not read it.
      rmSync(join(repo, 'db', 'revprops', '0', '2'))
      expect(() => svnTool('svnadmin', ['dump', '-q', '-r', '2', repo])).toThrow()

      const again = save(data, target(repo))
      expect(again.exit, again.message ?? '').toBe(0)
      expect(again.stats.fetchedObjects).toBe(3) // revisions 4, 5 and 6 only
      expect(again.stats.revisions).toBe(3)
      expect(await head(data, again.snapshot)).toBe(chain(copy, [4, 5, 6], firstHead)[2])
      expect(again.snapshot).toBe(full.snapshot)
    },
  )

  it('a history rewritten at the last loaded revision (same UUID) is loaded again from the first', async () => {
    const repo = join(root, 'repos', 'rewritten')
    const url = `file://${repo}`
    const make = (text: string, revisions: number): void => {
      if (existsSync(repo)) rmSync(repo, { recursive: true })
      svnTool('svnadmin', ['create', repo])
      svnTool('svnadmin', ['setuuid', repo, '0e5e5e5e-1111-4222-8333-444455556666'])
      writeFileSync(join(root, 'f'), text)
      for (let i = 1; i <= revisions; i++)
        svnTool('svnmucc', ['-m', `r${i}`, 'put', join(root, 'f'), `${url}/f${i}`])
    }
    make('first\n', 2)
    const data = join(root, 'data-rewritten')
    const first = save(data, url)
    expect(first.stats.revisions).toBe(2)
    const oldHead = await head(data, first.snapshot)
    make('other\n', 3) // revision 2 now has other content, and there is a revision 3
    const again = save(data, url)
    expect(again.exit, again.message ?? '').toBe(0)
    expect(again.stats.revisions).toBe(3)
    expect(again.stats.fetchedObjects).toBe(4) // everything, revision 0 included
    expect(await head(data, again.snapshot)).toBe(chain(repo, [1, 2, 3], oldHead)[2])
  })

  it('a path inside a repository resumes too, with copies from outside that path', async () => {
    const repo = join(root, 'repos', 'subpath')
    const url = `file://${repo}`
    svnTool('svnadmin', ['create', repo])
    writeFileSync(join(root, 'x'), 'x\n')
    const mucc = (...args: string[]): Buffer => svnTool('svnmucc', args)
    mucc(
      '-m',
      '1',
      'mkdir',
      `${url}/trunk`,
      'mkdir',
      `${url}/other`,
      'put',
      join(root, 'x'),
      `${url}/other/o.txt`,
    )
    mucc('-m', '2', 'put', join(root, 'x'), `${url}/trunk/t.txt`)
    const data = join(root, 'data-subpath')
    const first = save(data, `${url}/trunk`)
    expect(first.exit, first.message ?? '').toBe(0)
    const firstHead = await head(data, first.snapshot)
    writeFileSync(join(root, 'y'), 'y\n')
    mucc('-m', '3', 'put', join(root, 'y'), `${url}/other/o.txt`) // outside trunk
    mucc('-m', '4', 'cp', '3', `${url}/other`, `${url}/trunk/copied`) // into trunk, from outside
    mucc('-m', '5', 'cp', '1', `${url}/other/o.txt`, `${url}/trunk/old.txt`) // from an old revision
    const copy = join(root, 'repos', 'subpath-copy')
    execFileSync('cp', ['-a', repo, copy])
    const full = save(join(root, 'data-subpath-full'), `file://${copy}/trunk`)
    expect(full.exit, full.message ?? '').toBe(0)
    const again = save(data, `${url}/trunk`)
    expect(again.exit, again.message ?? '').toBe(0)
    expect(again.stats.fetchedObjects).toBe(3) // revisions 3 to 5
    expect(again.stats.revisions).toBe(2) // 3 does not touch trunk
    const ids: string[] = []
    for (const r of [4, 5]) {
      const dir = exportedTreeId(`${url}/trunk`, r, { externals: true })
      ids.push(expectedRevisionId(repo, r, dir, [ids[ids.length - 1] ?? firstHead]))
    }
    expect(await head(data, again.snapshot)).toBe(ids[1])
    expect(again.snapshot).toBe(full.snapshot)
  })
})
