/**
 * `svn:externals` in the svn loader's trees, as Software Heritage's loader puts them there:
 * repositories made at test time with `svnadmin`/`svn`/`svnmucc`, served by one `svnserve`,
 * with externals of each shape (pinned `-r`, peg `@`, relative `^/`, into another repository of
 * the same server, a file, one unreachable, changed later, removed later, copied with a tag).
 * Every revision's directory must be git's ids of `svn export` of that revision with its
 * externals (test/helpers/svn.ts), every revision id the manifest written by hand.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import type { GitServer } from '../helpers/git-servers.js'
import { expectedRevisionId, exportedTreeId, startSvnserve, svnTool } from '../helpers/svn.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
let serve: GitServer
let main: string
let mainUrl: string

function save(
  data: string,
  target: string,
): { status: string; snapshot: string; exit: number | null; message: string | null } {
  const r = arca(['save', '--json', '--data', data, '--type', 'svn', target])
  if (!r.stdout.trim()) throw new Error(`arca save printed nothing (exit ${r.status}): ${r.stderr}`)
  return { ...JSON.parse(r.stdout), exit: r.status }
}

/** Revisions 1 to 6 of `main` (and 3 of `lib`), externals of each shape. */
function makeRepos(): void {
  const repos = join(root, 'repos')
  const lib = `file://${repos}/lib`
  svnTool('svnadmin', ['create', join(repos, 'lib')])
  writeFileSync(join(root, 'a1'), 'a one\n')
  writeFileSync(join(root, 'a2'), 'a two\n')
  svnTool('svnmucc', [
    '-m',
    'lib 1',
    'mkdir',
    `${lib}/lib`,
    'put',
    join(root, 'a1'),
    `${lib}/lib/a.txt`,
  ])
  svnTool('svnmucc', [
    '-m',
    'lib 2',
    'put',
    join(root, 'a2'),
    `${lib}/lib/a.txt`,
    'put',
    join(root, 'a1'),
    `${lib}/lib/b.txt`,
  ])
  // lib at HEAD has an external of its own that cannot be exported (nested in an external)
  const nested = 'svn://127.0.0.1:1/nowhere nested/dead'
  svnTool('svnmucc', ['-m', 'lib 3', 'propset', 'svn:externals', nested, `${lib}/lib`])
  main = join(repos, 'main')
  mainUrl = `file://${main}`
  svnTool('svnadmin', ['create', main])
  const wc = join(root, 'wc')
  svnTool('svn', ['checkout', '-q', mainUrl, wc])
  const svn = (...args: string[]): Buffer => svnTool('svn', args, wc)
  mkdirSync(join(wc, 'trunk'))
  mkdirSync(join(wc, 'vendor'))
  mkdirSync(join(wc, 'tags'))
  writeFileSync(join(wc, 'trunk', 'f.txt'), 'f\n')
  writeFileSync(join(wc, 'vendor', 'v.txt'), 'v\n')
  svn('add', '-q', 'trunk', 'vendor', 'tags')
  svn('commit', '-q', '-m', 'one') // r1
  const LIB = `${serve.url}/lib/lib` // another repository of the same svnserve
  const setExternals = (lines: string[]): void => {
    writeFileSync(join(root, 'ext'), lines.join('\n') + '\n')
    svn('propset', '-q', 'svn:externals', '-F', join(root, 'ext'), 'trunk')
  }
  setExternals([
    `-r 1 ${LIB} pinned`,
    `${LIB}@1 peg`,
    '^/vendor rel',
    `${LIB} deps/lib`,
    'svn://127.0.0.1:1/nowhere dead/inner',
    '^/trunk/f.txt@1 fext',
    `old-style -r1 ${LIB}`,
  ])
  svn('commit', '-q', '-m', 'externals') // r2
  svn('update', '-q', '--ignore-externals')
  setExternals([`-r 2 ${LIB} pinned`, '^/vendor rel', `${LIB} deps/lib`])
  svn('commit', '-q', '-m', 'externals changed') // r3
  svnTool('svn', ['copy', '-q', '-m', 'tag', `${mainUrl}/trunk`, `${mainUrl}/tags/t`]) // r4
  svn('update', '-q', '--ignore-externals')
  svn('propdel', '-q', 'svn:externals', 'trunk')
  svn('commit', '-q', '-m', 'externals removed') // r5
  writeFileSync(join(wc, 'trunk', 'f.txt'), 'f changed\n')
  svn('commit', '-q', '-m', 'a change') // r6
}

