/**
 * The loaders' mutable tree against git: every tree id is what `git write-tree` gives for the
 * same index (built with `git update-index`, names as raw bytes), whatever the order of changes,
 * and a tree started from an archived directory reads only what a change reaches.
 */
import { execFileSync } from 'node:child_process'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { MutableTree } from '../../src/loader/core/tree.js'
import type { Directory } from '../../src/model/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const b = (s: string | Buffer): Uint8Array => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s)

let repo: string
let data: string
let archive: Archive

function git(args: string[], input?: Buffer | string): string {
  return execFileSync('git', args, { cwd: repo, input, encoding: 'utf8' }).trim()
}
function blob(text: string): string {
  return git(['hash-object', '-w', '--stdin'], text)
}
/** git's tree id of these (mode, blob, path) entries; paths as raw bytes. */
function gitTree(entries: readonly [number, string, Buffer][]): string {
  git(['read-tree', '--empty'])
  const lines = entries.map(([mode, sha, path]) =>
    Buffer.concat([Buffer.from(`${mode.toString(8)} ${sha}\t`), path, Buffer.from([0])]),
  )
  if (lines.length > 0) git(['update-index', '-z', '--index-info'], Buffer.concat(lines))
  return git(['write-tree', '--missing-ok'])
}
async function flushAll(tree: MutableTree): Promise<Directory[]> {
  const out: Directory[] = []
  for await (const d of tree.flush()) out.push(d)
  return out
}

beforeEach(async () => {
  repo = makeTemp('arca-tree-git-')
  data = makeTemp('arca-tree-data-')
  git(['init', '-q'])
  archive = await openArchive({ dataDir: data })
})
afterEach(async () => {
  await archive.close()
  removeTemp(repo)
  removeTemp(data)
})

