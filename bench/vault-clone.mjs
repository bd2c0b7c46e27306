#!/usr/bin/env node
// Benchmark: `git clone --bare` of a repository from `arca serve` (smart HTTP, /git/<origin>,
// the pack built from stored objects) against the same clone from `git daemon` serving the
// repository itself, in one run. By default the repository is the synthetic one of bench:load
// (~60,000 objects); `--repo PATH` takes a real one (e.g. /work/.mirror/expressjs+express/repo),
// copied first into the bench directory (bench/lib/real-repos.mjs) so that the archive and the
// daemon read the same private copy.
//
// Prints, as medians: the wall time of each clone, the CPU time of the client (`git clone`
// with its index-pack: user+sys of the whole process tree) and of the server (the Arca process
// with its worker threads; git daemon with the upload-pack and pack-objects it forks), the pack
// sizes, the ratios, the peak RSS of the Arca server (VmHWM) and the load average. Checks that
// both clones have the refs of the repository and `git fsck` passes on the last Arca clone.
//
// Usage: npm run bench:vault-clone [-- --repo PATH --runs R --commits N --files N
//                                      --baseline OTHER/bin/arca.js --cpu-prof DIR]
// --baseline: another build of arca, serving the same archive from a second server, cloned
//   alternately with this one (before/after figures in one sitting).
// --cpu-prof DIR: run this build's server under `node --cpu-prof` (profiles written into DIR
//   when it stops; summarise with bench/lib/cpu-profile-summary.mjs).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { cloneRepos, loadAverage, objectCount } from './lib/real-repos.mjs'
import { generateRepo } from './lib/synthetic-repo.mjs'