/** The revision ids of revisions 1 to 6, worked out from `svn export` with externals. */
function expectedIds(): { dirs: string[]; revs: string[] } {
  const dirs: string[] = []
  const revs: string[] = []
  for (let r = 1; r <= 6; r++) {
    dirs.push(exportedTreeId(mainUrl, r, { externals: true }))
    revs.push(expectedRevisionId(main, r, dirs[r - 1]!, r > 1 ? [revs[r - 2]!] : []))
  }
  return { dirs, revs }
}

async function loadedDirs(data: string, snapshot: string): Promise<string[]> {
  const archive = await openArchive({ dataDir: data })
  try {
    const [snp] = await archive.storage.snapshotGet([snapshot])
    const head = snp!.branches[0]!.target!
    let id: string | undefined = head.targetType === 'revision' ? head.target : undefined
    const out: string[] = []
    while (id) {
      const [rev] = await archive.storage.revisionGet([id])
      out.unshift(rev!.directory)
      id = rev!.parents[0]
    }
    return out
  } finally {
    await archive.close()
  }
}

beforeAll(async () => {
  root = makeTemp('arca-svn-ext-')
  mkdirSync(join(root, 'repos'))
  serve = await startSvnserve(join(root, 'repos'))
  makeRepos()
}, 60_000)

afterAll(async () => {
  await serve?.stop()
  if (root) removeTemp(root)
})

describe('svn loader: svn:externals as Software Heritage exports them', () => {
  let expected: { dirs: string[]; revs: string[] }
  let snapshot: string

  it('over file://: every tree is the export with its externals', async () => {
    expected = expectedIds()
    // the externals are in the trees: with them ignored, r2 would be r1's tree plus a property
    expect(expected.dirs[1]).not.toBe(exportedTreeId(mainUrl, 2))
    const data = join(root, 'data-file')
    const r = save(data, mainUrl)
    expect(r.exit, r.message ?? '').toBe(0)
    expect(r.status).toBe('full')
    expect(await loadedDirs(data, r.snapshot)).toEqual(expected.dirs)
    const archive = await openArchive({ dataDir: data })
    try {
      const [snp] = await archive.storage.snapshotGet([r.snapshot])
      expect(snp!.branches[0]!.target!.target).toBe(expected.revs[5])
    } finally {
      await archive.close()
    }
    snapshot = r.snapshot
  })

  it('over svn:// (svnserve): the same snapshot (externals into the repository from its mirror)', () => {
    const r = save(join(root, 'data-svnserve'), `${serve.url}/main`)
    expect(r.exit, r.message ?? '').toBe(0)
    expect(r.snapshot).toBe(snapshot)
  })

  it('a recursive external (its URL above where it goes): no external in the tree while it is defined', async () => {
    const rec = join(root, 'repos', 'rec')
    const u = `file://${rec}`
    svnTool('svnadmin', ['create', rec])
    writeFileSync(join(root, 'f'), 'f\n')
    svnTool('svnmucc', [
      '-m',
      '1',
      'mkdir',
      `${u}/trunk`,
      'mkdir',
      `${u}/vendor`,
      'put',
      join(root, 'f'),
      `${u}/trunk/f`,
      'put',
      join(root, 'f'),
      `${u}/vendor/v`,
    ])
    svnTool('svnmucc', [
      '-m',
      '2',
      'propset',
      'svn:externals',
      '^/trunk self\n^/vendor v',
      `${u}/trunk`,
    ])
    svnTool('svnmucc', ['-m', '3', 'propset', 'svn:externals', '^/vendor v', `${u}/trunk`])
    svnTool('svnmucc', ['-m', '4', 'put', join(root, 'a1'), `${u}/trunk/g`])
    const data = join(root, 'data-rec')
    const r = save(data, u)
    expect(r.exit, r.message ?? '').toBe(0)
    // SWH checks such a revision against the export without externals (--ignore-externals)
    expect(await loadedDirs(data, r.snapshot)).toEqual([
      exportedTreeId(u, 1),
      exportedTreeId(u, 2),
      exportedTreeId(u, 3, { externals: true }),
      exportedTreeId(u, 4, { externals: true }),
    ])
    expect(exportedTreeId(u, 3, { externals: true })).not.toBe(exportedTreeId(u, 3))
  })
})
