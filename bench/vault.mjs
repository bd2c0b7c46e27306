#!/usr/bin/env node
// Benchmark: the vault's flat bundle. `arca vault flat` of the HEAD revision of a repository
// (loaded once into an embedded archive) against `git archive --format=tar.gz` of the same
// tree, in one run; then the same bundle as an immediate download
// (`GET /api/1/vault/flat/<swhid>/raw/`) from a running `arca serve` (no CLI start-up), against
// `git archive` again. Both use zlib's default level (6): git archive's internal gzip and
// Node's createGzip. Prints median wall and CPU times, their ratios (target: at most 2x), the
// peak RSS of arca (target: under 400 MB) and the load average; checks that the two tarballs
// extract to the same tree (names, bytes, modes, symlinks).
//
// Usage: npm run bench:vault [-- --repo PATH | --commits N --files N] [--runs R]
//                               [--reps N] [--cpu-prof DIR] [--arca OTHER/bin/arca.js]
// --repo: a real git repository (e.g. /work/.mirror/expressjs+express/repo); it is copied into
//   the bench directory (`git clone --mirror --no-local`) and both sides read that copy.
//   Without it, a deterministic generated repository (commits x files).
// --reps: bundles made back to back per timed sample (default 10), for a measurable CPU time.
// --cpu-prof: the server runs with `node --cpu-prof`; its profile lands in DIR at the end.
// --arca: another build's bin/arca.js to measure (before/after figures; the archive is made
//   by that build too when it is not there yet).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { cloneRepos, loadAverage, repoArgs } from './lib/real-repos.mjs'
import { generateRepo } from './lib/synthetic-repo.mjs'

