#!/usr/bin/env node
// Benchmark: 100 versions of a generated package (~5 MB of sources each, as .tar.gz) loaded
// with `arca save --type tar` into a fresh embedded archive, against `tar -xzf` of the same
// files plus `arca identify` of the unpacked trees, in the same run. Prints MB/s, the ratio
// and peak RSS (target: at most 2x).
//
// Usage: npm run bench:load-archive [-- --versions N --mb M]   (BENCH_ARCHIVE_VERSIONS=N too)
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    versions: { type: 'string', default: process.env.BENCH_ARCHIVE_VERSIONS ?? '100' },
    mb: { type: 'string', default: process.env.BENCH_ARCHIVE_MB ?? '5' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const VERSIONS = Number(opts.versions)
const MB = Number(opts.mb)
const arcaBin = resolve(import.meta.dirname, '..', 'bin', 'arca.js')
const work = join(opts.dir, `archive-${VERSIONS}x${MB}`)

/** A deterministic pseudo-random text (compressible like source code, not trivially). */
function text(seed, size) {
  const words = ['int', 'return', 'static', 'void', 'struct', 'if', 'else', 'for', 'while', 'char']
  let x = seed >>> 0
  const out = []
  let n = 0
  while (n < size) {
    x = (x * 1103515245 + 12345) >>> 0
    const w = words[x % words.length] + (x % 7 === 0 ? ` v${x % 1000};\n` : ' ')
    out.push(w)
    n += w.length
  }
  return out.join('').slice(0, size)
}

/** Version v: 50 files of ~MB/50 each; each version changes 10 files, keeps the others. */
function generate() {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(join(work, 'tarballs'), { recursive: true })
  const per = Math.round((MB * 1024 * 1024) / 50)
  for (let v = 1; v <= VERSIONS; v++) {
    const name = `pkg-1.${v}`
    const root = join(work, 'gen', name)
    mkdirSync(join(root, 'src'), { recursive: true })
    for (let f = 0; f < 50; f++) {
      const gen = f < 10 ? v : 0
      writeFileSync(join(root, 'src', `f${f}.c`), text(f * 7919 + gen, per))
    }
    execFileSync('tar', [
      '-czf',
      join(work, 'tarballs', `${name}.tar.gz`),
      '-C',
      join(work, 'gen'),
      name,
    ])
    rmSync(join(work, 'gen'), { recursive: true, force: true })
  }
}

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  const [s, kb] = r.stderr.trim().split('\n').pop().split(' ')
  return { seconds: Number(s), rssKb: Number(kb), stdout: r.stdout }
}

generate()
const tarballs = Array.from({ length: VERSIONS }, (_, i) =>
  join(work, 'tarballs', `pkg-1.${i + 1}.tar.gz`),
)
const packed = tarballs.reduce((s, t) => s + statSync(t).size, 0)
const unpacked = VERSIONS * MB * 1024 * 1024

// Arca: every version into one fresh archive (one origin per tarball URL, as `arca save`)
const data = join(work, 'data')
let arcaSeconds = 0
let arcaRss = 0
for (const t of tarballs) {
  const r = timed(process.execPath, [arcaBin, 'save', '--type', 'tar', '--data', data, t])
  arcaSeconds += r.seconds
  arcaRss = Math.max(arcaRss, r.rssKb)
}
// Reference: tar -xzf, then arca identify of the tree
let refSeconds = 0
for (const t of tarballs) {
  const out = join(work, 'ref')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out)
  refSeconds += timed('tar', ['-xzf', t, '-C', out]).seconds
  refSeconds += timed(process.execPath, [arcaBin, 'identify', out]).seconds
}
rmSync(work, { recursive: true, force: true })
console.log(
  `package: ${VERSIONS} versions of ~${MB} MB (${(packed / 1048576).toFixed(1)} MB of .tar.gz)`,
)
console.log(
  `  arca save --type tar (fresh archive)  ${arcaSeconds.toFixed(2)} s  ${(unpacked / 1048576 / arcaSeconds).toFixed(1)} MB/s  peak RSS ${Math.round(arcaRss / 1024)} MB`,
)
console.log(
  `  tar -xzf + arca identify              ${refSeconds.toFixed(2)} s  ${(unpacked / 1048576 / refSeconds).toFixed(1)} MB/s`,
)
console.log(`  ratio ${(arcaSeconds / refSeconds).toFixed(2)}x (target: at most 2x)`)
