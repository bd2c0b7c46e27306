/**
 * Git repositories generated at test time with the git binary (nothing committed to the repo),
 * covering what a loader must archive without loss.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Deterministic identity and dates for every commit. */
export function gitEnvFixed(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Ada Lovelace',
    GIT_AUTHOR_EMAIL: 'ada@example.org',
    GIT_COMMITTER_NAME: 'Charles Babbage',
    GIT_COMMITTER_EMAIL: 'charles@example.org',
    GIT_AUTHOR_DATE: '1700000000 +0200',
    GIT_COMMITTER_DATE: '1700000100 +0200',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  }
}

/** Runs git in `repo`; returns trimmed stdout (or raw bytes with `raw`). */
export function git(
  repo: string,
  args: readonly string[],
  opts: { input?: Buffer | string; env?: Record<string, string> } = {},
): string {
  const o: ExecFileSyncOptions = {
    env: gitEnvFixed(opts.env),
    encoding: 'latin1',
    maxBuffer: 1 << 28,
  }
  if (opts.input !== undefined) o.input = opts.input
  return (execFileSync('git', ['-C', repo, ...args], o) as string).trim()
}

/** Writes a git object with `hash-object --literally` and returns its id. */
export function writeLiteral(repo: string, type: string, body: Buffer): string {
  return git(repo, ['hash-object', '-w', '--literally', '-t', type, '--stdin'], { input: body })
}

function treeEntry(mode: string, name: Buffer | string, oid: string): Buffer {
  return Buffer.concat([
    Buffer.from(`${mode} `),
    Buffer.from(name),
    Buffer.from([0]),
    Buffer.from(oid, 'hex'),
  ])
}

/**
 * A repository with merges, annotated, lightweight and nested tags, tags of trees and blobs,
 * notes, a pull-request ref, symlinks, executables, non-UTF-8 names and messages with an
 * encoding header, a -0000 offset, a signed commit, non-canonical trees (zero-padded mode,
 * unsorted entries), a commit with headers out of order, and a submodule.
 */