const { values: opts } = parseArgs({
  options: {
    commits: { type: 'string', default: '5000' },
    files: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    reps: { type: 'string', default: '10' },
    repo: { type: 'string' },
    'cpu-prof': { type: 'string' },
    arca: { type: 'string' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const COMMITS = Number(opts.commits)
const FILES = Number(opts.files)
const RUNS = Number(opts.runs)
const REPS = Number(opts.reps)
const arcaBin = opts.arca
  ? resolve(opts.arca)
  : resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const real = repoArgs(opts.repo)
if (real.length > 1) throw new Error('--repo: one repository')
const repo =
  real.length === 1
    ? cloneRepos(real, opts.dir, env)[0]
    : join(opts.dir, `load-${COMMITS}x${FILES}.git`)
if (real.length === 0 && !existsSync(join(repo, 'HEAD')))
  generateRepo({ repo, commits: COMMITS, files: FILES, env })
const label =
  real.length === 1 ? repo.replace(/^.*\//, '').replace(/\.git$/, '') : `${COMMITS}x${FILES}`
const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
const files = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '--name-only', 'HEAD'], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
})
  .trim()
  .split('\n').length

/**
 * Wall, CPU (user+sys) and peak RSS of a command run REPS times back to back (a shell loop
 * under /usr/bin/time); wall and CPU per run.
 */
function timed(cmd, args) {
  const loop = `for i in $(seq ${REPS}); do "$@" || exit 1; done`
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %M %U %S', 'sh', '-c', loop, 'sh', cmd, ...args],
    {
      encoding: 'utf8',
      env,
      maxBuffer: 1 << 28,
    },
  )
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}${r.stdout}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return {
    wall: Number(last[0]) / REPS,
    rssKb: Number(last[1]),
    cpu: (Number(last[2]) + Number(last[3])) / REPS,
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mb = (f) => (statSync(f).size / 2 ** 20).toFixed(1)
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
/** CPU seconds (user+sys, all threads) a running process has used. */
const processCpu = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / TICK
}

/** Both tarballs extract to the same tree under their one top folder (diff -r, no deref). */
function sameTree(gitTar, arcaTar) {
  const tmp = mkdtempSync(join(opts.dir, 'vault-cmp-'))
  try {
    for (const [name, tar] of [
      ['git', gitTar],
      ['arca', arcaTar],
    ]) {
      execFileSync('mkdir', [join(tmp, name)])
      execFileSync('tar', ['-xzf', tar, '-C', join(tmp, name)])
    }
    const top = (name) => {
      const entries = execFileSync('ls', ['-A', join(tmp, name)], { encoding: 'utf8' }).trim()
      if (entries.includes('\n')) throw new Error(`${name}: more than one top folder`)
      return join(tmp, name, entries)
    }
    const d = spawnSync('diff', ['-r', '--no-dereference', top('git'), top('arca')], {
      encoding: 'utf8',
    })
    if (d.status !== 0) throw new Error(`the tarballs differ:\n${d.stdout.slice(0, 2000)}`)
    // modes: the same executable files (git archive applies its umask 002, arca writes 0644)
    const modes = (dir) =>
      execFileSync('find', ['.', '-type', 'f', '-perm', '-u+x'], { cwd: dir, encoding: 'utf8' })
        .split('\n')
        .sort()
        .join('\n')
    if (modes(top('git')) !== modes(top('arca'))) throw new Error('the executable files differ')
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

// the archive, loaded once (kept for the next run)
const data = join(opts.dir, `vault-archive-${label}`)
if (!existsSync(join(data, '.bench-complete'))) {
  console.log(`saving ${repo} into ${data} …`)
  rmSync(data, { recursive: true, force: true })
  execFileSync(process.execPath, [arcaBin, 'save', '--data', data, repo], { env, stdio: 'ignore' })
  execFileSync('touch', [join(data, '.bench-complete')])
}

const gitOut = join(opts.dir, 'vault-git.tar.gz')
const arcaOut = join(opts.dir, 'vault-arca.tar.gz')
const gitArchive = () =>
  timed('git', ['-C', repo, 'archive', '--format=tar.gz', '--prefix=top/', '-o', gitOut, head])
const line = (name, wall, cpu, extra = '') =>
  console.log(
    `  ${name.padEnd(30)} ${(wall * 1000).toFixed(1)} ms wall   ${(cpu * 1000).toFixed(1)} ms CPU${extra}`,
  )

console.log(`arca: ${arcaBin}`)
console.log(
  `flat bundle of ${label} at HEAD (${head.slice(0, 12)}, ${files.toLocaleString('en')} files), ${RUNS} runs of ${REPS} bundles back to back, medians per bundle; load average before ${loadAverage()}`,
)
{
  const git = { wall: [], cpu: [] }
  const arca = { wall: [], cpu: [], rss: 0 }
  for (let run = 0; run < RUNS; run++) {
    const g = gitArchive()
    git.wall.push(g.wall)
    git.cpu.push(g.cpu)
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
    arca.wall.push(a.wall)
    arca.cpu.push(a.cpu)
    arca.rss = Math.max(arca.rss, a.rssKb)
  }
  sameTree(gitOut, arcaOut)
  const [gw, gc, aw, ac] = [git.wall, git.cpu, arca.wall, arca.cpu].map(median)
  console.log('CLI (one process per bundle, start-up included)')
  line('git archive --format=tar.gz', gw, gc, `   ${mb(gitOut)} MB`)
  line(
    'arca vault flat',
    aw,
    ac,
    `   ${mb(arcaOut)} MB   peak RSS ${Math.round(arca.rss / 1024)} MB`,
  )
  console.log(
    `  ratio arca/git: ${(aw / gw).toFixed(2)}x wall, ${(ac / gc).toFixed(2)}x CPU (target: at most 2x)`,
  )
}

// ---- the same bundle from a running server (immediate download) ----------------------------
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => res(port))
  })
})
const nodeArgs = opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(opts['cpu-prof'])] : []
const server = spawn(
  process.execPath,
  [
    ...nodeArgs,
    arcaBin,
    'serve',
    '--data',
    data,
    '--port',
    String(port),
    '--no-rate-limit',
    '--no-worker',
  ],
  { env, stdio: 'ignore' },
)
const exited = new Promise((res) => server.once('exit', res))
try {
  const url = `http://127.0.0.1:${port}/api/1/vault/flat/swh:1:rev:${head}/raw/`
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/api/1/`).catch(() => null)
    if (r?.ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  // REPS downloads in one curl process (one connection), one after the other
  const curl = () => {
    const cpu0 = processCpu(server.pid)
    const t = process.hrtime.bigint()
    const args = ['-sf']
    for (let i = 0; i < REPS; i++) args.push('-o', arcaOut, url)
    const r = spawnSync('curl', args, { env })
    if (r.status !== 0) throw new Error(`GET ${url} failed (curl exit ${r.status})`)
    return {
      wall: Number(process.hrtime.bigint() - t) / 1e9 / REPS,
      cpu: (processCpu(server.pid) - cpu0) / REPS,
    }
  }
  curl() // warm-up: the server's modules and worker threads
  const git = { wall: [], cpu: [] }
  const http = { wall: [], cpu: [] }
  for (let run = 0; run < RUNS; run++) {
    const g = gitArchive()
    git.wall.push(g.wall)
    git.cpu.push(g.cpu)
    const h = curl()
    http.wall.push(h.wall)
    http.cpu.push(h.cpu)
  }
  sameTree(gitOut, arcaOut)
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1])
  const [gw, gc, hw, hc] = [git.wall, git.cpu, http.wall, http.cpu].map(median)
  console.log('immediate download from a running arca serve (server CPU)')
  line('git archive --format=tar.gz', gw, gc)
  line('GET …/vault/flat/…/raw/', hw, hc, `   server peak RSS ${Math.round(hwm / 1024)} MB`)
  console.log(
    `  ratio arca/git: ${(hw / gw).toFixed(2)}x wall, ${(hc / gc).toFixed(2)}x CPU (target: at most 2x)`,
  )
} finally {
  server.kill('SIGTERM')
  await exited
}
console.log(`load average after: ${loadAverage()}`)
// The clone part of issue 18's benchmark is bench/vault-clone.mjs.

rmSync(gitOut, { force: true })
rmSync(arcaOut, { force: true })
