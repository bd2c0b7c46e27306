#!/usr/bin/env node
// Benchmark: `arca save` of a generated Subversion repository (~5,000 revisions, written as a
// dump file and loaded with `svnadmin load`) into a fresh embedded archive, against
// `svnadmin dump` of the same repository, in one run. Prints the ratios (wall time, and CPU
// time: user + sys, which a loaded machine moves less), revisions/s, peak RSS and the load
// average (target: arca save <= 3x svnadmin dump, peak RSS <= 300 MB).
//
// Usage: npm run bench:load-vcs-svn [-- --revisions N --runs R]
import { execFileSync, spawnSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    revisions: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const REVISIONS = Number(opts.revisions)
const RUNS = Number(opts.runs)
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const repo = join(opts.dir, `svn-${REVISIONS}`)

/** A property block. */
function props(kv) {
  let s = ''
  for (const [k, v] of kv) s += `K ${Buffer.byteLength(k)}\n${k}\nV ${Buffer.byteLength(v)}\n${v}\n`
  return s + 'PROPS-END\n'
}

/**
 * A deterministic history: trunk/ with 40 directories; each revision changes or adds a file
 * (every 7th with svn:eol-style native, every 11th executable), every 97th deletes a file,
 * every 500th copies trunk to a branch, every 1000th makes an empty directory.
 */
function generate() {
  mkdirSync(opts.dir, { recursive: true })
  const dumpPath = `${repo}.dump`
  const fd = openSync(dumpPath, 'w')
  const out = (s) => writeSync(fd, s)
  out('SVN-fs-dump-format-version: 2\n\nUUID: 0b6d3a52-0000-4000-8000-000000000001\n\n')
  const base = Date.UTC(2010, 0, 1) / 1000
  const files = []
  const node = (path, kind, action, extra = '', p = null, text = null) => {
    let h = `Node-path: ${path}\nNode-kind: ${kind}\nNode-action: ${action}\n${extra}`
    const pl = p === null ? 0 : Buffer.byteLength(p)
    const tl = text === null ? 0 : Buffer.byteLength(text)
    if (p !== null) h += `Prop-content-length: ${pl}\n`
    if (text !== null) h += `Text-content-length: ${tl}\n`
    h += `Content-length: ${pl + tl}\n\n${p ?? ''}${text ?? ''}\n\n`
    out(h)
  }
  for (let r = 1; r <= REVISIONS; r++) {
    const date = new Date((base + r * 60) * 1000).toISOString().replace('Z', '000Z')
    const rp = props([
      ['svn:log', `revision ${r}\n`],
      ['svn:author', `dev${r % 5}`],
      ['svn:date', date],
    ])
    out(
      `Revision-number: ${r}\nProp-content-length: ${rp.length}\nContent-length: ${rp.length}\n\n${rp}\n`,
    )
    if (r === 1) {
      node('trunk', 'dir', 'add', '', props([]))
      node('branches', 'dir', 'add', '', props([]))
      for (let d = 0; d < 40; d++) node(`trunk/d${d}`, 'dir', 'add', '', props([]))
      continue
    }
    if (r % 500 === 0) {
      node(
        `branches/b${r}`,
        'dir',
        'add',
        `Node-copyfrom-rev: ${r - 1}\nNode-copyfrom-path: trunk\n`,
      )
      continue
    }
    if (r % 1000 === 1) node(`trunk/d${r % 40}/empty${r}`, 'dir', 'add', '', props([]))
    if (r % 97 === 0 && files.length > 10) {
      const [gone] = files.splice(r % files.length, 1)
      node(gone, 'file', 'delete')
      continue
    }
    const text = `file contents for revision ${r}\n`.repeat(1 + (r % 20))
    if (r % 3 === 0 && files.length > 0) {
      node(files[r % files.length], 'file', 'change', '', null, text)
    } else {
      const path = `trunk/d${r % 40}/f${r}.txt`
      const kv = []
      if (r % 7 === 0) kv.push(['svn:eol-style', 'native'])
      if (r % 11 === 0) kv.push(['svn:executable', '*'])
      node(path, 'file', 'add', '', props(kv), text)
      files.push(path)
    }
  }
  closeSync(fd)
  execFileSync('svnadmin', ['create', repo])
  execFileSync('sh', ['-c', `svnadmin load -q --no-flush-to-disk "${repo}" < "${dumpPath}"`])
  rmSync(dumpPath)
}

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', cmd === 'sh' ? 'ignore' : 'pipe', 'pipe'],
  })
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return {
    seconds: Number(last[0]),
    cpu: Number(last[1]) + Number(last[2]),
    rssKb: Number(last[3]),
    stdout: r.stdout ?? '',
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

if (!existsSync(join(repo, 'format'))) generate()
// Content files are written durably (fdatasync of each file, fsync of its folder): the same
// save into a tmpfs (/dev/shm, where syncs cost nothing) shows what the loader itself costs.
const shm = existsSync('/dev/shm') ? join('/dev/shm', `arca-bench-svn-${process.pid}`) : null
const dumps = []
const saves = []
const shmSaves = []
const dumpCpu = []
const saveCpu = []
const shmCpu = []
const loads = []
let rss = 0
function saveInto(data, cpus) {
  rmSync(data, { recursive: true, force: true })
  const s = timed(process.execPath, [arcaBin, 'save', '--type', 'svn', '--data', data, repo])
  if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
  rss = Math.max(rss, s.rssKb)
  rmSync(data, { recursive: true, force: true })
  cpus.push(s.cpu)
  return s.seconds
}
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
for (let run = 0; run < RUNS; run++) {
  loads.push(loadavg())
  const d = timed('sh', ['-c', `svnadmin dump -q "${repo}" > /dev/null`])
  dumps.push(d.seconds)
  dumpCpu.push(d.cpu)
  saves.push(saveInto(join(opts.dir, 'svn-archive'), saveCpu))
  if (shm) shmSaves.push(saveInto(shm, shmCpu))
}
loads.push(loadavg())
const dump = median(dumps)
const save = median(saves)
const cpu = median(dumpCpu)
const perRev = (s) => `${Math.round(REVISIONS / s).toLocaleString('en')} revisions/s`
console.log(`repository: ${REVISIONS} svn revisions, ${RUNS} runs, medians (wall / CPU user+sys)`)
console.log(`load average (1, 5, 15 min) during the runs: ${loads.join(' | ')}`)
console.log(`  svnadmin dump                ${dump.toFixed(2)} s / ${cpu.toFixed(2)} s`)
console.log(
  `  arca save (fresh archive)    ${save.toFixed(2)} s / ${median(saveCpu).toFixed(2)} s   ${perRev(save)}   peak RSS ${Math.round(rss / 1024)} MB`,
)
if (shm) {
  const fast = median(shmSaves)
  console.log(
    `  arca save (archive in tmpfs) ${fast.toFixed(2)} s / ${median(shmCpu).toFixed(2)} s   ${perRev(fast)}`,
  )
  console.log(
    `ratio arca save (tmpfs) / svnadmin dump: ${(fast / dump).toFixed(2)}x wall, ${(median(shmCpu) / cpu).toFixed(2)}x CPU`,
  )
}
console.log(
  `ratio arca save / svnadmin dump: ${(save / dump).toFixed(2)}x wall, ${(median(saveCpu) / cpu).toFixed(2)}x CPU (target <= 3x)`,
)
