#!/usr/bin/env node
// Benchmark of listers: a GitLab-shaped local server (its own process, bench/lib/list-server.mjs)
// serves N projects (default 100,000) in keyset pages of 100; `runLister` lists them all into
// the scheduler's listed origins (addOrigins per page, the lister state saved after each), on
// SQLite and on PostgreSQL. Printed: origins/s of the full listing (target >= 5,000/s), the RSS
// at each quarter of the listing and the peak (target: flat), and the time of an incremental
// re-listing with nothing new (target < 1 s). The CPU time of the lister process is printed
// too, with the load average: on a shared machine the wall time says more about the others.
//
// Usage: npm run bench:list [-- --origins N --backends sqlite,postgres]
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

import pg from 'pg'

import { GitLabLister, ListerHttp, ListerStore, runLister } from '../dist/lister/index.js'
import { openScheduler } from '../dist/scheduler/index.js'

const { values: opts } = parseArgs({
  options: {
    origins: { type: 'string', default: '100000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench', 'list') },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  },
})
const N = Number(opts.origins)
const backends = opts.backends.split(',')
const MB = (b) => `${Math.round(b / 1024 / 1024)} MB`

const server = spawn(
  process.execPath,
  [join(import.meta.dirname, 'lib', 'list-server.mjs'), String(N)],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
)
const port = await new Promise((r) => createInterface({ input: server.stdout }).once('line', r))
const base = `http://127.0.0.1:${port}`

/** GitLab's lister, sampling the RSS every quarter of the listing. */
class SampledLister extends GitLabLister {
  samples = []
  async page(state, http) {
    const p = await super.page(state, http)
    const seen = Number(p.next?.lastSeenId ?? N)
    if (seen >= ((this.samples.length + 1) * N) / 4) this.samples.push(process.memoryUsage().rss)
    return p
  }
}

async function bench(label, url) {
  const s = await openScheduler(url)
  const http = new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] } })
  try {
    const store = new ListerStore(s.db)
    const lister = new SampledLister(base)
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const full = await runLister(lister, { http, store, visits: s.visits })
    const secs = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const cpuSecs = (cpu.user + cpu.system) / 1e6
    const [{ n }] = await s.db.all('SELECT COUNT(*) AS n FROM listed_origin')
    if (Number(n) !== N || full.added !== N)
      throw new Error(`listed ${n} origins, ${full.added} new, of ${N}`)
    console.log(
      `${label}: full listing ${N.toLocaleString('en-US')} origins in ${full.pages} pages: ` +
        `${secs.toFixed(1)} s, ${Math.round(N / secs).toLocaleString('en-US')} origins/s`,
    )
    console.log(
      `  lister process CPU: ${cpuSecs.toFixed(1)} s (${Math.round(N / cpuSecs).toLocaleString('en-US')} origins per CPU-second; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)`,
    )
    console.log(`  RSS at 25/50/75/100 %: ${lister.samples.map(MB).join(', ')}`)
    const t1 = performance.now()
    const again = await runLister(new GitLabLister(base), { http, store, visits: s.visits })
    const ms = performance.now() - t1
    if (again.added !== 0) throw new Error(`the re-listing found ${again.added} new`)
    console.log(
      `  incremental re-listing, nothing new: ${ms.toFixed(0)} ms (${again.pages} page, ${again.origins} origins seen again)`,
    )
  } finally {
    http.close()
    await s.close()
  }
}

try {
  if (backends.includes('sqlite')) {
    rmSync(opts.dir, { recursive: true, force: true })
    mkdirSync(opts.dir, { recursive: true })
    await bench('SQLite', `sqlite:${join(opts.dir, 'graph.sqlite')}`)
    rmSync(opts.dir, { recursive: true, force: true })
  }
  if (backends.includes('postgres')) {
    const name = `arca_bench_list_${process.pid}`
    const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    try {
      await bench('PostgreSQL', `${opts.postgres}/${name}`)
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    }
  }
} finally {
  server.kill()
}
console.log(`peak RSS: ${MB(process.resourceUsage().maxRSS * 1024)}`)
