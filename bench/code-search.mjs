#!/usr/bin/env node
// Benchmark: code search (docs/code-search.md) over a generated archive of code-like
// repositories (made with git fast-import: many origins, one tree each, identifiers drawn from
// a Zipf-like vocabulary so that trigrams are as unevenly common as in real code).
//  1. Indexing overhead: `arca save` of every repository into a fresh archive with the index
//     kept on ingest, against the same saves with ARCA_CODE_INDEX=off, in the same run.
//  2. Query latency, p50/p95 over repeated queries through the masking layer (what the web
//     serves): literals (rare and common), a word, regular expressions with and without
//     literals to look up, against `git grep` over the same trees (the reference).
// Prints p50/p95 wall and median CPU time per query kind, the load average, ratios, peak RSS of
// the saves and of this process. `--reuse` queries the archive of an earlier run (no saves);
// `--dist DIR` queries with another build of Arca (say, one made before a change).
//
// Usage: npm run bench:code-search [-- --repos N --files N --lines N --queries N --reuse
//        --dist DIR]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    repos: { type: 'string', default: '40' },
    files: { type: 'string', default: '300' },
    lines: { type: 'string', default: '80' },
    queries: { type: 'string', default: '40' },
    reuse: { type: 'boolean', default: false },
    dist: { type: 'string', default: '' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const REPOS = Number(opts.repos)
const FILES = Number(opts.files)
const LINES = Number(opts.lines)
const QUERIES = Number(opts.queries)
const root = resolve(import.meta.dirname, '..')
const arcaBin = join(root, 'bin', 'arca.js')
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@example.org',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@example.org',
}
const base = join(opts.dir, `code-search-${REPOS}x${FILES}x${LINES}`)

/** Deterministic pseudo-random numbers (LCG). */
function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

const KEYWORDS = ['const', 'return', 'if', 'else', 'for', 'while', 'function', 'import', 'let']
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'pu', 'ra', 'si', 'to', 'vu', 'ze', 'qu', 'xo', 'bi']
function vocabulary(r, n) {
  const words = []
  for (let i = 0; i < n; i++) {
    const k = 2 + Math.floor(r() * 3)
    let w = ''
    for (let j = 0; j < k; j++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)]
    words.push(i % 3 === 0 ? `${w}_${i}` : w)
  }
  return words
}

function generate() {
  const r = rng(7)
  const vocab = vocabulary(r, 5000)
  const pick = () => vocab[Math.floor(vocab.length * r() ** 3)] // Zipf-like: low ids common
  for (let n = 0; n < REPOS; n++) {
    const repo = join(base, `repo${n}.git`)
    if (existsSync(join(repo, 'HEAD'))) continue
    execFileSync('git', ['init', '-q', '--bare', repo], { env })
    const parts = []
    for (let f = 0; f < FILES; f++) {
      const lines = []
      for (let l = 0; l < LINES; l++) {
        const kw = KEYWORDS[Math.floor(r() * KEYWORDS.length)]
        lines.push(`  ${kw} ${pick()}(${pick()}, ${pick()}) // ${pick()} ${Math.floor(r() * 1000)}`)
      }
      if (n === 3 && f === 17) lines[5] = '  const rare_token_xq42 = "needle"'
      const body = Buffer.from(lines.join('\n') + '\n')
      parts.push(
        Buffer.from(`blob\nmark :${f + 1}\ndata ${body.length}\n`),
        body,
        Buffer.from('\n'),
      )
    }
    const msg = `generated ${n}\n`
    parts.push(
      Buffer.from(
        `commit refs/heads/main\ncommitter b <b@example.org> 1700000000 +0000\ndata ${msg.length}\n${msg}`,
      ),
    )
    for (let f = 0; f < FILES; f++) {
      const ext = ['js', 'py', 'c', 'ts', 'go'][f % 5]
      parts.push(Buffer.from(`M 100644 :${f + 1} src/d${f % 17}/file${f}.${ext}\n`))
    }
    execFileSync('git', ['-C', repo, 'fast-import', '--quiet'], {
      input: Buffer.concat(parts),
      env,
    })
    execFileSync('git', ['-C', repo, 'symbolic-ref', 'HEAD', 'refs/heads/main'], { env })
  }
}

function timed(cmd, args, extraEnv = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    maxBuffer: 1 << 28,
  })
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed: ${r.stderr}${r.stdout}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return { seconds: Number(last[0]), rssKb: Number(last[1]), stdout: r.stdout }
}

