/**
 * What a package loader must archive, computed without Arca: the tree of an artifact unpacked by
 * the real `tar` (or `dpkg-source -x`) and hashed by `git write-tree`, the synthetic release's
 * id hashed by `git hash-object -t tag --literally` over the manifest written by hand from the
 * SWHID spec (§5: `object`, `type`, `tag`, `tagger` lines, a blank line, the message), and the
 * snapshot id from ./snapshot-expect.ts.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { gitWriteTree, makeTemp, removeTemp } from './tree.js'

/** The tree id of `archive` unpacked by `tar -xf` into an empty folder. */
export function tarTreeId(archive: string): string {
  const dir = makeTemp('arca-pkg-expect-')
  try {
    execFileSync('tar', ['-xf', archive, '-C', dir])
    return gitWriteTree(dir)
  } finally {
    removeTemp(dir)
  }
}

/** The tree id of the Debian source package `dsc` unpacked by `dpkg-source -x`. */
export function dscTreeId(dsc: string): string {
  const dir = makeTemp('arca-dsc-expect-')
  try {
    const dest = join(dir, 'x')
    execFileSync('dpkg-source', ['--no-copy', '--no-check', '-x', dsc, dest], {
      cwd: dir,
      stdio: 'pipe',
    })
    return gitWriteTree(dest)
  } finally {
    removeTemp(dir)
  }
}

/** A synthetic release as the spec frames it. */
export interface ExpectedRelease {
  readonly target: string
  readonly name: string
  /** Fullname bytes (UTF-8 text); null: no tagger line. */
  readonly author: string | null
  /** `<seconds>[.<micro>] <offset>`, null: no date. */
  readonly date: string | null
  readonly message: string | null
}

/** The id of a release with those fields, hashed by git. */
export function releaseId(r: ExpectedRelease): string {
  let m = `object ${r.target}\ntype tree\ntag ${r.name}\n`
  if (r.author !== null) m += `tagger ${r.author}${r.date === null ? '' : ` ${r.date}`}\n`
  if (r.message !== null) m += `\n${r.message}`
  const dir = makeTemp('arca-tag-')
  try {
    mkdirSync(dir, { recursive: true })
    return execFileSync('git', ['hash-object', '-t', 'tag', '--literally', '--stdin'], {
      input: m,
      cwd: dir,
      env: { ...process.env, GIT_DIR: join(dir, 'none') },
    })
      .toString()
      .trim()
  } finally {
    removeTemp(dir)
  }
}
