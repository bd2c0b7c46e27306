/**
 * How PostgreSQL runs an origin search, chosen by Arca rather than the planner: pg_trgm gives the
 * planner no idea how common a word is (it guesses from the pattern's length), so it walks the
 * primary key for words that match a few rows in a thousand (reading most of the table for a
 * page) or reads the trigram index for words that are everywhere. Word frequencies are measured
 * instead on a sample of URLs (`TABLESAMPLE SYSTEM`, about {@link SAMPLE_SIZE} rows, cached for
 * an hour): they only steer the plan, the SQL tests every word exactly in every plan.
 *
 * - `index`: the trigram index serves the rarest word and the others that narrow enough to pay
 *   for their posting lists; the rest are tested on the rows it yields, which are sorted.
 * - `walk`: no word uses the index; the rows are read in the page's order and tested until the
 *   page (or the capped count) is full: the cheaper plan when many rows match.
 *
 * @module
 */

import type { SqlExecutor } from './executor.js'
import { num, type Row, str } from './rows.js'
import { rareRun, runEntries } from './trigram-stats.js'

/** URLs sampled. */
const SAMPLE_SIZE = 20_000
/** How long a sample is reused, in milliseconds. */
const TTL_MS = 60 * 60_000
/** Cost of reading and testing one row, against one posting-list entry of the index. */
const ROW_COST = 12

interface Sample {
  readonly urls: readonly string[]
  /** Origins in the table (about: the largest row id). */
  readonly total: number
  readonly at: number
  /** Plans made from this sample, by query. */
  readonly plans: Map<string, PgSearchPlan>
  /** Sample URLs holding a string (lowercase), by string. */
  readonly counts: Map<string, number>
}

/** Most plans kept per sample. */
const MAX_PLANS = 10_000

const samples = new WeakMap<SqlExecutor, Sample>()

async function sample(db: SqlExecutor): Promise<Sample> {
  const c = samples.get(db)
  if (c && Date.now() - c.at <= TTL_MS) return c
  const max = await db.all<Row>('SELECT MAX(id) AS n FROM origin')
  const total = max[0]?.['n'] === null || max[0]?.['n'] === undefined ? 0 : num(max[0]['n'])
  const pct = total <= SAMPLE_SIZE ? 100 : Math.max(0.01, (100 * SAMPLE_SIZE) / total)
  const rows = await db.all<Row>(`SELECT url FROM origin TABLESAMPLE SYSTEM (${pct.toFixed(4)})`)
  const s = {
    urls: rows.map((r) => str(r['url']).toLowerCase()),
    total,
    at: Date.now(),
    plans: new Map(),
    counts: new Map(),
  }
  samples.set(db, s)
  return s
}

/** Sample URLs that hold `t` (lowercase). */
function sampleCount(s: Sample, t: string): number {
  let n = s.counts.get(t)
  if (n === undefined) {
    n = 0
    for (const u of s.urls) if (u.includes(t)) n++
    if (s.counts.size >= MAX_PLANS) s.counts.clear()
    s.counts.set(t, n)
  }
  return n
}

/** A trigram pg_trgm indexes as it is: three ASCII letters or digits (a word's inside). */
const PLAIN_TRIGRAM = /^[a-z0-9]{3}$/

/** The part of a word the index is asked for, and its posting-list entries in the sample. */
interface Part {
  readonly text: string
  readonly entries: number
}

/**
 * The part of `word` the index serves: its rarest trigram in the sample, widened to the adjacent
 * ones about as rare (at most 4 times as common, 3 trigrams in all). The index then reads only
 * their posting lists, never those of the trigrams that are in nearly every URL ("use" and
 * "ser" of "user4242": 20 times the work of "4242"); any URL holding the word holds the part,
 * and the word itself is still tested. A word without such a trigram is asked for whole.
 */
function bestPart(s: Sample, word: string): Part {
  const chars = [...word.toLowerCase()]
  const docs: number[] = []
  for (let i = 0; i + 3 <= chars.length; i++) {
    const t = chars.slice(i, i + 3).join('')
    docs.push(PLAIN_TRIGRAM.test(t) ? sampleCount(s, t) : Infinity)
  }
  const { lo, hi, rarest } = rareRun(docs)
  if (docs[rarest] === Infinity) {
    const hits = sampleCount(s, word.toLowerCase())
    return { text: word, entries: hits * Math.min(chars.length - 2, 3) }
  }
  const entries = runEntries(docs, lo, hi)
  // The whole word when its other trigrams cost little more: the word is then not tested apart.
  const whole = docs.reduce((a, b) => a + b, 0)
  if (whole <= 2 * entries) return { text: word, entries: whole }
  return { text: chars.slice(lo, hi + 3).join(''), entries }
}