export function makeRichRepo(root: string, name = 'rich'): string {
  const repo = join(root, name)
  mkdirSync(repo, { recursive: true })
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  mkdirSync(join(repo, 'bin'))
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true })
  writeFileSync(join(repo, 'README'), 'A rich repository\n')
  writeFileSync(join(repo, 'bin', 'run.sh'), '#!/bin/sh\necho run\n')
  chmodSync(join(repo, 'bin', 'run.sh'), 0o755)
  writeFileSync(join(repo, 'src', 'deep', 'x.c'), 'int x;\n')
  symlinkSync('README', join(repo, 'link'))
  writeFileSync(
    Buffer.concat([Buffer.from(repo + '/'), Buffer.from('caf\xe9.txt', 'latin1')]),
    'latin-1 name\n',
  )
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'first commit'])
  git(repo, ['checkout', '-q', '-b', 'feature'])
  writeFileSync(join(repo, 'feature.txt'), 'feature\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'feature work'], {
    env: { GIT_AUTHOR_DATE: '1700000200 -0000', GIT_COMMITTER_DATE: '1700000300 -0000' },
  })
  git(repo, ['checkout', '-q', 'main'])
  writeFileSync(join(repo, 'main.txt'), 'main\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'main work'])
  git(repo, ['merge', '-q', '--no-ff', '-m', 'merge feature', 'feature'])
  // A message in Latin-1, declared by an encoding header.
  writeFileSync(join(repo, 'latin.txt'), 'x\n')
  git(repo, ['add', '-A'])
  git(repo, ['-c', 'i18n.commitEncoding=ISO-8859-1', 'commit', '-q', '-F', '-'], {
    input: Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'),
  })
  git(repo, ['tag', '-a', 'v1.0', '-m', 'release 1.0'])
  git(repo, ['tag', 'light'])
  git(repo, ['tag', '-a', 'v1.0-again', '-m', 'a tag of a tag', 'v1.0'])
  git(repo, ['tag', '-a', 'tree-tag', '-m', 'a tag of a tree', 'HEAD^{tree}'])
  const blob = git(repo, ['hash-object', '-w', '--stdin'], { input: 'a tagged blob\n' })
  git(repo, ['tag', 'blob-light', blob])
  git(repo, ['tag', '-a', 'blob-tag', '-m', 'a tag of a blob', blob])
  git(repo, ['notes', 'add', '-m', 'a note', 'HEAD'])
  git(repo, ['update-ref', 'refs/pull/1/head', 'feature'])
  const head = git(repo, ['rev-parse', 'HEAD'])
  const headTree = git(repo, ['rev-parse', 'HEAD^{tree}'])
  // A signed commit (the signature is just a header to the archive).
  const signed = writeLiteral(
    repo,
    'commit',
    Buffer.from(
      `tree ${headTree}\nparent ${head}\nauthor Ada Lovelace <ada@example.org> 1700000400 +0200\n` +
        `committer Charles Babbage <charles@example.org> 1700000400 +0200\n` +
        `gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n =abcd\n -----END PGP SIGNATURE-----\n\nsigned commit\n`,
    ),
  )
  git(repo, ['update-ref', 'refs/heads/signed', signed])
  // Non-canonical trees: a zero-padded directory mode, and unsorted entries.
  const readme = git(repo, ['rev-parse', 'HEAD:README'])
  const sub = git(repo, ['rev-parse', 'HEAD:src'])
  const padded = writeLiteral(
    repo,
    'tree',
    Buffer.concat([treeEntry('100644', 'README', readme), treeEntry('040000', 'src', sub)]),
  )
  const unsorted = writeLiteral(
    repo,
    'tree',
    Buffer.concat([
      treeEntry('100644', 'zzz', readme),
      treeEntry('100644', 'aaa', readme),
      treeEntry('100664', 'group-writable', readme),
    ]),
  )
  const oddTree = writeLiteral(
    repo,
    'tree',
    Buffer.concat([
      treeEntry('040000', 'padded', padded),
      treeEntry('40000', 'unsorted', unsorted),
    ]),
  )
  const odd = writeLiteral(
    repo,
    'commit',
    Buffer.from(
      `tree ${oddTree}\nparent ${signed}\nx-custom-header before the author\nauthor Ada Lovelace <ada@example.org> 1700000500 +0200\n` +
        `committer Charles Babbage <charles@example.org>  1700000500   +0200\n\nodd headers and odd trees\n`,
    ),
  )
  git(repo, ['update-ref', 'refs/heads/odd', odd])
  // A submodule: a gitlink entry and its .gitmodules.
  git(repo, ['checkout', '-q', '-b', 'with-submodule', 'main'])
  writeFileSync(
    join(repo, '.gitmodules'),
    '[submodule "lib"]\n\tpath = lib\n\turl = ../library.git\n',
  )
  git(repo, ['add', '.gitmodules'])
  git(repo, ['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},lib`])
  git(repo, ['commit', '-q', '-m', 'add a submodule'])
  git(repo, ['checkout', '-q', 'main'])
  return repo
}

/** An empty repository (HEAD points to an unborn branch). */
export function makeEmptyRepo(root: string, name = 'empty'): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  return repo
}

/**
 * A bare repository `root/name` holding one commit on `main` (what a daemon serves), made from
 * a work tree beside `root`.
 */
export function makeOneCommitBareRepo(root: string, name: string): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env: gitEnvFixed() })
  const work = `${root}-work-${name}`
  execFileSync('git', ['init', '-q', '-b', 'main', work], { env: gitEnvFixed() })
  writeFileSync(join(work, 'f'), 'x\n')
  git(work, ['add', 'f'])
  git(work, ['commit', '-q', '-m', 'one'])
  git(work, ['push', '-q', repo, 'main'])
  return repo
}