describe('MutableTree', () => {
  it('gives git’s ids for files, executables, links, revs and non-UTF-8 names, bottom-up', async () => {
    const a = blob('a\n')
    const c = blob('c\n')
    const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9]) // "café" in Latin-1, not UTF-8
    const rev = '1234567890abcdef1234567890abcdef12345678'
    const tree = MutableTree.empty()
    await tree.putLeaf(b('src/lib/a.c'), { type: 'file', perms: 0o100644, target: a })
    await tree.putLeaf(b('run.sh'), { type: 'file', perms: 0o100755, target: c })
    await tree.putLeaf(b('link'), { type: 'file', perms: 0o120000, target: a })
    await tree.putLeaf(Buffer.concat([b('src/'), latin]), {
      type: 'file',
      perms: 0o100644,
      target: c,
    })
    await tree.putLeaf(b('vendor/sub'), { type: 'rev', perms: 0o160000, target: rev })
    const dirs = await flushAll(tree)
    const expected = gitTree([
      [0o100644, a, b('src/lib/a.c') as Buffer],
      [0o100755, c, b('run.sh') as Buffer],
      [0o120000, a, b('link') as Buffer],
      [0o100644, c, Buffer.concat([b('src/'), latin])],
      [0o160000, rev, b('vendor/sub') as Buffer],
    ])
    expect(tree.rootId()).toBe(expected)
    // bottom-up: every directory after the directories it names; the root last
    const seen = new Set<string>()
    for (const d of dirs) {
      for (const e of d.entries) if (e.type === 'dir') expect(seen.has(e.target)).toBe(true)
      seen.add(d.id)
    }
    expect(dirs[dirs.length - 1]!.id).toBe(expected)
    expect(dirs).toHaveLength(4) // src/lib, src, vendor, root
  })

  it('removes with and without pruning, replaces files by dirs, copies subtrees', async () => {
    const a = blob('a\n')
    const c = blob('c\n')
    const tree = MutableTree.empty()
    await tree.putLeaf(b('x/y/z'), { type: 'file', perms: 0o100644, target: a })
    await tree.putLeaf(b('keep'), { type: 'file', perms: 0o100644, target: c })
    await flushAll(tree)
    const first = tree.rootId()
    expect(first).toBe(
      gitTree([
        [0o100644, a, b('x/y/z') as Buffer],
        [0o100644, c, b('keep') as Buffer],
      ]),
    )

    await tree.copy(b('x'), b('copy/of/x'))
    await tree.remove(b('x/y/z'), { prune: true }) // x and x/y vanish, as in git
    expect(await tree.get(b('x'))).toBeNull()
    const dirs = await flushAll(tree)
    expect(tree.rootId()).toBe(
      gitTree([
        [0o100644, a, b('copy/of/x/y/z') as Buffer],
        [0o100644, c, b('keep') as Buffer],
      ]),
    )
    // the copied x/y is unchanged: only copy/of, copy and the root are new
    expect(dirs.map((d) => d.entries.map((e) => Buffer.from(e.name).toString()).join(','))).toEqual(
      ['x', 'of', 'copy,keep'],
    )

    // without pruning an empty directory stays (Subversion keeps them): git's empty tree id
    await tree.remove(b('keep'))
    await tree.remove(b('copy/of/x/y/z'))
    await flushAll(tree)
    const empty = git(['hash-object', '-t', 'tree', '--stdin'], '')
    const y = git(['mktree'], `040000 tree ${empty}\ty\n`)
    const of = git(['mktree'], `040000 tree ${y}\tx\n`)
    const copy = git(['mktree'], `040000 tree ${of}\tof\n`)
    expect(tree.rootId()).toBe(git(['mktree', '--missing'], `040000 tree ${copy}\tcopy\n`))

    await tree.remove(b('copy'))
    await tree.mkdir(b('d'))
    await tree.putLeaf(b('d'), { type: 'file', perms: 0o100644, target: a }) // a file replaces the dir
    await flushAll(tree)
    expect(tree.rootId()).toBe(gitTree([[0o100644, a, b('d') as Buffer]]))
    expect(await tree.remove(b('nothing/here'))).toBe(false)
  })

  it('starts from an archived directory and reads only what changes reach', async () => {
    const a = blob('a\n')
    const c = blob('c\n')
    const first = MutableTree.empty()
    await first.putLeaf(b('big/one'), { type: 'file', perms: 0o100644, target: a })
    await first.putLeaf(b('small/two'), { type: 'file', perms: 0o100644, target: c })
    const dirs = await flushAll(first)
    await archive.storage.directoryAdd(dirs)
    await archive.storage.flush()

    const again = MutableTree.fromDirectory(archive.storage, first.rootId())
    await again.putLeaf(b('small/three'), { type: 'file', perms: 0o100755, target: a })
    const changed = await flushAll(again)
    expect(changed).toHaveLength(2) // small and the root; big is never read nor re-hashed
    expect(again.rootId()).toBe(
      gitTree([
        [0o100644, a, b('big/one') as Buffer],
        [0o100644, c, b('small/two') as Buffer],
        [0o100755, a, b('small/three') as Buffer],
      ]),
    )
    expect(() => MutableTree.empty().rootId()).toThrow(/before flush/)
  })

  it('puts an archived directory at a path, read only when a change reaches into it', async () => {
    const a = blob('a\n')
    const old = MutableTree.empty()
    await old.putLeaf(b('lib/x'), { type: 'file', perms: 0o100644, target: a })
    await old.mkdir(b('lib/empty'))
    await archive.storage.directoryAdd(await flushAll(old))
    await archive.storage.flush()
    const lib = await old.get(b('lib'))
    if (lib?.kind !== 'dir') throw new Error('no lib')

    const tree = MutableTree.empty(archive.storage)
    await tree.putLeaf(b('top'), { type: 'file', perms: 0o100644, target: a })
    await tree.putDirectory(b('tags/v1'), lib.id!)
    const changed = await flushAll(tree)
    expect(changed).toHaveLength(2) // tags and the root; tags/v1 is archived already
    await tree.putLeaf(b('tags/v1/y'), { type: 'file', perms: 0o100755, target: a })
    await flushAll(tree)
    const emptyTree = git(['mktree'], '')
    git(['read-tree', '--empty'])
    const withEmpty = git(
      ['mktree'],
      `040000 tree ${emptyTree}\tempty\n100644 blob ${a}\tx\n100755 blob ${a}\ty\n`,
    )
    const v1 = git(['mktree'], `040000 tree ${withEmpty}\tv1\n`)
    expect(tree.rootId()).toBe(git(['mktree'], `040000 tree ${v1}\ttags\n100644 blob ${a}\ttop\n`))
    await expect(MutableTree.empty().putDirectory(b('x'), lib.id!)).rejects.toThrow(/storage/)
  })

  it('refuses names that are no names: empty, ".", "..", NUL', async () => {
    const tree = MutableTree.empty()
    const leaf = {
      type: 'file',
      perms: 0o100644,
      target: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
    } as const
    await expect(tree.putLeaf(b('a//b'), leaf)).rejects.toThrow(/empty name/)
    await expect(tree.putLeaf(b('a/../b'), leaf)).rejects.toThrow(/"\." or "\.\."/)
    await expect(tree.putLeaf(b('a/'), leaf)).rejects.toThrow(/empty name/)
    await expect(tree.putLeaf(new Uint8Array([0x61, 0, 0x62]), leaf)).rejects.toThrow(/NUL/)
  })
})