/** The plan of one search: which words the index serves, and whether to walk instead. */
export interface PgSearchPlan {
  /**
   * Words matched through the trigram index, each with the part of it the index is asked for
   * (the word itself is tested too when the part is shorter); the others are tested on its rows.
   */
  readonly indexed: ReadonlyMap<string, string>
  /** Read rows in the result order, no word through the index. */
  readonly walk: boolean
  /** Estimated cost, in rows read (posting-list entries count 1 / ROW_COST of a row). */
  readonly cost: number
}

/**
 * The plan for `words` when `want` matches are needed (a page: offset + limit + 1; a capped
 * count: the cap; Infinity for an exact count); `sorted`: the index's rows are then all read and
 * sorted (a page), else reading stops at `want` matches (a count).
 */
export async function pgSearchPlan(
  db: SqlExecutor,
  words: readonly string[],
  want: number,
  sorted: boolean,
): Promise<PgSearchPlan> {
  const long = words.filter((w) => [...w].length >= 3)
  const s = await sample(db)
  if (long.length === 0) {
    const all = s.urls.filter((u) => words.every((w) => u.includes(w.toLowerCase()))).length
    const cost = all === 0 ? s.total : Math.min((want * s.urls.length) / all, s.total)
    return { indexed: new Map(), walk: true, cost }
  }
  const key = `${want} ${sorted ? 1 : 0} ${words.join('\u0000')}`
  const cached = s.plans.get(key)
  if (cached) return cached
  const n = Math.max(s.urls.length, 1)
  const scale = Math.max(s.total, 1) / n
  const parts = long.map((w) => bestPart(s, w))
  const lower = parts.map((p) => p.text.toLowerCase())
  // rows of the sample that hold each word's part: the rows the index yields for it
  const hits = lower.map((p) => sampleCount(s, p))
  const order = lower.map((_, i) => i).sort((a, b) => hits[a]! - hits[b]!)
  const indexed = new Map<string, string>()
  let candidates = Infinity
  let kept: readonly string[] = s.urls
  let entries = 0
  for (const i of order) {
    const after = kept.filter((u) => u.includes(lower[i]!))
    const spared = candidates === Infinity ? Infinity : candidates - (after.length + 0.5) * scale
    // the posting lists of the part's trigrams (at least one entry each)
    const cost = (parts[i]!.entries + 1) * scale
    if (spared * ROW_COST > cost) {
      indexed.set(long[i]!, parts[i]!.text)
      candidates = (after.length + 0.5) * scale
      kept = after
      entries += cost
    }
  }
  const all = kept.filter((u) => words.every((w) => u.includes(w.toLowerCase()))).length
  const fraction = all / n
  const walkRows = fraction === 0 ? Infinity : Math.min(want / fraction, s.total)
  // the index's candidates hold the matches about evenly: a count stops after `want` of them
  const read = sorted || all === 0 ? candidates : Math.min(candidates, (want * kept.length) / all)
  const indexRows = read + entries / ROW_COST
  const plan = { indexed, walk: walkRows < indexRows, cost: Math.min(walkRows, indexRows) }
  if (s.plans.size >= MAX_PLANS) s.plans.clear()
  s.plans.set(key, plan)
  return plan
}

/**
 * Runs `fn` (the queries of a planned search) in a transaction with settings of its own: no
 * parallel workers (a search reads a few thousand rows at most; starting workers costs more
 * than it spares, and busies every core for one request), and for a `walk`, the planner kept
 * to reading the table through the index of the result's order: its estimates for words no
 * index serves are guesses, which lead it to scan the whole table and sort instead.
 */
export async function pgPlanned<T>(
  db: SqlExecutor,
  walk: boolean,
  fn: (tx: SqlExecutor) => Promise<T>,
): Promise<T> {
  const settings = walk
    ? ['enable_seqscan', 'enable_bitmapscan', 'enable_sort', 'max_parallel_workers_per_gather']
    : ['max_parallel_workers_per_gather']
  return db.transaction(async (tx) => {
    const off = (name: string) => (name.startsWith('enable_') ? 'off' : '0')
    await tx.all(
      `SELECT ${settings.map((name) => `set_config('${name}', '${off(name)}', true)`).join(', ')}`,
    )
    return fn(tx)
  })
}

/** A query's own cost (planning, a round trip), in rows read. */
const QUERY_COST = 200

/**
 * Whether a first page of `page` rows (offset + limit + 1) and its total counted up to `cap`
 * cost less as two queries (the page, then a count that stops at `cap` matches in any order)
 * than as one (every match up to the cap, in the page's order): when many rows match but
 * no word narrows them much, the page is a short walk while the sorted matches are many.
 */
export async function pgCountApart(
  db: SqlExecutor,
  words: readonly string[],
  page: number,
  cap: number,
): Promise<boolean> {
  if (words.length === 0 || cap <= page) return false
  const one = await pgSearchPlan(db, words, cap, true)
  const first = await pgSearchPlan(db, words, page, true)
  const count = await pgSearchPlan(db, words, cap, false)
  return first.cost + count.cost + QUERY_COST < one.cost
}
