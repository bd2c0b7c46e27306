#!/usr/bin/env node
// Benchmark: `arca save` of a generated Mercurial repository of ~5,000 changesets (made through
// Mercurial's API: nested directories, a few files changed per changeset, named branches and
// merges) served by `hg serve` on loopback, against `hg clone --noupdate` of the same URL, in
// one run; then an unchanged re-visit. Prints the ratio, revisions/s and peak RSS (of arca's
// process, and of the whole process tree: hg's clone and Arca's reader included).
//
// Usage: npm run bench:load-vcs-hg [-- --changesets N --runs R]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    changesets: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const N = Number(opts.changesets)
const RUNS = Number(opts.runs)
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const repo = join(opts.dir, `load-hg-${N}`)
const env = { ...process.env, HGPLAIN: '1', HGRCPATH: '/dev/null', HGUSER: 'Bench <b@example.org>' }

// Changesets through memctx: ~1 ms each. 40 directories x 25 files; each changeset changes 3
// files (one new every 4th); every 500th starts a named branch, merged back 50 later.
const GENERATE = `
import sys
from mercurial import context, hg, ui as uimod
from mercurial.node import nullid
path, n = sys.argv[1].encode(), int(sys.argv[2])
repo = hg.repository(uimod.ui.load(), path, create=True)
files = {}
def make(parents, changed, branch, i):
    def fctx(repo, mctx, p):
        return context.memfilectx(repo, mctx, p, files[p], islink=False, isexec=p.endswith(b'.sh'))
    return context.memctx(repo, parents, b'change %d' % i, changed, fctx,
        user=b'Bench <b@example.org>', date=(1600000000 + i * 60, -3600), extra={b'branch': branch})
with repo.wlock(), repo.lock(), repo.transaction(b'bench'):
    tip, side, side_start = nullid, None, 0
    for i in range(n):
        changed = []
        for k in range(3):
            j = (i * 7 + k * 13) % 1000 if i % 4 else 1000 + i
            p = b'd%02d/sub%d/f%d.%s' % (j % 40, j % 3, j, b'sh' if j % 17 == 0 else b'txt')
            files[p] = (b'line %d of %d\\n' % (i, j)) * (1 + j % 20)
            changed.append(p)
        if i % 500 == 250:
            side, side_start = tip, i
        if side is not None and i - side_start < 50:
            side = repo.commitctx(make((side, nullid), changed, b'feature-%d' % side_start, i))
            continue
        parents = (tip, side) if side is not None else (tip, nullid)
        tip = repo.commitctx(make(parents, changed, b'default', i))
        side = None
`

if (!existsSync(join(repo, '.hg'))) {
  execFileSync('mkdir', ['-p', opts.dir])
  const python = readFileSync(
    execFileSync('sh', ['-c', 'command -v hg'], { encoding: 'utf8' }).trim(),
    'latin1',
  )
    .split('\n', 1)[0]
    .replace(/^#!\s*/, '')
    .split(/\s+/)
  execFileSync(python[0], [...python.slice(1), '-c', GENERATE, repo, String(N)], { env })
}
const revisions =
  Number(execFileSync('hg', ['-R', repo, 'log', '-r', 'tip', '-T', '{rev}'], { env })) + 1

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => res(p))
  })
})
const server = spawn('hg', ['serve', '-R', repo, '-a', '127.0.0.1', '-p', String(port)], {
  env,
  stdio: 'ignore',
})
const url = `http://127.0.0.1:${port}/`
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}?cmd=capabilities`)).ok) break
  } catch {
    if (i > 200) throw new Error('hg serve did not start')
  }
  await new Promise((r) => setTimeout(r, 50))
}

/** Wall time and peak RSS (KB) of the command and, sampled, of its whole process tree. */
async function timed(cmd, args) {
  const started = process.hrtime.bigint()
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  let treeRss = 0
  const sample = setInterval(() => (treeRss = Math.max(treeRss, treeOf(child.pid))), 100)
  const code = await new Promise((r) => child.on('exit', r))
  clearInterval(sample)
  if (code !== 0) throw new Error(`${cmd} failed: ${stderr}${stdout}`)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const [rssKb, user, sys] = stderr.trim().split('\n').at(-1).split(' ').map(Number)
  return { seconds, cpu: user + sys, rssKb, treeRssKb: treeRss, stdout }
}

/** Sum of RSS (KB) of `pid` and its descendants. */
function treeOf(pid) {
  const r = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,rss='], { encoding: 'utf8' })
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
  const inTree = new Set([pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [p, pp] of rows)
      if (inTree.has(pp) && !inTree.has(p)) {
        inTree.add(p)
        grew = true
      }
  }
  return rows.filter(([p]) => inTree.has(p)).reduce((s, [, , rss]) => s + rss, 0)
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const clones = []
const cloneCpu = []
const saves = []
const saveCpu = []
const revisits = []
let rss = 0
let treeRss = 0
try {
  for (let run = 0; run < RUNS; run++) {
    const clone = join(opts.dir, 'load-hg-clone')
    rmSync(clone, { recursive: true, force: true })
    const c = await timed('hg', ['clone', '-q', '--noupdate', url, clone])
    clones.push(c.seconds)
    cloneCpu.push(c.cpu)
    rmSync(clone, { recursive: true, force: true })
    const data = join(opts.dir, 'load-hg-archive')
    rmSync(data, { recursive: true, force: true })
    const s = await timed(process.execPath, [arcaBin, 'save', '--type', 'hg', '--data', data, url])
    if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
    saves.push(s.seconds)
    saveCpu.push(s.cpu)
    rss = Math.max(rss, s.rssKb)
    treeRss = Math.max(treeRss, s.treeRssKb)
    const again = await timed(process.execPath, [
      arcaBin,
      'save',
      '--type',
      'hg',
      '--data',
      data,
      url,
    ])
    if (!/\(unchanged\)/.test(again.stdout))
      throw new Error(`re-visit was not unchanged:\n${again.stdout}`)
    revisits.push(again.seconds)
    rmSync(data, { recursive: true, force: true })
  }
} finally {
  server.kill()
}
const clone = median(clones)
const save = median(saves)
console.log(
  `repository: ${revisions.toLocaleString('en')} changesets over hg serve, ${RUNS} runs, median wall time`,
)
console.log(`  hg clone --noupdate             ${clone.toFixed(2)} s`)
console.log(
  `  arca save --type hg (fresh)     ${save.toFixed(2)} s   ${(save / clone).toFixed(2)}x hg clone   ${Math.round(revisions / save).toLocaleString('en')} revisions/s`,
)
console.log(
  `                                  peak RSS ${Math.round(rss / 1024)} MB (arca), ${Math.round(treeRss / 1024)} MB (arca + hg + reader, sampled)`,
)
console.log(
  `  CPU time (user + sys)           hg clone ${median(cloneCpu).toFixed(2)} s, arca save ${median(saveCpu).toFixed(2)} s (${(median(saveCpu) / median(cloneCpu)).toFixed(2)}x)`,
)
console.log(`  arca save again (unchanged)     ${median(revisits).toFixed(2)} s`)
