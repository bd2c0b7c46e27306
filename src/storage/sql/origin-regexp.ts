/**
 * Origin search by regular expression, safe against hostile patterns: the caller's pattern runs
 * on RE2JS (a port of RE2, matching in time linear in the input, no backtracking), in JavaScript
 * for both SQL dialects (so the syntax is the same on SQLite and PostgreSQL, and PostgreSQL's
 * backtracking engine never sees caller input). The origin table is read in chunks of ids, the
 * event loop is given back between chunks (other requests are served meanwhile), and the scan
 * stops with a 503 once its time limit is spent.
 *
 * @module
 */

import { RE2JS, RE2JSException } from 're2js'

import { InvalidInputError, UnavailableError } from '../../errors.js'
import type { SqlExecutor, SqlValue } from './executor.js'

/** Longest accepted pattern, in characters. */
export const ORIGIN_REGEXP_MAX_LENGTH = 1000
/** Default time a regular expression search may take, in milliseconds. */
export const ORIGIN_REGEXP_TIME_LIMIT_MS = 10_000
/** Origins read per chunk. */
const SCAN_CHUNK = 500

/** A compiled search pattern. */
export interface OriginRegexp {
  readonly source: string
  test(url: string): boolean
}

/** Compiles `pattern` (case-insensitive); a bad or too long pattern is a 400 naming why. */
export function compileOriginRegexp(pattern: string): OriginRegexp {
  if (pattern.length > ORIGIN_REGEXP_MAX_LENGTH)
    throw new InvalidInputError(
      `Regular expression too long (${pattern.length} characters, at most ${ORIGIN_REGEXP_MAX_LENGTH})`,
    )
  let re: RE2JS
  try {
    RE2JS.compile(pattern) // its errors quote the pattern as given (with the flag: "(?i)…")
    re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE)
  } catch (e) {
    const why = e instanceof RE2JSException ? `: ${e.message}` : ''
    throw new InvalidInputError(`Invalid regular expression "${pattern}"${why}`, { cause: e })
  }
  return { source: pattern, test: (url) => re.test(url) }
}

/** Settings of a scan. */
export interface RegexpScanOptions {
  /** Only origins whose id (or URL, in URL order) is above this one. */
  readonly after?: number | string
  /** Scan order (default `id`). */
  readonly order?: 'id' | 'url'
  /** Stop after this many matches (default: all). */
  readonly want?: number
  /** Time limit in milliseconds (default {@link ORIGIN_REGEXP_TIME_LIMIT_MS}). */
  readonly timeLimitMs?: number
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Rows `{id, url}` of the origins `o` that satisfy `where` (SQL over `o`, with `params`) and
 * whose URL matches `re`, in id order.
 */
export async function regexpScan(
  db: SqlExecutor,
  re: OriginRegexp,
  where: { sql: string; params: readonly SqlValue[] },
  options: RegexpScanOptions = {},
): Promise<{ id: number; url: string }[]> {
  const want = options.want ?? Number.POSITIVE_INFINITY
  const limitMs = options.timeLimitMs ?? ORIGIN_REGEXP_TIME_LIMIT_MS
  const deadline = Date.now() + limitMs
  const out: { id: number; url: string }[] = []
  const key = options.order === 'url' ? 'o.url' : 'o.id'
  let after: number | string = options.after ?? (options.order === 'url' ? '' : 0)
  for (;;) {
    if (Date.now() >= deadline) throw tooSlow(re, limitMs)
    const rows = await db.all<{ id: unknown; url: unknown }>(
      `SELECT o.id, o.url FROM origin o WHERE ${where.sql} AND ${key} > ? ORDER BY ${key} LIMIT ?`,
      [...where.params, after, SCAN_CHUNK],
    )
    for (const r of rows) {
      if (Date.now() >= deadline) throw tooSlow(re, limitMs)
      const url = String(r.url)
      if (re.test(url)) {
        out.push({ id: Number(r.id), url })
        if (out.length >= want) return out
      }
    }
    if (rows.length < SCAN_CHUNK) return out
    const last = rows[rows.length - 1]!
    after = options.order === 'url' ? String(last.url) : Number(last.id)
    await yieldToEventLoop()
  }
}

function tooSlow(re: OriginRegexp, limitMs: number): UnavailableError {
  return new UnavailableError(
    `The regular expression search for "${re.source}" did not finish within ${limitMs / 1000} s: use a more specific pattern`,
  )
}