/** A repository with tags only (its HEAD branch was deleted). */
export function makeTagsOnlyRepo(root: string, name = 'tags-only'): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  writeFileSync(join(repo, 'f'), 'tagged\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'only reachable from tags'])
  git(repo, ['tag', '-a', 'v1', '-m', 'v1'])
  git(repo, ['tag', 'v1-light'])
  git(repo, ['update-ref', '-d', 'refs/heads/main'])
  return repo
}

/** A repository whose HEAD is detached. */
export function makeDetachedRepo(root: string, name = 'detached'): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  writeFileSync(join(repo, 'f'), 'one\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'one'])
  writeFileSync(join(repo, 'f'), 'two\n')
  git(repo, ['commit', '-q', '-am', 'two'])
  git(repo, ['checkout', '-q', '--detach', 'HEAD~1'])
  return repo
}

/** A repository with `n` branches (each on its own commit, created with fast-import). */
export function makeManyBranchesRepo(root: string, n: number, name = 'many'): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env: gitEnvFixed() })
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    const content = `branch ${i}\n`
    lines.push(
      `commit refs/heads/b${String(i).padStart(5, '0')}`,
      `mark :${i + 1}`,
      `committer C <c@example.org> ${1700000000 + i} +0000`,
      `data ${Buffer.byteLength(`b${i}\n`)}`,
      `b${i}`,
      `M 100644 inline file.txt`,
      `data ${Buffer.byteLength(content)}`,
      content.slice(0, -1),
      '',
    )
  }
  lines.push(`reset refs/heads/main`, `from :1`, '')
  git(repo, ['fast-import', '--quiet'], { input: lines.join('\n') })
  return repo
}

/** A repository of `commits` linear commits touching `filesPerCommit` files each (fast-import). */
export function makeHistoryRepo(
  root: string,
  commits: number,
  filesPerCommit: number,
  name = 'history',
): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env: gitEnvFixed() })
  const parts: string[] = []
  for (let i = 0; i < commits; i++) {
    parts.push(
      'commit refs/heads/main',
      `committer C <c@example.org> ${1700000000 + i} +0000`,
      `data ${Buffer.byteLength(`c${i}`)}`,
      `c${i}`,
    )
    for (let f = 0; f < filesPerCommit; f++) {
      const content = `commit ${i} file ${f} ${'x'.repeat((i * 7 + f * 13) % 200)}`
      parts.push(
        `M 100644 inline d${(i + f) % 23}/f${f}.txt`,
        `data ${Buffer.byteLength(content)}`,
        content,
      )
    }
    parts.push('')
  }
  git(repo, ['fast-import', '--quiet'], { input: parts.join('\n') + '\n' })
  return repo
}

/** A repository missing one blob that a branch needs (the other branch is intact). */
export function makeBrokenRepo(root: string, name = 'broken'): { repo: string; missing: string } {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  writeFileSync(join(repo, 'good'), 'good\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'good'])
  git(repo, ['checkout', '-q', '-b', 'bad'])
  writeFileSync(join(repo, 'lost'), 'this blob will be lost\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'bad'])
  git(repo, ['checkout', '-q', 'main'])
  const missing = git(repo, ['rev-parse', 'bad:lost'])
  rmSync(join(repo, '.git', 'objects', missing.slice(0, 2), missing.slice(2)))
  return { repo, missing }
}

/** Every object of a repository with its git type. */
export function allObjects(repo: string): { oid: string; type: string }[] {
  return git(repo, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)'])
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [oid, type] = l.split(' ')
      return { oid: oid!, type: type! }
    })
}

/** The SWHID type of a git object type. */
export const SWHID_OF_GIT: Readonly<Record<string, string>> = {
  blob: 'cnt',
  tree: 'dir',
  commit: 'rev',
  tag: 'rel',
}
