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
// `--repo PATH` (repeatable or a comma list): real repositories instead, each first copied into
// the bench directory with `git clone --mirror --no-local` (`--as-is`: used where they are, for a
// mirror clone made already), queried with a set for real code: a rare literal (an identifier
// found in exactly one file at HEAD, picked by the bench with git grep, not by hand), common
// literals and words, and regular expressions with a long, a short or no literal, one whose
// literal is everywhere but which almost never matches. `--storage postgres` runs on fresh
// PostgreSQL databases (made and dropped here, on --postgres). `--data DIR` queries that archive
// (with --reuse; `--storage URL` too: its database).
//
// Usage: npm run bench:code-search [-- --repos N --files N --lines N --queries N --reuse
//        --dist DIR --repo PATH[,PATH…] --as-is --storage postgres --data DIR]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { cloneRepos, loadAverage, objectCount, repoArgs } from './lib/real-repos.mjs'

const { values: opts } = parseArgs({
  options: {
    repos: { type: 'string', default: '40' },
    files: { type: 'string', default: '300' },
    lines: { type: 'string', default: '80' },
    queries: { type: 'string', default: '40' },
    reuse: { type: 'boolean', default: false },
    dist: { type: 'string', default: '' },
    repo: { type: 'string', multiple: true, default: [] },
    'as-is': { type: 'boolean', default: false },
    storage: { type: 'string', default: '' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    data: { type: 'string', default: '' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
  },
})
const realPaths = repoArgs(opts.repo)
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
const base = join(opts.dir, `code-search-${opts.repos}x${FILES}x${LINES}`)
const real = realPaths.length > 0
const repoPaths = !real
  ? Array.from({ length: Number(opts.repos) }, (_, n) => join(base, `repo${n}.git`))
  : opts['as-is']
    ? realPaths.map((p) => resolve(p))
    : cloneRepos(realPaths, opts.dir, env)
const REPOS = repoPaths.length
const postgres = opts.storage === 'postgres'
const pgName = (index) => `arca_bench_code_search_${index ? 'on' : 'off'}`
const pgUrl = (index) => (postgres ? `${opts.postgres}/${pgName(index)}` : opts.storage)

async function recreateDatabase(name) {
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
}

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
    const repo = repoPaths[n]
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
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    maxBuffer: 1 << 28,
  })
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed: ${r.stderr}${r.stdout}`)
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return {
    seconds: Number(last[0]),
    rssKb: Number(last[1]),
    cpu: Number(last[2]) + Number(last[3]),
    stdout: r.stdout,
  }
}

/** Saves every repository into a fresh archive; total seconds and peak RSS. */
async function saveAll(data, index) {
  rmSync(data, { recursive: true, force: true })
  if (postgres) await recreateDatabase(pgName(index))
  const storage = pgUrl(index) ? ['--storage', pgUrl(index)] : []
  let seconds = 0
  let cpu = 0
  let rss = 0
  for (let n = 0; n < REPOS; n++) {
    const s = timed(process.execPath, [arcaBin, 'save', '--data', data, ...storage, repoPaths[n]], {
      ARCA_CODE_INDEX: index ? 'on' : 'off',
    })
    if (!/status: full/.test(s.stdout)) throw new Error(`arca save did not end full:\n${s.stdout}`)
    seconds += s.seconds
    cpu += s.cpu
    rss = Math.max(rss, s.rssKb)
  }
  return { seconds, cpu, rss }
}

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

if (!real) {
  mkdirSync(base, { recursive: true })
  generate()
}
const dataOff = join(opts.dir, 'code-search-off')
const dataOn = opts.data ? resolve(opts.data) : join(opts.dir, 'code-search-on')
const reuse = opts.reuse && (opts.storage !== '' || existsSync(join(dataOn, 'graph.sqlite')))
let off = null
let on = null
if (!reuse) {
  off = await saveAll(dataOff, false)
  rmSync(dataOff, { recursive: true, force: true })
  if (postgres) await dropDatabase(pgName(false))
  on = await saveAll(dataOn, true)
}

async function dropDatabase(name) {
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: `${opts.postgres}/postgres` })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end())
}

const dist = opts.dist ? resolve(opts.dist) : join(root, 'dist')
const { openArchive, maskedView } = await import(join(dist, 'storage', 'index.js'))
const archive = await openArchive({
  dataDir: dataOn,
  ...(pgUrl(true) ? { storageUrl: pgUrl(true) } : {}),
})
const search = maskedView(archive).storage
const stats = await archive.backend.db.all(
  'SELECT COUNT(*) AS n, SUM(LENGTH(text)) AS bytes FROM code_blob WHERE text IS NOT NULL',
)
const GENERATED_QUERIES = [
  ['literal, rare', 'rare_token_xq42', { type: 'literal' }, ['-F']],
  ['literal, common', 'return kalo', { type: 'literal' }, ['-F']],
  ['word', 'kaka', { type: 'word' }, ['-F', '-w']],
  ['regexp, literals', 'const [a-z]+_4[0-9]{2}\\(', { type: 'regexp' }, ['-E']],
  ['regexp, alternation', '(rare_token|needle_x)[a-z0-9]*', { type: 'regexp' }, ['-E']],
  ['regexp, no literal', '[a-z]_[0-9]{3}[,)]', { type: 'regexp' }, ['-E']],
]

/** git grep over the HEAD of every repository: the files matching (-l), and its wall time. */
function gitGrep(flags, q) {
  let files = 0
  let ms = 0
  for (const repo of repoPaths) {
    const t0 = performance.now()
    const r = spawnSync('git', ['-C', repo, 'grep', '-l', '-I', ...flags, '-e', q, 'HEAD'], {
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    ms += performance.now() - t0
    files += r.stdout.split('\n').filter((l) => l !== '').length
  }
  return { files, ms }
}

/**
 * A rare literal of real code, picked without looking at Arca: the first identifier of 10+
 * characters, in the middle code file of the first repository's HEAD, that git grep finds in
 * exactly one file of all the repositories.
 */
function rareIdentifier() {
  const names = execFileSync('git', ['-C', repoPaths[0], 'ls-tree', '-r', '--name-only', 'HEAD'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
    .split('\n')
    .filter((p) => /\.(c|h|js|ts|py|go|rs|java)$/.test(p))
  for (const path of [...names.slice(names.length >> 1), ...names.slice(0, names.length >> 1)]) {
    const text = execFileSync('git', ['-C', repoPaths[0], 'show', `HEAD:${path}`], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    const seen = new Set()
    for (const [w] of text.matchAll(/[A-Za-z_][A-Za-z0-9_]{9,}/g)) {
      if (seen.has(w) || seen.size > 40) continue
      seen.add(w)
      if (gitGrep(['-F'], w).files === 1) return w
    }
  }
  return 'no_such_identifier_anywhere'
}

/** Queries for real code (see the head of this file). */
const REAL_QUERIES = () => [
  ['literal, rare', rareIdentifier(), { type: 'literal' }, ['-F']],
  ['literal, common', 'return', { type: 'literal' }, ['-F']],
  ['literal, mid (TODO)', 'TODO', { type: 'literal' }, ['-F']],
  ['word (err)', 'err', { type: 'word' }, ['-F', '-w']],
  ['word, ignore case', 'buffer', { type: 'word', ignoreCase: true }, ['-F', '-w', '-i']],
  ['regexp fn[a-z]+\\(', 'fn[a-z]+\\(', { type: 'regexp' }, ['-E']],
  ['regexp, long literal', 'function [a-zA-Z_]+\\(', { type: 'regexp' }, ['-E']],
  ['regexp, alternation', '(TODO|FIXME|XXX):', { type: 'regexp' }, ['-E']],
  ['regexp, common lit rare', 'return [0-9]{5,};', { type: 'regexp' }, ['-E']],
  ['regexp, no literal', '[A-Z]{3,}_[A-Z]{3,}\\(', { type: 'regexp' }, ['-E']],
]
const QUERY_SET = real ? REAL_QUERIES() : GENERATED_QUERIES
const what = real
  ? `${REPOS} repositories (${repoPaths.map((p) => `${p.split('/').at(-1)}: ${objectCount(p).toLocaleString('en')} objects`).join(', ')})`
  : `${REPOS} origins x ${FILES} files x ${LINES} lines`
console.log(
  `archive (${pgUrl(true) ? 'PostgreSQL' : 'SQLite'}): ${what}, ${Number(stats[0].n).toLocaleString('en')} texts, ${(Number(stats[0].bytes) / 1048576).toFixed(1)} MiB indexed`,
)
if (on === null) console.log(`arca save: skipped (--reuse of ${dataOn})`)
else
  console.log(
    `arca save of every origin: ${off.seconds.toFixed(2)} s (CPU ${off.cpu.toFixed(2)} s) without the index, ${on.seconds.toFixed(2)} s (CPU ${on.cpu.toFixed(2)} s) with it: +${((on.seconds / off.seconds - 1) * 100).toFixed(1)}% wall, +${((on.cpu / off.cpu - 1) * 100).toFixed(1)}% CPU (target < 30%), peak RSS ${Math.round(on.rss / 1024)} MB (${Math.round(off.rss / 1024)} MB without); load average ${loadAverage()}`,
  )
const loadavg = loadAverage
if (real) console.log(`rare literal picked: ${QUERY_SET[0][1]}`)
console.log(`queries with ${dist}; load average ${loadavg()} (${availableParallelism()} CPUs)`)
console.log(
  `query (${QUERIES} runs each)         p50 ms   p95 ms  cpu ms  files   exact partial  git grep ms (files)  ratio p95/git grep`,
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
  const { files: grepFiles, ms: grep } = gitGrep(flags, q)
  const p95 = pct(times, 0.95)
  console.log(
    `  ${label.padEnd(22)} ${pct(times, 0.5).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${pct(cpu, 0.5).toFixed(1).padStart(7)} ${String(page.total).padStart(6)}   ${String(page.totalExact ?? true).padEnd(5)} ${String(page.partial).padEnd(7)} ${grep.toFixed(0).padStart(11)} (${grepFiles})  ${(p95 / grep).toFixed(3)}`,
  )
}
console.log(`load average at the end ${loadavg()}`)
console.log(
  `peak RSS of the query process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
)
await archive.close()
