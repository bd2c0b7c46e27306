#!/usr/bin/env node
// Benchmark: `arca save` of a deterministic repository of ~50,000 objects (made with git
// fast-import) into a fresh embedded archive, against `git clone --mirror --no-local` of the
// same repository, in one run; then an unchanged re-visit. Prints the ratio, objects/s, peak
// RSS and the re-visit time.
//
// Usage: npm run bench:load [-- --commits N --files N --runs R]
import { execFileSync, spawnSync } from 'node:child_process'
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
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

if (!existsSync(join(repo, 'HEAD'))) generateRepo({ repo, commits: COMMITS, files: FILES, env })
const objects = Number(
  execFileSync('git', ['-C', repo, 'count-objects', '-v'], { encoding: 'utf8' }).match(
    /in-pack: (\d+)/,
  )[1],
)

function timed(cmd, args, options = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    env,
    ...options,
  })
  if (r.status !== 0 && !(options.allowFail ?? false))
    throw new Error(`${cmd} failed: ${r.stderr}${r.stdout}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return { seconds: Number(last[0]), rssKb: Number(last[1]), stdout: r.stdout }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const clones = []
const saves = []
const revisits = []
let rss = 0
for (let run = 0; run < RUNS; run++) {
  const mirror = join(opts.dir, 'load-mirror.git')
  rmSync(mirror, { recursive: true, force: true })
  clones.push(timed('git', ['clone', '-q', '--mirror', '--no-local', repo, mirror]).seconds)
  rmSync(mirror, { recursive: true, force: true })
  const data = join(opts.dir, 'load-archive')
  rmSync(data, { recursive: true, force: true })
  const s = timed(process.execPath, [arcaBin, 'save', '--data', data, repo])
  if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
  saves.push(s.seconds)
  rss = Math.max(rss, s.rssKb)
  const again = timed(process.execPath, [arcaBin, 'save', '--data', data, repo])
  if (!/\(unchanged\)/.test(again.stdout))
    throw new Error(`re-visit was not unchanged:\n${again.stdout}`)
  revisits.push(again.seconds)
  rmSync(data, { recursive: true, force: true })
}
const clone = median(clones)
const save = median(saves)
console.log(
  `repository: ${objects.toLocaleString('en')} objects (${COMMITS} commits), ${RUNS} runs, median wall time`,
)
console.log(`  git clone --mirror --no-local   ${clone.toFixed(2)} s`)
console.log(
  `  arca save (fresh archive)       ${save.toFixed(2)} s   ${Math.round(objects / save).toLocaleString('en')} objects/s   peak RSS ${Math.round(rss / 1024)} MB`,
)
console.log(`  arca save again (unchanged)     ${median(revisits).toFixed(2)} s`)
console.log(`ratio arca save / git clone: ${(save / clone).toFixed(2)}x (target <= 2.5x)`)
