/**
 * Listed → archived, end to end with the built CLI and real servers on loopback: the real cgit
 * (lighttpd) indexes bare git repositories that `git daemon` serves (cgit advertises the
 * daemon's URLs as clone URLs), and `hg serve --web-conf` publishes Mercurial repositories.
 * `arca lister run cgit` and `arca lister run hgweb` list them; an `arca worker` process visits
 * every listed origin; each visit's snapshot must point at the head git itself reports
 * (`rev-parse`), and at the revision id computed without Arca from hg's own output.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca } from '../helpers/cli.js'
import { type GitServer, startGitDaemon } from '../helpers/git-servers.js'
import { expectedChangesets, hg } from '../helpers/hg-repos.js'
import { git } from '../helpers/repos.js'
import { requireService } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { CGIT_CGI, haveCgi, startCgit, startHgweb } from '../helpers/web-frontends.js'
import { runWorkerUntil } from '../helpers/worker-run.js'

const GIT_REPOS = ['one.git', 'two.git', 'team/three.git']
const HG_REPOS = ['alpha', 'beta']

interface LogLine {
  event: string
  origin?: string
  kind?: string
  state?: string
  status?: string
  snapshot?: string | null
  outcome?: string
  error?: string
}

function snapshotBranches(
  archive: readonly string[],
  snapshot: string,
): Record<string, { target: string; target_type: string }> {
  const r = arca(['cat', ...archive, `swh:1:snp:${snapshot}`])
  expect(r.status, r.stderr).toBe(0)
  return (
    JSON.parse(r.stdout) as {
      branches: Record<string, { target: string; target_type: string }>
    }
  ).branches
}

const ok = await requireService('cgit and lighttpd', () => Promise.resolve(haveCgi(CGIT_CGI)))

describe.runIf(ok)('listed → archived: cgit and hgweb listings visited by arca worker', () => {
  let dir: string
  let daemon: GitServer
  let cgit: GitServer
  let hgweb: GitServer

  beforeAll(async () => {
    dir = makeTemp('arca-lister-e2e-')
    const gitRoot = join(dir, 'git')
    for (const [i, name] of GIT_REPOS.entries()) {
      const bare = join(gitRoot, name)
      mkdirSync(bare, { recursive: true })
      git(bare, ['init', '-q', '--bare', '-b', 'main'])
      const work = join(dir, 'work', name)
      mkdirSync(work, { recursive: true })
      git(work, ['init', '-q', '-b', 'main'])
      for (let c = 0; c <= i; c++) {
        writeFileSync(join(work, `f${c}`), `${name} ${c}\n`)
        git(work, ['add', '.'])
        git(work, ['commit', '-q', '-m', `commit ${c} of ${name}`])
      }
      git(work, ['push', '-q', bare, 'main'])
    }
    const hgRoot = join(dir, 'hg')
    for (const [i, name] of HG_REPOS.entries()) {
      const repo = join(hgRoot, name)
      mkdirSync(repo, { recursive: true })
      hg(repo, ['init'])
      for (let c = 0; c <= i + 1; c++) {
        writeFileSync(join(repo, `f${c}`), `${name} ${c}\n`)
        hg(repo, ['add', `f${c}`])
        hg(repo, ['commit', '-m', `change ${c} of ${name}`, '-d', `${1_700_000_000 + c} 0`])
      }
    }
    daemon = await startGitDaemon(gitRoot)
    const cgitDir = join(dir, 'cgit')
    mkdirSync(cgitDir)
    cgit = await startCgit(cgitDir, gitRoot, { perPage: 2, cloneBase: daemon.url })
    const hgDir = join(dir, 'hgweb')
    mkdirSync(hgDir)
    hgweb = await startHgweb(hgDir, hgRoot)
  })
  afterAll(async () => {
    await cgit?.stop()
    await hgweb?.stop()
    await daemon?.stop()
    if (dir) removeTemp(dir)
  })

  it('lists with arca lister run, then the worker archives every listed origin', async () => {
    const archive = ['--data', join(dir, 'data')]
    const net = ['--allow-network', '127.0.0.1/32']
    const c = arca(['lister', 'run', 'cgit', cgit.url, ...archive, ...net])
    expect(c.status, c.stderr).toBe(0)
    expect(c.stdout).toContain('2 page(s), 3 origin(s), 3 new')
    const h = arca(['lister', 'run', 'hgweb', hgweb.url, ...archive, ...net])
    expect(h.status, h.stderr).toBe(0)
    expect(h.stdout).toContain('1 page(s), 2 origin(s), 2 new')

    const run = await runWorkerUntil<LogLine>(
      [...archive, '--concurrency', '2', '--allow-network', '127.0.0.1/32'],
      GIT_REPOS.length + HG_REPOS.length,
    )
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const lines = run.lines
    const ended = lines.filter((l) => l.event === 'task_ended')
    // what failed, if anything, named in the assertion's message
    const failures = JSON.stringify(
      ended.filter((l) => l.state !== 'done').map((l) => [l.origin, l.outcome, l.error]),
    )
    expect(ended.map((l) => [l.origin, l.kind, l.state, l.status]).sort(), failures).toEqual(
      [
        ...GIT_REPOS.map((n) => [`${daemon.url}/${n}`, 'load-git', 'done', 'full']),
        ...HG_REPOS.map((n) => [`${hgweb.url}${n}/`, 'load-hg', 'done', 'full']),
      ].sort(),
    )
    for (const name of GIT_REPOS) {
      const snap = ended.find((l) => l.origin === `${daemon.url}/${name}`)!.snapshot!
      const head = git(join(dir, 'git', name), ['rev-parse', 'refs/heads/main'])
      expect(snapshotBranches(archive, snap)['refs/heads/main']?.target).toBe(head)
    }
    for (const name of HG_REPOS) {
      const repo = join(dir, 'hg', name)
      const tip = hg(repo, ['log', '-r', 'tip', '-T', '{node}'])
      const expected = expectedChangesets(repo).find((e) => e.node === tip)!.revision
      const snap = ended.find((l) => l.origin === `${hgweb.url}${name}/`)!.snapshot!
      expect(snapshotBranches(archive, snap)['branch-tip/default']?.target).toBe(expected)
    }

    const listers = arca(['lister', 'list', '--json', ...archive])
    const inst = listers.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status: string; originsFound: number })
      .map((i) => [i.type, i.status, i.originsFound])
      .sort()
    expect(inst).toEqual([
      ['cgit', 'complete', 3],
      ['hgweb', 'complete', 2],
    ])
  }, 180_000)
})
