/**
 * Trigram selectivity for SQLite's origin search: FTS5 matches a word by reading the document
 * list of every one of its trigrams, and in URLs some trigrams are everywhere ("use" of
 * "user4242", "git", "htt"), which makes a rare word cost as much as a common one. Any URL that
 * contains a word contains each of its trigrams, so matching only the rarest trigram of each word
 * finds a superset of the URLs (the LIKE test keeps the exact ones). Document counts come from an
 * `fts5vocab` table over the index (migration 10) and are cached for a while: they only steer
 * the choice, never the result.
 *
 * @module
 */

import type { SqlExecutor } from './executor.js'
import { num, type Row, str } from './rows.js'
import { inList } from './statements.js'

/** How long a trigram's document count is reused, in milliseconds. */
const TTL_MS = 10 * 60_000
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

/**
 * For each word (3+ characters), its trigram found in the fewest URLs, as written in the word
 * (MATCH folds it as the index did, so every URL containing the word matches it).
 */
export async function rarestTrigrams(db: SqlExecutor, words: readonly string[]): Promise<string[]> {
  let cache = caches.get(db)
  if (!cache) caches.set(db, (cache = new Map<string, { doc: number; at: number }>()))
  const now = Date.now()
  const all = [...new Set(words.flatMap(trigrams).map(key))]
  const missing = all.filter((t) => {
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
  return words.map((w) => {
    let best = ''
    let bestDoc = Infinity
    for (const t of trigrams(w)) {
      const doc = cache.get(key(t))?.doc ?? 0
      if (doc < bestDoc) [best, bestDoc] = [t, doc]
    }
    return best
  })
}
