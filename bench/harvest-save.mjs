// Benchmark part of bench:harvest: Save Code Now from POST to `succeeded` on the embedded
// default (`arca serve` with its in-process worker, as `npm start` runs it), for small git
// repositories served by `git daemon` on loopback: R requests one after the other, each for a
// new origin, timed from the POST until GET answers `succeeded`. Prints p50, p95 and max.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'

const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function freePort() {
  return new Promise((res) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })
}

function startServe(data) {
  const child = spawn(
    process.execPath,
    [
      arcaBin,
      'serve',
      '--data',
      data,
      '--port',
      '0',
      '--no-rate-limit',
      '--allow-network',
      '127.0.0.0/8',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env },
  )
  let err = ''
  return new Promise((res, rej) => {
    child.stderr.on('data', (b) => {
      err += b
      const m = / at (http:\/\/[^/\s]+)\//.exec(err)
      if (m) res({ url: m[1], child })
    })
    child.once('exit', (code) => rej(new Error(`arca serve exited ${code}: ${err}`)))
  })
}

/** Times R save requests; returns the durations in ms. */
export async function saveBench({ dir, requests, log }) {
  rmSync(dir, { recursive: true, force: true })
  const repos = join(dir, 'repos')
  mkdirSync(repos, { recursive: true })
  for (let i = 0; i < requests; i++) {
    const repo = join(repos, `r${i}.git`)
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env })
    const work = join(dir, `w${i}`)
    execFileSync('git', ['clone', '-q', repo, work], { env, stdio: 'ignore' })
    for (let f = 0; f < 20; f++)
      execFileSync('sh', ['-c', `echo "file ${f} of ${i}" > ${work}/f${f}.txt`])
    execFileSync('git', ['-C', work, 'add', '-A'], { env })
    execFileSync(
      'git',
      [
        '-C',
        work,
        '-c',
        'user.name=B',
        '-c',
        'user.email=b@example.org',
        'commit',
        '-q',
        '-m',
        `r${i}`,
      ],
      { env },
    )
    execFileSync('git', ['-C', work, 'push', '-q', 'origin', 'HEAD:main'], { env, stdio: 'ignore' })
  }
  const port = await freePort()
  const daemon = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--export-all',
      '--listen=127.0.0.1',
      `--port=${port}`,
      `--base-path=${repos}`,
      repos,
    ],
    { stdio: 'ignore' },
  )
  await sleep(500)
  const data = join(dir, 'data')
  execFileSync(
    process.execPath,
    [
      arcaBin,
      'save-request',
      'prefix',
      'add',
      'authorized',
      `git://127.0.0.1:${port}/`,
      '--data',
      data,
    ],
    { env },
  )
  const { url, child } = await startServe(data)
  const times = []
  try {
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now()
      const r = await fetch(`${url}/api/1/origin/save/git/url/git://127.0.0.1:${port}/r${i}.git/`, {
        method: 'POST',
      })
      const { id } = await r.json()
      for (;;) {
        const s = await (await fetch(`${url}/api/1/origin/save/${id}/`)).json()
        if (s.save_task_status === 'succeeded') break
        if (s.save_task_status === 'failed')
          throw new Error(`request ${id} failed: ${JSON.stringify(s)}`)
        await sleep(20)
      }
      times.push(performance.now() - t0)
    }
  } finally {
    child.kill('SIGTERM')
    daemon.kill('SIGTERM')
    await sleep(300)
    rmSync(dir, { recursive: true, force: true })
  }
  const sorted = [...times].sort((a, b) => a - b)
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  log(
    `Save Code Now, POST to succeeded (embedded default, in-process worker, ${requests} small repositories one after the other): ` +
      `p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms (target p50 under 2 s)`,
  )
  return times
}
