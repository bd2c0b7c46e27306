/**
 * Trigram selectivity for SQLite's origin search: FTS5 matches a word by reading the document
 * list of every one of its trigrams, and in URLs some trigrams are everywhere ("use" of
 * "user4242", "git", "htt"), which makes a rare word cost as much as a common one. Any URL that
 * contains a word contains each part of it, so matching a rare part of each word as a phrase
 * (its rarest trigram and the adjacent ones about as rare) finds a superset of the URLs (the
 * LIKE test keeps the exact ones); and a word is matched in the index at all only when that
 * spares more row reads than its document lists cost (see {@link searchParts}). Document counts
 * come from an `fts5vocab` table over the index (migration 10) and are cached for a while: they
 * only steer the choice, never the result.
 *
 * @module
 */

import type { SqlExecutor } from './executor.js'
import { num, type Row, str } from './rows.js'
import { inList } from './statements.js'

/** How long a trigram's document count is reused, in milliseconds. */
const TTL_MS = 60 * 60_000
/** Most trigram counts kept (per database). */
const MAX_ENTRIES = 100_000

const caches = new WeakMap<SqlExecutor, Map<string, { doc: number; at: number }>>()

/** The trigrams of `word` (3 consecutive characters, as they are in it). */
export function trigrams(word: string): string[] {
  const chars = [...word]
  const out: string[] = []
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''))
  return out
}

/** The vocabulary key of a trigram: the tokenizer folds case (only the choice depends on it). */
const key = (t: string): string => t.toLowerCase()

/** Relative cost of reading one origin row to test a candidate (LIKE), against… */
const ROW_COST = 12
/** …reading one entry of a trigram's document list. */
const ENTRY_COST = 1

/** A part of a word matched as an FTS5 phrase: consecutive trigrams of it. */
interface Window {
  /** The characters, as written in the word. */
  readonly text: string
  /** Documents of its rarest trigram (an upper bound of its matches). */
  readonly doc: number
  /** Document-list entries read to match it. */
  readonly entries: number
}

/**
 * The part of `word` to match: its rarest trigram, widened to the adjacent ones that are about as
 * rare (at most 4 times as common, 3 trigrams in all). Matched as a phrase, the trigrams must
 * follow each other as in the word, which narrows far more than each of them apart ("4242" of
 * "user4242"), and never reads the document lists of the trigrams that are everywhere.
 */
function bestWindow(word: string, docOf: (t: string) => number): Window {
  const docs = trigrams(word).map(docOf)
  const { lo, hi, rarest } = rareRun(docs)
  return {
    text: [...word].slice(lo, hi + 3).join(''),
    doc: docs[rarest]!,
    entries: runEntries(docs, lo, hi),
  }
}

/**
 * Of a word's trigrams, given their document counts `docs` (in word order): the rarest one, and
 * the run of up to three adjacent trigrams around it, widened while a neighbour costs at most
 * 4x the rarest (adjacent trigrams narrow far more together than apart).
 */
export function rareRun(docs: readonly number[]): { lo: number; hi: number; rarest: number } {
  let i = 0
  for (let k = 1; k < docs.length; k++) if (docs[k]! < docs[i]!) i = k
  const floor = Math.max(docs[i]!, 1)
  let [lo, hi] = [i, i]
  while (hi - lo < 2) {
    const left = lo > 0 ? docs[lo - 1]! : Infinity
    const right = hi + 1 < docs.length ? docs[hi + 1]! : Infinity
    if (Math.min(left, right) > 4 * floor) break
    if (left <= right) lo--
    else hi++
  }
  return { lo, hi, rarest: i }
}

/** The documents listed by the trigrams `lo..hi` of `docs`. */
export function runEntries(docs: readonly number[], lo: number, hi: number): number {
  let entries = 0
  for (let k = lo; k <= hi; k++) entries += docs[k]!
  return entries
}

/**
 * What to match in the index for `words` (each of 3+ characters): parts of words (as written;
 * MATCH folds them as the index did), so that every URL containing all the words matches them
 * all. The rarest word's part always; another word's part only when the candidate rows it
 * spares (estimated as if words occurred independently among `total` origins) cost more to
 * read and test than its document lists: a common word ("github") beside a rare one is left to
 * the LIKE test.
 */
export async function searchParts(db: SqlExecutor, words: readonly string[]): Promise<string[]> {
  const cache = await docCounts(db, words.flatMap(trigrams).map(key))
  const total = Math.max(await originTotal(db), 1)
  const docOf = (t: string): number => cache.get(key(t))?.doc ?? 0
  const windows = words.map((w) => bestWindow(w, docOf)).sort((a, b) => a.doc - b.doc)
  const picked: Window[] = []
  let candidates = Infinity
  for (const w of windows) {
    const after = Math.min(candidates, total) * (w.doc / total)
    const spared = candidates === Infinity ? Infinity : candidates - after
    if (spared * ROW_COST > w.entries * ENTRY_COST) {
      picked.push(w)
      candidates = Math.min(candidates, w.doc, after)
    }
  }
  return [...new Set(picked.map((w) => w.text))]
}

/** The cached document counts, those of `terms` read if missing or stale. */
async function docCounts(
  db: SqlExecutor,
  terms: readonly string[],
): Promise<Map<string, { doc: number; at: number }>> {
  let cache = caches.get(db)
  if (!cache) caches.set(db, (cache = new Map<string, { doc: number; at: number }>()))
  const now = Date.now()
  const missing = [...new Set(terms)].filter((t) => {
    const c = cache.get(t)
    return c === undefined || now - c.at > TTL_MS
  })
  if (missing.length > 0) {
    if (cache.size + missing.length > MAX_ENTRIES) cache.clear()
    const rows = await db.all<Row>(
      `SELECT term, doc FROM origin_fts_vocab WHERE term IN ${inList(missing.length)}`,
      missing,
    )
    const found = new Map(rows.map((r) => [str(r['term']), num(r['doc'])]))
    for (const t of missing) cache.set(t, { doc: found.get(t) ?? 0, at: now })
  }
  return cache
}

const totals = new WeakMap<SqlExecutor, { n: number; at: number }>()

/** About how many origins there are (the largest row id; cached as the counts are). */
async function originTotal(db: SqlExecutor): Promise<number> {
  const c = totals.get(db)
  if (c && Date.now() - c.at <= TTL_MS) return c.n
  const rows = await db.all<Row>('SELECT MAX(id) AS n FROM origin')
  const n = rows[0]?.['n'] === null || rows[0]?.['n'] === undefined ? 0 : num(rows[0]['n'])
  totals.set(db, { n, at: Date.now() })
  return n
}
