#!/usr/bin/env node
// Benchmark: `arca save` of a deterministic repository of ~50,000 objects (made with git
// fast-import) into a fresh embedded archive, against `git clone --mirror --no-local` of the
// same repository, in one run; then an unchanged re-visit. Prints the ratio, objects/s, peak
// RSS and the re-visit time.
//
// Usage: npm run bench:load [-- --commits N --files N --runs R]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

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

function generate() {
  console.log(`generating ${COMMITS} commits × ${FILES} files in ${repo} …`)
  rmSync(repo, { recursive: true, force: true })
  mkdirSync(opts.dir, { recursive: true })
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env })
  const parts = []
  let state = 42
  const rand = (n) => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) % n
  }
  for (let i = 0; i < COMMITS; i++) {
    const branch = i % 50 === 49 ? `refs/heads/topic-${i}` : 'refs/heads/main'
    parts.push(
      `commit ${branch}`,
      `mark :${i + 1}`,
      `author A <a@example.org> ${1600000000 + i * 60} +0100`,
      `committer C <c@example.org> ${1600000000 + i * 60} +0100`,
    )
    const msg = `commit ${i}: ${'change '.repeat(1 + (i % 5))}`
    parts.push(`data ${Buffer.byteLength(msg)}`, msg)
    if (branch !== 'refs/heads/main' && i > 0) parts.push(`from :${i}`)
    for (let f = 0; f < FILES; f++) {
      const path = `src/m${rand(40)}/sub${rand(8)}/file${rand(60)}.c`
      const content = `/* ${i}.${f} */\n` + `int v${i}_${f} = ${rand(1e6)};\n`.repeat(1 + rand(30))
      parts.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(content)}`, content)
    }
    parts.push('')
    if (branch !== 'refs/heads/main') parts.push(`reset refs/heads/main`, `from :${i}`, '')
  }
  parts.push('tag v1', 'from :1', 'tagger T <t@example.org> 1600000000 +0000', 'data 3', 'v1', '')
  execFileSync('git', ['-C', repo, 'fast-import', '--quiet'], {
    input: parts.join('\n') + '\n',
    env,
    maxBuffer: 1 << 30,
  })
  execFileSync('git', ['-C', repo, 'gc', '-q', '--aggressive'], { env })
}

if (!existsSync(join(repo, 'HEAD'))) generate()
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
