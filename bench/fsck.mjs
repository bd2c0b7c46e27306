#!/usr/bin/env node
// Benchmark: `arca fsck` of an archive holding a deterministic repository of ~50,000 objects
// (made with git fast-import, the same one bench:load uses; about the size of expressjs/express,
// 53,477 objects), against `git fsck --full` of that repository, in one run. Prints both wall
// times, the ratio and the peak RSS of each.
//
// Usage: npm run bench:fsck [-- --commits N --files N --runs R]
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { generateRepo } from './lib/synthetic-repo.mjs'

const { values: opts } = parseArgs({
  options: {
    commits: { type: 'string', default: '5000' },
    files: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const COMMITS = Number(opts.commits)
const FILES = Number(opts.files)
const RUNS = Number(opts.runs)
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const repo = join(opts.dir, `load-${COMMITS}x${FILES}.git`)
const data = join(opts.dir, `fsck-archive-${COMMITS}x${FILES}`)
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    env,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return {
    seconds: Number(last[0]),
    rssKb: Number(last[1]),
    cpu: Number(last[2]) + Number(last[3]),
    stdout: r.stdout,
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

if (!existsSync(join(repo, 'HEAD'))) generateRepo({ repo, commits: COMMITS, files: FILES, env })
if (!existsSync(join(data, 'graph.sqlite'))) {
  console.log(`saving ${repo} into ${data} …`)
  rmSync(data, { recursive: true, force: true })
  const s = timed(process.execPath, [arcaBin, 'save', '--data', data, repo])
  if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
}

const gits = []
const arcas = []
const gitCpu = []
const arcaCpu = []
let gitRss = 0
let arcaRss = 0
let checked = null
for (let run = 0; run < RUNS; run++) {
  const g = timed('git', ['-C', repo, 'fsck', '--full', '--no-progress'])
  gits.push(g.seconds)
  gitCpu.push(g.cpu)
  gitRss = Math.max(gitRss, g.rssKb)
  const a = timed(process.execPath, [arcaBin, 'fsck', '--data', data, '--restart', '--json'])
  const report = JSON.parse(a.stdout)
  if (!report.clean) throw new Error(`arca fsck found problems: ${a.stdout.slice(0, 500)}`)
  checked = report.checked
  arcas.push(a.seconds)
  arcaCpu.push(a.cpu)
  arcaRss = Math.max(arcaRss, a.rssKb)
}
const objects = Object.values(checked).reduce((a, b) => a + b, 0)
const g = median(gits)
const a = median(arcas)
console.log(
  `archive: ${objects.toLocaleString('en')} objects checked (${JSON.stringify(checked)}), ${RUNS} runs, median wall time`,
)
console.log(`  git fsck --full    ${g.toFixed(2)} s   peak RSS ${Math.round(gitRss / 1024)} MB`)
console.log(
  `  arca fsck          ${a.toFixed(2)} s   ${Math.round(objects / a).toLocaleString('en')} objects/s   peak RSS ${Math.round(arcaRss / 1024)} MB`,
)
console.log(`  ratio arca/git     ${(a / g).toFixed(2)}x wall time (target: at most 3x)`)
const gc = median(gitCpu)
const ac = median(arcaCpu)
console.log(
  `  CPU time (user+sys): git ${gc.toFixed(2)} s, arca ${ac.toFixed(2)} s, ratio ${(ac / gc).toFixed(2)}x (wall time depends on the machine's load; CPU time less)`,
)
