#!/usr/bin/env node
// Benchmark: `arca identify` on a deterministic tree of ~50,000 files / ~400 MB, against
// `git hash-object --no-filters --stdin-paths` (the hash-only floor) and
// `git add -A -f && git write-tree` (filters off), all measured in this run, warm cache.
//
// Usage: npm run bench:identify [-- --files N --mb M --runs R --keep]
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    files: { type: 'string', default: '50000' },
    mb: { type: 'string', default: '400' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const FILES = Number(opts.files)
const TOTAL = Number(opts.mb) * 1e6
const RUNS = Number(opts.runs)
const repo = resolve(import.meta.dirname, '..')
const arcaBin = join(repo, 'bin', 'arca.js')
const tree = join(opts.dir, `identify-${FILES}-${opts.mb}`)
const listFile = tree + '.files'

// xorshift32: deterministic and fast.
let state = 0x9e3779b9
const rand = () => {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 4294967296
}
const randInt = (n) => Math.floor(rand() * n)

function fill(buf) {
  // Text-like bytes mixed with binary runs, so compression or deduplication can't cheat.
  let i = 0
  for (; i + 4 <= buf.length; i += 4) buf.writeUInt32LE((rand() * 4294967296) >>> 0, i)
  for (; i < buf.length; i++) buf[i] = randInt(256)
  return buf
}

function generate() {
  console.log(`generating ${FILES} files, ~${opts.mb} MB in ${tree} …`)
  rmSync(tree, { recursive: true, force: true })
  mkdirSync(tree, { recursive: true })
  // Directory skeleton: ~FILES/25 directories, nested up to 8 levels.
  const dirs = ['']
  const nDirs = Math.max(1, Math.floor(FILES / 25))
  for (let i = 1; i < nDirs; i++) {
    const parent = dirs[randInt(dirs.length)]
    const depth = parent === '' ? 0 : parent.split('/').length
    const base = depth >= 8 ? '' : parent
    const d = (base ? base + '/' : '') + `d${i.toString(36)}`
    mkdirSync(join(tree, d), { recursive: true })
    dirs.push(d)
  }
  // Sizes: 94% small (avg ~3 kB), 5.8% medium (avg ~60 kB), 0.2% large; scaled to TOTAL.
  const sizes = []
  for (let i = 0; i < FILES; i++) {
    const r = rand()
    if (r < 0.94) sizes.push(64 + randInt(6000))
    else if (r < 0.998) sizes.push(8000 + randInt(110000))
    else sizes.push(200000 + randInt(1500000))
  }
  const sum = sizes.reduce((a, b) => a + b, 0)
  const scale = TOTAL / sum
  const files = []
  const buf = Buffer.alloc(8 << 20)
  for (let i = 0; i < FILES; i++) {
    const size = Math.max(0, Math.round(sizes[i] * scale))
    const dir = dirs[randInt(dirs.length)]
    const rel = (dir ? dir + '/' : '') + `f${i.toString(36)}${rand() < 0.3 ? '.c' : '.txt'}`
    const p = join(tree, rel)
    if (size <= buf.length) writeFileSync(p, fill(buf.subarray(0, size)))
    else {
      const chunks = []
      for (let left = size; left > 0; left -= buf.length)
        chunks.push(Buffer.from(fill(buf.subarray(0, Math.min(left, buf.length)))))
      writeFileSync(p, Buffer.concat(chunks))
    }
    if (rand() < 0.05) chmodSync(p, 0o755)
    files.push(rel)
  }
  // ~1% symlinks (some dangling, some to directories).
  for (let i = 0; i < FILES / 100; i++) {
    const dir = dirs[randInt(dirs.length)]
    const target =
      rand() < 0.5 ? files[randInt(files.length)] : rand() < 0.5 ? 'missing/target' : '..'
    symlinkSync(target, join(tree, dir, `l${i.toString(36)}`))
  }
  writeFileSync(listFile, files.map((f) => join(tree, f)).join('\n') + '\n')
  writeFileSync(join(opts.dir, `identify-${FILES}-${opts.mb}.ok`), 'ok\n')
}

function timed(cmd, args, options = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    ...options,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return { seconds: Number(last[0]), rssKb: Number(last[1]), stdout: r.stdout }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

if (!existsSync(join(opts.dir, `identify-${FILES}-${opts.mb}.ok`))) generate()

const gitDir = join(opts.dir, 'identify-gitdir')
const gitEnv = {
  ...process.env,
  GIT_DIR: gitDir,
  GIT_WORK_TREE: tree,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_INDEX_FILE: join(gitDir, 'bench-index'),
}
function freshGit() {
  rmSync(gitDir, { recursive: true, force: true })
  spawnSync('git', ['init', '-q', '--bare', gitDir])
  mkdirSync(join(gitDir, 'info'), { recursive: true })
  writeFileSync(join(gitDir, 'info', 'attributes'), '* -text -filter -diff\n')
  spawnSync('git', ['config', 'core.bare', 'false'], { env: gitEnv })
  spawnSync('git', ['config', 'core.autocrlf', 'false'], { env: gitEnv })
  spawnSync('git', ['config', 'core.excludesFile', '/dev/null'], { env: gitEnv })
}

const input = readFileSync(listFile)
// Warm the page cache.
spawnSync('sh', ['-c', `find '${tree}' -type f -print0 | xargs -0 cat > /dev/null`])

const results = { arca: [], hashObject: [], writeTree: [] }
let arcaRss = 0
let arcaId = ''
for (let run = 0; run < RUNS; run++) {
  const a = timed(process.execPath, [arcaBin, 'identify', '--no-filename', tree])
  results.arca.push(a.seconds)
  arcaRss = Math.max(arcaRss, a.rssKb)
  arcaId = a.stdout.trim()
  const h = timed('git', ['hash-object', '--no-filters', '--stdin-paths'], { input })
  results.hashObject.push(h.seconds)
  freshGit()
  const w = timed('sh', ['-c', 'git add -A -f && git write-tree'], { env: gitEnv })
  results.writeTree.push(w.seconds)
}
rmSync(gitDir, { recursive: true, force: true })

const arca = median(results.arca)
const ho = median(results.hashObject)
const wt = median(results.writeTree)
const du = spawnSync('du', ['-sb', tree], { encoding: 'utf8' }).stdout.split('\t')[0]
console.log(
  `tree: ${FILES} files + ${Math.floor(FILES / 100)} symlinks, ${(Number(du) / 1e6).toFixed(0)} MB, ${RUNS} runs, median wall time`,
)
console.log(
  `  arca identify              ${arca.toFixed(2)} s   peak RSS ${(arcaRss / 1024).toFixed(0)} MB   (${arcaId})`,
)
console.log(`  git hash-object --stdin-paths ${ho.toFixed(2)} s`)
console.log(`  git add -A -f && write-tree   ${wt.toFixed(2)} s`)
console.log(`ratio arca / git hash-object: ${(arca / ho).toFixed(2)}x (target <= 1.0x)`)
console.log(`ratio arca / git add+write-tree: ${(arca / wt).toFixed(2)}x`)
console.log(`arca peak RSS: ${(arcaRss / 1024).toFixed(0)} MB (target <= 200 MB)`)
