#!/usr/bin/env node
// Benchmark: `arca fsck` of an archive holding a deterministic repository of ~60,000 objects
// (made with git fast-import, the same one bench:load uses; about the size of expressjs/express,
// 53,477 objects), against `git fsck` of that repository, in one run. Prints wall and CPU times
// (medians), the ratios and the peak RSS of each, the content store checked, and the load
// average.
//
// `git fsck` runs with its defaults (no global or system configuration): it reads every object
// of every pack and checks its hash, checks connectivity from the refs and reflogs and reports
// dangling objects (`--full` is the default; progress is not shown when stderr is not a
// terminal). `arca fsck` is timed as a whole process, from its start to its exit, with
// `--restart` so that nothing of an earlier run is skipped. Both read from a warm page cache.
// Arca checks more per content than git: four hashes of its bytes (sha1, sha1_git, sha256,
// blake2s256) where git computes one.
//
// Usage: npm run bench:fsck [-- --commits N --files N --runs R --store pack|files|both
//                               --repo PATH --baseline OTHER/bin/arca.js]
// --repo: a real git repository (e.g. a clone of expressjs/express) instead of the generated
//   one; it is copied into the bench directory (`git clone --mirror --no-local`), so that both
//   fscks read the same, private copy.
// --store: the archive's content store (default: pack, the default store of a new archive).
// --baseline: another build of arca, run alternately with this one (before/after figures).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { generateRepo } from './lib/synthetic-repo.mjs'

const { values: opts } = parseArgs({
  options: {
    commits: { type: 'string', default: '5000' },
    files: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    store: { type: 'string', default: 'pack' },
    baseline: { type: 'string' },
    repo: { type: 'string' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const COMMITS = Number(opts.commits)
const FILES = Number(opts.files)
const RUNS = Number(opts.runs)
const STORES = opts.store === 'both' ? ['pack', 'files'] : [opts.store]
if (!STORES.every((s) => s === 'pack' || s === 'files'))
  throw new Error('--store: pack, files or both')
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const source = opts.repo ? resolve(opts.repo) : null
// The name of the repository's copy and of its archives in the bench directory.
const sourceName = (path) => {
  const name = basename(path).replace(/\.git$/, '')
  return (name === 'repo' || name === '' ? basename(dirname(path)) : name).replace(/[^\w.+-]/g, '_')
}
const label = source ? `repo-${sourceName(source)}` : `${COMMITS}x${FILES}`
const repo = source
  ? join(opts.dir, `${label}.git`)
  : join(opts.dir, `load-${COMMITS}x${FILES}.git`)
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    env,
    maxBuffer: 64 << 20,
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
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

if (!existsSync(join(repo, 'HEAD'))) {
  if (source === null) generateRepo({ repo, commits: COMMITS, files: FILES, env })
  else {
    console.log(`copying ${source} into ${repo} …`)
    const r = spawnSync('git', ['clone', '--quiet', '--mirror', '--no-local', source, repo], {
      encoding: 'utf8',
      env,
    })
    if (r.status !== 0) throw new Error(`git clone --mirror ${source} failed: ${r.stderr}`)
  }
}

/** The archive of the repository on `store` (made once). */
function archive(store) {
  // The pack archive keeps the name it had when pack became the default store.
  const data = join(opts.dir, `fsck-archive-${label}${store === 'files' ? '-files' : ''}`)
  if (!existsSync(join(data, 'graph.sqlite'))) {
    console.log(`saving ${repo} into ${data} (${store} content store) …`)
    rmSync(data, { recursive: true, force: true })
    const s = timed(process.execPath, [
      arcaBin,
      'save',
      '--data',
      data,
      '--objstorage',
      store,
      repo,
    ])
    if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
  }
  const found = existsSync(join(data, 'packs', 'index.sqlite')) ? 'pack' : 'files'
  if (found !== store) throw new Error(`${data} holds a ${found} content store, not ${store}`)
  return data
}

const builds = [{ name: 'arca', bin: arcaBin }]
if (opts.baseline) builds.push({ name: 'baseline', bin: resolve(opts.baseline) })
console.log(`repository: ${source ?? 'generated'} (${repo})`)
console.log(`load average before: ${loadavg()}`)
for (const store of STORES) {
  const data = archive(store)
  const git = { wall: [], cpu: [], rss: 0 }
  const runs = new Map(builds.map((b) => [b.name, { wall: [], cpu: [], rss: 0 }]))
  let checked = null
  for (let run = 0; run < RUNS; run++) {
    const g = timed('git', ['-C', repo, 'fsck'])
    git.wall.push(g.seconds)
    git.cpu.push(g.cpu)
    git.rss = Math.max(git.rss, g.rssKb)
    // Alternately first and second, so that neither build always runs right after git.
    const order = run % 2 === 0 ? builds : [...builds].reverse()
    for (const b of order) {
      const a = timed(process.execPath, [b.bin, 'fsck', '--data', data, '--restart', '--json'])
      const report = JSON.parse(a.stdout)
      if (!report.clean) throw new Error(`${b.name} fsck found problems: ${a.stdout.slice(0, 500)}`)
      checked = report.checked
      const m = runs.get(b.name)
      m.wall.push(a.seconds)
      m.cpu.push(a.cpu)
      m.rss = Math.max(m.rss, a.rssKb)
    }
  }
  const objects = Object.values(checked).reduce((a, b) => a + b, 0)
  const gw = median(git.wall)
  const gc = median(git.cpu)
  console.log(
    `\n${store} content store: ${objects.toLocaleString('en')} objects checked (${JSON.stringify(checked)}), ${RUNS} runs, medians`,
  )
  console.log(
    `  git fsck           ${gw.toFixed(2)} s wall   ${gc.toFixed(2)} s CPU   peak RSS ${Math.round(git.rss / 1024)} MB`,
  )
  for (const b of builds) {
    const m = runs.get(b.name)
    const w = median(m.wall)
    const c = median(m.cpu)
    console.log(
      `  ${`${b.name} fsck`.padEnd(18)} ${w.toFixed(2)} s wall   ${c.toFixed(2)} s CPU   peak RSS ${Math.round(m.rss / 1024)} MB   ${Math.round(objects / w).toLocaleString('en')} objects/s`,
    )
    console.log(
      `  ratio ${b.name}/git    ${(w / gw).toFixed(2)}x wall time (target: at most 3x), ${(c / gc).toFixed(2)}x CPU time`,
    )
  }
}
console.log(
  `\nload average after: ${loadavg()} (wall times depend on the machine's load; CPU time less)`,
)
