#!/usr/bin/env node
// Benchmark: `arca mirror --once` of an upstream archive of ≥100,000 objects (a synthetic
// repository loaded with `arca save`), from the HTTP feed and from NATS JetStream, into fresh
// embedded archives; reference: `git clone --mirror --no-local` of the same repository, in the
// same run. Prints verified objects/s, peak RSS, final lag and the ratio to git.
//
// Usage: npm run bench:mirror [-- --commits N --files N --nats 127.0.0.1:4222 --no-nats]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { generateRepo } from './lib/synthetic-repo.mjs'

const { values: opts } = parseArgs({
  options: {
    commits: { type: 'string', default: '9000' },
    files: { type: 'string', default: '3' },
    nats: { type: 'string', default: '127.0.0.1:4222' },
    'no-nats': { type: 'boolean', default: false },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const COMMITS = Number(opts.commits)
const FILES = Number(opts.files)
const root = resolve(import.meta.dirname, '..')
const arcaBin = join(root, 'bin', 'arca.js')
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const repo = join(opts.dir, `load-${COMMITS}x${FILES}.git`)
const upstream = join(opts.dir, `mirror-up-${COMMITS}x${FILES}`)

function arca(args, options = {}) {
  const r = spawnSync(process.execPath, [arcaBin, ...args], { encoding: 'utf8', env, ...options })
  if (r.status !== 0 && !options.allowFail)
    throw new Error(`arca ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r
}

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', env })
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed: ${r.stderr}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return { seconds: Number(last[0]), rssKb: Number(last[1]), stdout: r.stdout, status: r.status }
}

if (!existsSync(join(repo, 'HEAD'))) generateRepo({ repo, commits: COMMITS, files: FILES, env })
if (!existsSync(join(upstream, 'graph.sqlite'))) {
  console.log(`loading ${repo} into ${upstream} …`)
  rmSync(upstream, { recursive: true, force: true })
  arca(['save', '--data', upstream, repo])
}
const token = arca(['token', 'create', '--data', upstream, '--scope', 'mirror']).stdout.trim()

// Serve the upstream (its own process, as in production).
const server = spawn(
  process.execPath,
  [arcaBin, 'serve', '--data', upstream, '--port', '0', '--no-rate-limit'],
  { env, stdio: ['ignore', 'ignore', 'pipe'] },
)
const url = await new Promise((resolveUrl, reject) => {
  let err = ''
  server.stderr.on('data', (b) => {
    err += b
    const m = /at (http:\/\/\S+?)\/ /.exec(err)
    if (m) resolveUrl(m[1])
  })
  server.on('exit', (code) => reject(new Error(`arca serve exited ${code}: ${err}`)))
})

const results = []
try {
  const gitTarget = join(opts.dir, 'mirror-git.git')
  rmSync(gitTarget, { recursive: true, force: true })
  const git = timed('git', ['clone', '-q', '--mirror', '--no-local', repo, gitTarget])
  rmSync(gitTarget, { recursive: true, force: true })

  const run = (name, upstreamUrl, extra = []) => {
    const data = join(opts.dir, `mirror-down-${name}`)
    rmSync(data, { recursive: true, force: true })
    const t = timed(process.execPath, [
      arcaBin,
      'mirror',
      '--data',
      data,
      '--upstream',
      upstreamUrl,
      '--token',
      token,
      '--once',
      '--json',
      ...extra,
    ])
    const summary = JSON.parse(t.stdout.trim().split('\n').at(-1))
    const status = JSON.parse(
      arca(['mirror', 'status', '--data', data, '--token', token, '--json', ...extra]).stdout,
    )
    const lag = status.topics.reduce((n, s) => n + (s.lag ?? 0), 0)
    const verify = arca(
      ['mirror', 'verify', '--data', data, '--token', token, '--no-rehash', ...extra],
      {
        allowFail: true,
      },
    )
    rmSync(data, { recursive: true, force: true })
    results.push({
      name,
      ...t,
      records: summary.records,
      rejected: summary.rejected,
      lag,
      verified: verify.status === 0,
    })
  }

  run('http', url)
  if (!opts['no-nats']) {
    // The same journal, copied into NATS JetStream streams under a fresh prefix.
    const prefix = `arcabench${randomBytes(4).toString('hex')}`
    const natsUrl = `nats://${opts.nats}/${prefix}`
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { EmbeddedJournal } = await import(${JSON.stringify(join(root, 'dist/journal/embedded/embedded-journal.js'))})
      const { NatsJournal, natsJournalInitFromUrl } = await import(${JSON.stringify(join(root, 'dist/journal/nats/nats-journal.js'))})
      const { TOPICS } = await import(${JSON.stringify(join(root, 'dist/journal/interface.js'))})
      const src = new EmbeddedJournal({ root: ${JSON.stringify(join(upstream, 'journal'))} })
      await src.open()
      const dst = new NatsJournal(natsJournalInitFromUrl(${JSON.stringify(natsUrl)}))
      await dst.open()
      for (const t of TOPICS) {
        let batch = []
        for await (const r of src.read(t, 0)) {
          batch.push({ key: r.key, value: r.value })
          if (batch.length === 5000) { await dst.append(t, batch); batch = [] }
        }
        if (batch.length) await dst.append(t, batch)
      }
      await dst.close(); await src.close()
    `,
      ],
      { stdio: 'inherit' },
    )
    try {
      run('nats', natsUrl, ['--feed', url])
    } finally {
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `
        const { connect } = await import('@nats-io/transport-node')
        const { jetstreamManager } = await import('@nats-io/jetstream')
        const nc = await connect({ servers: ${JSON.stringify(opts.nats)} })
        const jsm = await jetstreamManager(nc)
        for await (const n of jsm.streams.names()) if (n.startsWith(${JSON.stringify(prefix)})) await jsm.streams.delete(n)
        await nc.close()
      `,
        ],
        { cwd: root, stdio: 'inherit' },
      )
    }
  }

  console.log(
    `upstream: ${results[0].records.toLocaleString('en')} journal records (${COMMITS} commits × ${FILES} files)`,
  )
  console.log(
    `  git clone --mirror --no-local     ${git.seconds.toFixed(2)} s   peak RSS ${Math.round(git.rssKb / 1024)} MB`,
  )
  for (const r of results) {
    console.log(
      `  arca mirror --once (${r.name.padEnd(4)})      ${r.seconds.toFixed(2)} s   ${Math.round(r.records / r.seconds).toLocaleString('en')} verified objects/s   peak RSS ${Math.round(r.rssKb / 1024)} MB   final lag ${r.lag}   rejected ${r.rejected}   verify ${r.verified ? 'OK' : 'FAILED'}   ratio to git ${(r.seconds / git.seconds).toFixed(1)}x`,
    )
  }
  console.log('target: >= 20,000 verified objects/s')
} finally {
  server.kill('SIGTERM')
}