/** Saves every repository into a fresh archive; total seconds and peak RSS. */
function saveAll(data, index) {
  rmSync(data, { recursive: true, force: true })
  let seconds = 0
  let rss = 0
  for (let n = 0; n < REPOS; n++) {
    const s = timed(
      process.execPath,
      [arcaBin, 'save', '--data', data, join(base, `repo${n}.git`)],
      {
        ARCA_CODE_INDEX: index ? 'on' : 'off',
      },
    )
    if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
    seconds += s.seconds
    rss = Math.max(rss, s.rssKb)
  }
  return { seconds, rss }
}

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

mkdirSync(base, { recursive: true })
generate()
const dataOff = join(opts.dir, 'code-search-off')
const dataOn = join(opts.dir, 'code-search-on')
const reuse = opts.reuse && existsSync(join(dataOn, 'graph.sqlite'))
let off = null
let on = null
if (!reuse) {
  off = saveAll(dataOff, false)
  rmSync(dataOff, { recursive: true, force: true })
  on = saveAll(dataOn, true)
}

const dist = opts.dist ? resolve(opts.dist) : join(root, 'dist')
const { openArchive, maskedView } = await import(join(dist, 'storage', 'index.js'))
const archive = await openArchive({ dataDir: dataOn })
const search = maskedView(archive).storage
const stats = await archive.backend.db.all(
  'SELECT COUNT(*) AS n, SUM(LENGTH(text)) AS bytes FROM code_blob WHERE text IS NOT NULL',
)
const QUERY_SET = [
  ['literal, rare', 'rare_token_xq42', { type: 'literal' }, ['-F']],
  ['literal, common', 'return kalo', { type: 'literal' }, ['-F']],
  ['word', 'kaka', { type: 'word' }, ['-F', '-w']],
  ['regexp, literals', 'const [a-z]+_4[0-9]{2}\\(', { type: 'regexp' }, ['-E']],
  ['regexp, alternation', '(rare_token|needle_x)[a-z0-9]*', { type: 'regexp' }, ['-E']],
  ['regexp, no literal', '[a-z]_[0-9]{3}[,)]', { type: 'regexp' }, ['-E']],
]
console.log(
  `archive: ${REPOS} origins x ${FILES} files x ${LINES} lines, ${Number(stats[0].n).toLocaleString('en')} texts, ${(Number(stats[0].bytes) / 1048576).toFixed(1)} MiB indexed`,
)
if (on === null) console.log(`arca save: skipped (--reuse of ${dataOn})`)
else
  console.log(
    `arca save of every origin: ${off.seconds.toFixed(2)} s without the index, ${on.seconds.toFixed(2)} s with it: +${((on.seconds / off.seconds - 1) * 100).toFixed(1)}% (target < 30%), peak RSS ${Math.round(on.rss / 1024)} MB (${Math.round(off.rss / 1024)} MB without)`,
  )
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
console.log(`queries with ${dist}; load average ${loadavg()} (${availableParallelism()} CPUs)`)
console.log(
  `query (${QUERIES} runs each)         p50 ms   p95 ms  cpu ms  files   exact partial  git grep ms  ratio p95/git grep`,
)
for (const [label, q, o, flags] of QUERY_SET) {
  const times = []
  const cpu = []
  // One run first, not timed (statement caches, page cache), then the timed runs.
  let page = await search.codeSearch(q, { ...o, limit: 20 })
  for (let i = 0; i < QUERIES; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    page = await search.codeSearch(q, { ...o, limit: 20 })
    times.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  let grep = 0
  for (let n = 0; n < REPOS; n++) {
    const t0 = performance.now()
    spawnSync(
      'git',
      ['-C', join(base, `repo${n}.git`), 'grep', '-n', '-I', ...flags, '-e', q, 'HEAD'],
      {
        env,
        maxBuffer: 1 << 28,
      },
    )
    grep += performance.now() - t0
  }
  const p95 = pct(times, 0.95)
  console.log(
    `  ${label.padEnd(22)} ${pct(times, 0.5).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${pct(cpu, 0.5).toFixed(1).padStart(7)} ${String(page.total).padStart(6)}   ${String(page.totalExact ?? true).padEnd(5)} ${String(page.partial).padEnd(7)} ${grep.toFixed(0).padStart(11)}  ${(p95 / grep).toFixed(3)}`,
  )
}
console.log(`load average at the end ${loadavg()}`)
console.log(
  `peak RSS of the query process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
)
await archive.close()