const { values: opts } = parseArgs({
  options: {
    commits: { type: 'string', default: '5000' },
    files: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    repo: { type: 'string' },
    baseline: { type: 'string' },
    'cpu-prof': { type: 'string' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const COMMITS = Number(opts.commits)
const FILES = Number(opts.files)
const RUNS = Number(opts.runs)
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

let repo
let label
if (opts.repo) {
  ;[repo] = cloneRepos([opts.repo], opts.dir, env)
  label = basename(repo).replace(/\.git$/, '')
} else {
  repo = join(opts.dir, `load-${COMMITS}x${FILES}.git`)
  label = `load-${COMMITS}x${FILES}`
  if (!existsSync(join(repo, 'HEAD'))) generateRepo({ repo, commits: COMMITS, files: FILES, env })
}
const objects = objectCount(repo)

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })

async function waitFor(url) {
  for (let i = 0; i < 600; i++) {
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

/** CPU seconds of a process, its threads and its waited-for children (/proc/PID/stat). */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime, stime, cutime, cstime are fields 14–17 (1-based), 12–15 after the name.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100
}

function timedClone(url, dest, serverPid) {
  rmSync(dest, { recursive: true, force: true })
  const before = cpuOf(serverPid)
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %U %S', 'git', 'clone', '-q', '--bare', url, dest],
    {
      env,
      encoding: 'utf8',
    },
  )
  if (r.status !== 0) throw new Error(`git clone ${url} failed: ${r.stderr}`)
  // The daemon reaps its upload-pack a moment after the client is done.
  spawnSync('sleep', ['0.2'])
  const server = cpuOf(serverPid) - before
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number)
  return { wall, client: user + sys, server }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const refs = (r) =>
  execFileSync('git', ['-C', r, 'for-each-ref', '--format=%(objectname) %(refname)'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
const packBytes = (r) =>
  execFileSync('find', [join(r, 'objects', 'pack'), '-name', '*.pack'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .reduce((n, f) => n + statSync(f).size, 0)

// The archive: one `arca save` of the repository (kept between runs of the bench).
const data = join(opts.dir, `vault-clone-archive-${label}`)
if (!existsSync(join(data, '.bench-complete'))) {
  console.log(`saving ${repo} into ${data} …`)
  rmSync(data, { recursive: true, force: true })
  execFileSync(process.execPath, [arcaBin, 'save', '--data', data, repo], {
    env,
    stdio: 'ignore',
  })
  execFileSync('touch', [join(data, '.bench-complete')])
}

async function startArca(bin, prof) {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', '--cpu-prof-dir', resolve(prof)] : []),
      bin,
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
  return { child, base: `http://127.0.0.1:${port}` }
}

const servers = [{ name: 'arca', ...(await startArca(arcaBin, opts['cpu-prof'])) }]
if (opts.baseline) {
  servers.push({ name: 'baseline', ...(await startArca(resolve(opts.baseline), null)) })
}
const daemonPort = await freePort()
// git-daemon itself (not `git daemon`, whose `git` process would wait for it), so that its
// reaped upload-packs count in its CPU time.
const gitDaemon = join(
  execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(),
  'git-daemon',
)
const daemon = spawn(
  gitDaemon,
  [
    '--reuseaddr',
    '--export-all',
    `--base-path=${dirname(repo)}`,
    `--port=${daemonPort}`,
    '--listen=127.0.0.1',
    dirname(repo),
  ],
  { env, stdio: 'ignore' },
)
const stopped = (child) =>
  new Promise((res) => {
    if (child.exitCode !== null) res()
    else child.once('exit', res)
  })
try {
  for (const s of servers) {
    const origins = await (await waitFor(`${s.base}/api/1/origin/search/${label}/`)).json()
    if (origins.length === 0) throw new Error(`no origin matching ${label} in ${data}`)
    s.url = `${s.base}/git/${origins[0].url}`
    s.runs = []
    s.dest = join(opts.dir, `vault-clone-${s.name}.git`)
  }
  const daemonUrl = `git://127.0.0.1:${daemonPort}/${basename(repo)}`
  await new Promise((r) => setTimeout(r, 500))
  const daemonDest = join(opts.dir, 'vault-clone-daemon.git')
  const daemonRuns = []
  const loadBefore = loadAverage()
  for (let run = 0; run < RUNS; run++) {
    daemonRuns.push(timedClone(daemonUrl, daemonDest, daemon.pid))
    const order = run % 2 === 0 ? servers : [...servers].reverse()
    for (const s of order) s.runs.push(timedClone(s.url, s.dest, s.child.pid))
  }
  // A bare clone fetches branches and tags only (not, e.g., a mirror's refs/pull/*).
  const want = refs(daemonDest)
  for (const s of servers) {
    if (refs(s.dest) !== want)
      throw new Error(`the clone from ${s.name} lacks refs of the repository`)
  }
  execFileSync('git', ['-C', servers[0].dest, 'fsck', '--strict', '--no-progress'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const m = (runs, k) => median(runs.map((r) => r[k]))
  const d = {
    wall: m(daemonRuns, 'wall'),
    client: m(daemonRuns, 'client'),
    server: m(daemonRuns, 'server'),
  }
  const mb = (b) => `${(b / 1048576).toFixed(1)} MB`
  console.log(
    `repository: ${repo}, ${objects.toLocaleString('en')} objects, ${RUNS} runs, medians (CPU: user+sys)`,
  )
  console.log(`  git daemon    wall times ${daemonRuns.map((r) => r.wall.toFixed(2)).join(' ')} s`)
  console.log(
    `  git daemon    ${d.wall.toFixed(2)} s wall   client ${d.client.toFixed(2)} s CPU   server ${d.server.toFixed(2)} s CPU   pack ${mb(packBytes(daemonDest))}`,
  )
  for (const s of servers) {
    const a = { wall: m(s.runs, 'wall'), client: m(s.runs, 'client'), server: m(s.runs, 'server') }
    const hwm = Number(
      /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))[1],
    )
    console.log(
      `  ${s.name.padEnd(12)}  ${a.wall.toFixed(2)} s wall   client ${a.client.toFixed(2)} s CPU   server ${a.server.toFixed(2)} s CPU   pack ${mb(packBytes(s.dest))}   server peak RSS ${Math.round(hwm / 1024)} MB`,
    )
    console.log(`    wall times: ${s.runs.map((r) => r.wall.toFixed(2)).join(' ')} s`)
    console.log(
      `    ratio ${s.name}/daemon: ${(a.wall / d.wall).toFixed(2)}x wall (target: at most 3x), ` +
        `${((a.client + a.server) / (d.client + d.server)).toFixed(2)}x CPU (client+server), ` +
        `server CPU ${(a.server / Math.max(0.01, d.server)).toFixed(1)}x`,
    )
  }
  console.log(`load average before: ${loadBefore}, after: ${loadAverage()}`)
} finally {
  for (const s of servers) s.child.kill('SIGINT')
  daemon.kill('SIGTERM')
  await Promise.all([...servers.map((s) => stopped(s.child)), stopped(daemon)])
  for (const s of servers)
    rmSync(join(opts.dir, `vault-clone-${s.name}.git`), { recursive: true, force: true })
  rmSync(join(opts.dir, 'vault-clone-daemon.git'), { recursive: true, force: true })
}
