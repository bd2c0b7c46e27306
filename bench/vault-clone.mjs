#!/usr/bin/env node
// Benchmark: `git clone --bare` of a deterministic repository of ~50,000 objects (the synthetic
// repository of bench:load) from `arca serve` (smart HTTP, /git/<origin>) against the same clone
// from `git daemon` serving the repository itself, in one run. Prints the median wall times,
// their ratio and the peak RSS of the Arca server (VmHWM), and checks that both clones have the
// same refs.
//
// Usage: npm run bench:vault-clone [-- --commits N --files N --runs R]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { basename, dirname, join, resolve } from 'node:path'
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

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })

async function waitFor(url) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url)
      if (r.ok) return r
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer`)
}

function timedClone(url, dest) {
  rmSync(dest, { recursive: true, force: true })
  const t = process.hrtime.bigint()
  const r = spawnSync('git', ['clone', '-q', '--bare', url, dest], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`git clone ${url} failed: ${r.stderr}`)
  return Number(process.hrtime.bigint() - t) / 1e9
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const refs = (r) =>
  execFileSync('git', ['-C', r, 'for-each-ref', '--format=%(objectname) %(refname)'], {
    encoding: 'utf8',
  })

// The archive: one `arca save` of the repository.
const data = join(opts.dir, 'vault-clone-archive')
rmSync(data, { recursive: true, force: true })
execFileSync(process.execPath, [arcaBin, 'save', '--data', data, repo], { env, stdio: 'ignore' })

const arcaPort = await freePort()
const arca = spawn(
  process.execPath,
  [arcaBin, 'serve', '--data', data, '--port', String(arcaPort), '--no-rate-limit', '--no-worker'],
  { env, stdio: 'ignore' },
)
const daemonPort = await freePort()
const daemon = spawn(
  'git',
  [
    'daemon',
    '--reuseaddr',
    '--export-all',
    `--base-path=${dirname(repo)}`,
    `--port=${daemonPort}`,
    '--listen=127.0.0.1',
    dirname(repo),
  ],
  { env, stdio: 'ignore' },
)
try {
  const base = `http://127.0.0.1:${arcaPort}`
  const origins = await (await waitFor(`${base}/api/1/origin/search/${basename(repo)}/`)).json()
  const origin = origins[0].url
  const arcaUrl = `${base}/git/${origin}`
  const daemonUrl = `git://127.0.0.1:${daemonPort}/${basename(repo)}`
  await new Promise((r) => setTimeout(r, 500))
  const arcaTimes = []
  const daemonTimes = []
  for (let run = 0; run < RUNS; run++) {
    daemonTimes.push(timedClone(daemonUrl, join(opts.dir, 'vault-clone-daemon.git')))
    arcaTimes.push(timedClone(arcaUrl, join(opts.dir, 'vault-clone-arca.git')))
  }
  if (refs(join(opts.dir, 'vault-clone-arca.git')) !== refs(repo)) {
    throw new Error('the clone from Arca does not have the refs of the repository')
  }
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${arca.pid}/status`, 'utf8'))[1])
  const a = median(arcaTimes)
  const d = median(daemonTimes)
  console.log(
    `repository: ${objects.toLocaleString('en')} objects (${COMMITS} commits), ${RUNS} runs, median wall time`,
  )
  console.log(`  git clone --bare from git daemon   ${d.toFixed(2)} s`)
  console.log(
    `  git clone --bare from arca serve   ${a.toFixed(2)} s   ratio ${(a / d).toFixed(2)}x   server peak RSS ${Math.round(hwm / 1024)} MB`,
  )
} finally {
  arca.kill('SIGTERM')
  daemon.kill('SIGTERM')
  rmSync(join(opts.dir, 'vault-clone-arca.git'), { recursive: true, force: true })
  rmSync(join(opts.dir, 'vault-clone-daemon.git'), { recursive: true, force: true })
}
