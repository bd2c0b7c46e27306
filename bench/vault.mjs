#!/usr/bin/env node
// Benchmark: the vault. Flat part: `arca vault flat` of the HEAD revision of a deterministic
// repository (made with git fast-import, loaded once into a fresh embedded archive) against
// `git archive --format=tar.gz` of the same tree, in one run; checks both tarballs list the
// same files, prints the median wall times, the ratio and arca's peak RSS. Then the same bundle
// as an immediate download (`GET /api/1/vault/flat/<swhid>/raw/`) from a running `arca serve`
// (no CLI start-up), against `git archive` again, with the server's peak RSS.
//
// Usage: npm run bench:vault [-- --commits N --files N --runs R]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
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
const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
const files = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '--name-only', 'HEAD'], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
})
  .trim()
  .split('\n').length

function timed(cmd, args, options = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 28,
    ...options,
  })
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}${r.stdout}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return { seconds: Number(last[0]), rssKb: Number(last[1]) }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const listing = (tarball) =>
  execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n')
    .filter((l) => l && !l.endsWith('/'))
    .map((l) => l.slice(l.indexOf('/') + 1))
    .sort()

// the archive, loaded once
const data = join(opts.dir, 'vault-archive')
rmSync(data, { recursive: true, force: true })
execFileSync(process.execPath, [arcaBin, 'save', '--data', data, repo], { env, stdio: 'ignore' })

const gitTimes = []
const arcaTimes = []
let rss = 0
const gitOut = join(opts.dir, 'vault-git.tar.gz')
const arcaOut = join(opts.dir, 'vault-arca.tar.gz')
for (let run = 0; run < RUNS; run++) {
  gitTimes.push(
    timed('git', ['-C', repo, 'archive', '--format=tar.gz', '--prefix=top/', '-o', gitOut, head])
      .seconds,
  )
  const a = timed(process.execPath, [
    arcaBin,
    'vault',
    'flat',
    `swh:1:rev:${head}`,
    '-o',
    arcaOut,
    '--data',
    data,
  ])
  arcaTimes.push(a.seconds)
  rss = Math.max(rss, a.rssKb)
}
const same = JSON.stringify(listing(gitOut)) === JSON.stringify(listing(arcaOut))
if (!same) throw new Error('the two tarballs do not list the same files')
const g = median(gitTimes)
const a = median(arcaTimes)
const mb = (f) => (statSync(f).size / 2 ** 20).toFixed(1)
console.log(
  `flat: HEAD tree of ${COMMITS} commits, ${files.toLocaleString('en')} files, ${RUNS} runs, median wall time`,
)
console.log(`  git archive --format=tar.gz   ${g.toFixed(2)} s   ${mb(gitOut)} MB`)
console.log(
  `  arca vault flat               ${a.toFixed(2)} s   ${mb(arcaOut)} MB   peak RSS ${Math.round(rss / 1024)} MB`,
)
console.log(`ratio arca vault flat / git archive: ${(a / g).toFixed(2)}x`)

// ---- the same bundle from a running server (immediate download) ----------------------------
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => res(port))
  })
})
const server = spawn(
  process.execPath,
  [arcaBin, 'serve', '--data', data, '--port', String(port), '--no-rate-limit', '--no-worker'],
  { env, stdio: 'ignore' },
)
try {
  const url = `http://127.0.0.1:${port}/api/1/vault/flat/swh:1:rev:${head}/raw/`
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/api/1/`).catch(() => null)
    if (r?.ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const curl = () => {
    const t = process.hrtime.bigint()
    const r = spawnSync('curl', ['-sf', '-o', arcaOut, url], { env })
    if (r.status !== 0) throw new Error(`GET ${url} failed (curl exit ${r.status})`)
    return Number(process.hrtime.bigint() - t) / 1e9
  }
  curl() // warm-up: the server's modules and worker threads
  const gitTimes2 = []
  const httpTimes = []
  for (let run = 0; run < RUNS; run++) {
    gitTimes2.push(
      timed('git', ['-C', repo, 'archive', '--format=tar.gz', '--prefix=top/', '-o', gitOut, head])
        .seconds,
    )
    httpTimes.push(curl())
  }
  if (JSON.stringify(listing(gitOut)) !== JSON.stringify(listing(arcaOut))) {
    throw new Error('the downloaded tarball does not list the files of git archive')
  }
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1])
  const g2 = median(gitTimes2)
  const h = median(httpTimes)
  console.log(`flat from a running server (immediate download), ${RUNS} runs, median wall time`)
  console.log(`  git archive --format=tar.gz   ${g2.toFixed(2)} s`)
  console.log(
    `  GET …/vault/flat/…/raw/       ${h.toFixed(2)} s   server peak RSS ${Math.round(hwm / 1024)} MB`,
  )
  console.log(`ratio immediate download / git archive: ${(h / g2).toFixed(2)}x`)
} finally {
  server.kill('SIGTERM')
}

// ---- clone part (git-bare) -------------------------------------------------------------------
// Reserved for the git-bare cooker: `arca vault git-bare` of the same revision against
// `git clone --bare` of the repository, same conventions (median, ratio, peak RSS).
// ---------------------------------------------------------------------------------------------

rmSync(gitOut, { force: true })
rmSync(arcaOut, { force: true })
rmSync(data, { recursive: true, force: true })
