/**
 * Repositories for the snapshot rules (which refs become branches) and for objects that git
 * reads but that are written unusually (upper-case hex ids), made with the git binary.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { git, gitEnvFixed, writeLiteral } from './repos.js'

function init(root: string, name: string): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  return repo
}

/** A commit of `tree` with `parents`, only reachable from the refs the caller points at it. */
function commitTree(repo: string, tree: string, parents: string[], message: string): string {
  return git(repo, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message])
}

/** The commits that only the refs Software Heritage leaves out reach. */
export interface ForgeRepo {
  readonly repo: string
  /** Ref name → the commit only that ref reaches. */
  readonly hidden: Readonly<Record<string, string>>
}

/**
 * A repository with the refs forges add: GitHub pull requests (`refs/pull/1/head`, its
 * auto-merge `refs/pull/1/merge`), a GitLab merge request (`refs/merge-requests/2/…`), a GitLab
 * pipeline ref, a Gerrit change ref, plus `refs/pull/1/merged` (not an auto-merge), annotated
 * and lightweight tags, notes and a symbolic ref besides HEAD (`refs/heads/latest`).
 */
export function makeForgeRefsRepo(root: string, name = 'forge'): ForgeRepo {
  const repo = init(root, name)
  writeFileSync(join(repo, 'README'), 'forge refs\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'first'])
  git(repo, ['checkout', '-q', '-b', 'feature'])
  writeFileSync(join(repo, 'feature.txt'), 'feature\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'feature'])
  git(repo, ['checkout', '-q', 'main'])
  writeFileSync(join(repo, 'main.txt'), 'main\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'second'])
  git(repo, ['tag', '-a', 'v1', '-m', 'release 1'])
  git(repo, ['tag', 'light', 'main~1'])
  git(repo, ['notes', 'add', '-m', 'a note', 'main'])
  git(repo, ['symbolic-ref', 'refs/heads/latest', 'refs/heads/main'])
  const main = git(repo, ['rev-parse', 'main'])
  const feature = git(repo, ['rev-parse', 'feature'])
  const tree = git(repo, ['rev-parse', 'main^{tree}'])
  const hidden: Record<string, string> = {
    'refs/pull/1/merge': commitTree(repo, tree, [main, feature], 'auto-merge of PR 1'),
    'refs/merge-requests/2/merge': commitTree(repo, tree, [main, feature], 'auto-merge of MR 2'),
    'refs/pipelines/3': commitTree(repo, tree, [main], 'pipeline 3'),
    'refs/changes/45/12345/1': commitTree(repo, tree, [main], 'change 12345 patch set 1'),
  }
  for (const [ref, oid] of Object.entries(hidden)) git(repo, ['update-ref', ref, oid])
  git(repo, ['update-ref', 'refs/pull/1/head', feature])
  git(repo, ['update-ref', 'refs/merge-requests/2/head', feature])
  git(repo, ['update-ref', 'refs/pull/1/merged', commitTree(repo, tree, [main], 'merged PR 1')])
  return { repo, hidden }
}

/** A repository whose HEAD names a branch that does not exist (another branch does). */
export function makeDanglingHeadRepo(root: string, name = 'dangling-head'): string {
  const repo = init(root, name)
  writeFileSync(join(repo, 'f'), 'content\n')
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'on main'])
  git(repo, ['symbolic-ref', 'HEAD', 'refs/heads/gone'])
  return repo
}

/** Ids of {@link makeUpperHexRepo}'s objects (lower-case, as git prints them). */
export interface UpperHexRepo {
  readonly repo: string
  /** Commit whose `tree` and `parent` lines are upper-case hex (branch `main`). */
  readonly upper: string
  readonly upperTree: string
  /** Its parent, reachable only through that upper-case line. */
  readonly parent: string
  /** Annotated tag whose `object` line is upper-case hex (`refs/tags/upper`). */
  readonly tag: string
  /** The tag's target, reachable only through the tag. */
  readonly tagTarget: string
}

/**
 * A repository whose branch tip writes its `tree` and `parent` ids in upper case, and whose
 * tag writes its `object` id in upper case (git reads both; `hash-object --literally`).
 */
export function makeUpperHexRepo(root: string, name = 'upper-hex'): UpperHexRepo {
  const repo = init(root, name)
  const blob = (text: string): string =>
    git(repo, ['hash-object', '-w', '--stdin'], { input: text })
  const mktree = (file: string, oid: string): string =>
    git(repo, ['mktree'], { input: `100644 blob ${oid}\t${file}\n` })
  const parentTree = mktree('one.txt', blob('one\n'))
  const parent = commitTree(repo, parentTree, [], 'parent')
  const upperTree = mktree('two.txt', blob('two\n'))
  const who = 'Ada Lovelace <ada@example.org> 1700000000 +0200'
  const upper = writeLiteral(
    repo,
    'commit',
    Buffer.from(
      `tree ${upperTree.toUpperCase()}\nparent ${parent.toUpperCase()}\n` +
        `author ${who}\ncommitter ${who}\n\nupper-case tree and parent\n`,
    ),
  )
  git(repo, ['update-ref', 'refs/heads/main', upper])
  const tagTarget = commitTree(repo, mktree('three.txt', blob('three\n')), [upper], 'tagged')
  const tag = writeLiteral(
    repo,
    'tag',
    Buffer.from(
      `object ${tagTarget.toUpperCase()}\ntype commit\ntag upper\ntagger ${who}\n\n` +
        `upper-case object\n`,
    ),
  )
  git(repo, ['update-ref', 'refs/tags/upper', tag])
  return { repo, upper, upperTree, parent, tag, tagTarget }
}
