/**
 * Trigram selectivity for SQLite's origin search: FTS5 matches a word by reading the document
 * list of every one of its trigrams, and in URLs some trigrams are everywhere ("use" of
 * "user4242", "git", "htt"), which makes a rare word cost as much as a common one. Any URL that
 * contains a word contains each of its trigrams, so matching only the rarest trigram of each word
 * finds a superset of the URLs (the LIKE test keeps the exact ones); the few next rarest are
 * matched with it when they are about as rare (they narrow further at little cost). Document counts come from an
 * `fts5vocab` table over the index (migration 10) and are cached for a while: they only steer
 * the choice, never the result.
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

/**
 * The trigrams to match for `words` (each of 3+ characters), as written in the words (MATCH
 * folds them as the index did, so every URL containing the words matches them all).
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
  // Per word: its rarest trigram, and the others of the same order of rarity (at most 4 times
  // as common, at most 3 in all): matched together they narrow as much as the whole word
  // without reading the document lists of the trigrams that are everywhere.
  return words.flatMap((w) => {
    const ranked = trigrams(w)
      .map((t) => ({ t, doc: cache.get(key(t))?.doc ?? 0 }))
      .sort((a, b) => a.doc - b.doc)
    const floor = Math.max(ranked[0]?.doc ?? 0, 1)
    return [...new Set(ranked.filter((x) => x.doc <= 4 * floor).map((x) => x.t))].slice(0, 3)
  })
}
