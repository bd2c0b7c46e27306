/**
 * Origins: adds, lookups by URL or SHA1, listing and search (substring in SQL, regular
 * expressions through {@link regexpScan}).
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import { type Origin, originId } from '../../model/index.js'
import type {
  AddSummary,
  OriginListOptions,
  OriginSearchOptions,
  OriginSearchPage,
  Page,
} from '../interface.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { compileOriginRegexp, regexpScan } from './origin-regexp.js'
import { pgCountApart, pgPlanned, pgSearchPlan } from './origin-sample.js'
import { originSummaries } from './origin-summaries.js'
import { b, num, type Row, str } from './rows.js'
import { chunks, getRows, inList, insert, parseToken, token, uniqueBy } from './statements.js'
import { searchParts } from './trigram-stats.js'

/**
 * Adds origins (existing URLs ignored). The `origin` counter is not bumped here: it counts
 * origins with a visit, as Software Heritage's archive does (an origin becomes one of its
 * projects once visited), so {@link originVisitAdd} bumps it at an origin's first visit.
 */
export async function originAdd(db: SqlExecutor, origins: readonly Origin[]): Promise<AddSummary> {
  const unique = uniqueBy(origins, (o) => o.url)
  const added = await db.transaction((tx) =>
    insert(
      tx,
      'origin',
      ['url', 'sha1'],
      unique.map((o) => [o.url, b(originId(o.url))]),
    ),
  )
  return { 'origin:add': added }
}

export async function originGet(
  db: SqlExecutor,
  urls: readonly string[],
): Promise<(Origin | null)[]> {
  const found = new Set<string>()
  for (const part of chunks([...new Set(urls)])) {
    const rows = await db.all<Row>(
      `SELECT url FROM origin WHERE url IN ${inList(part.length)}`,
      part,
    )
    rows.forEach((r) => found.add(str(r['url'])))
  }
  return urls.map((u) => (found.has(u) ? { url: u } : null))
}

export async function originGetBySha1(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Origin | null)[]> {
  const rows = await getRows(db, 'origin', 'sha1', ids, 'url, sha1')
  return ids.map((id) => {
    const r = rows.get(id)
    return r ? { url: str(r['url']) } : null
  })
}

/** Row ids of origins by URL (unknown URLs absent). */
export async function originRowIds(
  tx: SqlExecutor,
  urls: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const part of chunks([...new Set(urls)])) {
    const rows = await tx.all<Row>(
      `SELECT id, url FROM origin WHERE url IN ${inList(part.length)}`,
      part,
    )
    rows.forEach((r) => out.set(str(r['url']), num(r['id'])))
  }
  return out
}

/** The row id of an origin; null if unknown. */
export async function originRowId(db: SqlExecutor, url: string): Promise<number | null> {
  return (await originRowIds(db, [url])).get(url) ?? null
}

/**
 * Calls `fn` with the row id of every origin that has a visit status naming a snapshot, in id
 * order, 500 rows a query (the indexes' rebuilds walk every archived origin so).
 */
export async function forEachOriginWithSnapshot(
  db: SqlExecutor,
  fn: (originId: number) => Promise<void>,
): Promise<void> {
  for (let after = 0; ;) {
    const rows = await db.all<Row>(
      `SELECT o.id FROM origin o WHERE o.id > ? AND EXISTS (
         SELECT 1 FROM origin_visit_status s WHERE s.origin_id = o.id AND s.snapshot IS NOT NULL)
       ORDER BY o.id LIMIT 500`,
      [after],
    )
    for (const r of rows) await fn(num(r['id']))
    if (rows.length < 500) return
    after = num(rows[rows.length - 1]!['id'])
  }
}

export async function originList(
  db: SqlExecutor,
  options: OriginListOptions = {},
): Promise<Page<Origin>> {
  const after = parseToken(options.pageToken, 'origin list') ?? 0
  const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000))
  const visited = options.withVisit
    ? ' AND EXISTS (SELECT 1 FROM origin_visit v WHERE v.origin_id = o.id)'
    : ''
  const rows = await db.all<Row>(
    `SELECT o.id, o.url FROM origin o WHERE o.id > ?${visited} ORDER BY o.id LIMIT ?`,
    [after, limit + 1],
  )
  const page = rows.slice(0, limit)
  return {
    results: page.map((r) => ({ url: str(r['url']) })),
    nextPageToken: rows.length > limit ? token(num(page[page.length - 1]!['id'])) : null,
  }
}

/** The words of a search query: its whitespace-separated parts, empty ones dropped. */
export function searchWords(pattern: string): string[] {
  return pattern.split(/\s+/u).filter((w) => w !== '')
}

/** What a search query is for: `want` matches (Infinity: all), `sorted` for a page. */
interface SearchNeed {
  readonly want: number
  readonly sorted: boolean
}

/** The FROM and WHERE of a search, and how PostgreSQL is to run it (origin-sample.ts). */
interface SearchWhere {
  readonly from: string
  readonly idKey: string
  readonly sql: string
  readonly params: SqlValue[]
  /** Through the trigram index: sort on an expression of the key. */
  readonly unordered: boolean
  /** Walk the key's index ({@link pgPlanned}). */
  readonly walk: boolean
}

/** Runs `fn` on `db`, or (a PostgreSQL plan) in {@link pgPlanned}'s transaction. */
const runPlanned = <T>(db: SqlExecutor, w: SearchWhere, fn: (x: SqlExecutor) => Promise<T>) =>
  w.walk || w.unordered ? pgPlanned(db, w.walk, fn) : fn(db)

/**
 * Whether `word` has no letters that case folding could change (ASCII digits and punctuation):
 * PostgreSQL then tests it with LIKE, which spares ILIKE's lowering of every URL it reads.
 */
const caseless = (word: string): boolean => /^[\x21-\x40\x5b-\x60\x7b-\x7e]+$/.test(word)

async function searchWhere(
  db: SqlExecutor,
  pattern: string,
  options: OriginSearchOptions,
  need: SearchNeed,
): Promise<SearchWhere> {
  const where: string[] = []
  const params: SqlValue[] = []
  // A regular expression is matched in JavaScript by regexpScan (linear time, bounded).
  // Otherwise every whitespace-separated word must occur in the URL, in any order.
  const words = options.regexp ? [] : searchWords(pattern)
  // PostgreSQL: Arca picks the words the trigram index serves (origin-sample.ts); the others
  // are the same ILIKE on an expression the index does not cover.
  const plan =
    db.dialect === 'postgres' && words.length > 0
      ? await pgSearchPlan(db, words, need.want, need.sorted)
      : null
  const like = (w: string) => `%${w.replace(/[\\%_]/g, (c) => '\\' + c)}%`
  // PostgreSQL tests the words in the order written: the cheap LIKE ones first, so that
  // ILIKE lowers only the URLs they leave.
  const tested = plan === null ? words : [...words].sort((a, b) => +caseless(b) - +caseless(a))
  for (const word of tested) {
    const part = plan !== null && !plan.walk ? plan.indexed.get(word) : undefined
    if (plan === null) where.push("o.url LIKE ? ESCAPE '\\'")
    else if (part !== undefined) {
      // the index serves a rare part of the word; the word is then tested on its rows
      where.push("o.url ILIKE ? ESCAPE '\\'")
      params.push(like(part))
      if (part === word) continue
      where.push(`(o.url || '') ${caseless(word) ? 'LIKE' : 'ILIKE'} ? ESCAPE '\\'`)
    } else where.push(`(o.url || '') ${caseless(word) ? 'LIKE' : 'ILIKE'} ? ESCAPE '\\'`)
    params.push(like(word))
  }
  // SQLite: the FTS5 trigram table narrows the rows first (words of 3+ characters; the LIKE
  // above stays the exact test). PostgreSQL's pg_trgm index serves ILIKE by itself.
  // Joined (not `IN (SELECT …)`), so that FTS5 yields matches in rowid order and stops at the
  // LIMIT: a page, or a capped count, of a common word does not read every match.
  const long = words.filter((w) => [...w].length >= 3)
  let from = 'FROM origin o'
  let idKey = 'o.id'
  if (db.dialect === 'sqlite' && long.length > 0) {
    from = 'FROM origin_fts f JOIN origin o ON o.id = f.rowid'
    idKey = 'f.rowid'
    where.unshift('origin_fts MATCH ?')
    // A rare part of the rarer words narrows about as well as the whole words, at a fraction of
    // the cost (trigram-stats.ts).
    const picked = await searchParts(db, long)
    params.unshift(picked.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND '))
  }
  if (options.visitTypes && options.visitTypes.length > 0) {
    where.push(
      `EXISTS (SELECT 1 FROM origin_visit v WHERE v.origin_id = o.id AND v.type IN ${inList(options.visitTypes.length)})`,
    )
    params.push(...options.visitTypes)
  } else if (options.withVisit) {
    where.push('EXISTS (SELECT 1 FROM origin_visit v WHERE v.origin_id = o.id)')
  }
  if (options.excludeMasked) {
    const hexSha1 = db.dialect === 'postgres' ? "encode(o.sha1, 'hex')" : 'lower(hex(o.sha1))'
    where.push(
      `NOT EXISTS (SELECT 1 FROM masked_object m WHERE m.swhid = 'swh:1:ori:' || ${hexSha1})`,
    )
  }
  return {
    from,
    idKey,
    sql: where.length > 0 ? where.join(' AND ') : '1 = 1',
    params,
    unordered: plan !== null && !plan.walk,
    walk: plan !== null && plan.walk,
  }
}

/** Where a page of an origin search starts: the id or URL after which its results come. */
function searchAfter(options: OriginSearchOptions): number | string {
  if (options.order !== 'url') return parseToken(options.pageToken, 'origin search') ?? 0
  const t = options.pageToken
  if (t === null || t === undefined || t === '') return ''
  if (!/^[A-Za-z0-9_-]+$/.test(t)) throw new InvalidInputError(`Invalid page token "${t}"`)
  return Buffer.from(t, 'base64url').toString('utf8')
}

export async function originSearch(
  db: SqlExecutor,
  pattern: string,
  options: OriginSearchOptions = {},
): Promise<OriginSearchPage> {
  const after = searchAfter(options)
  const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000))
  const skip = Math.max(0, Math.min(Math.trunc(options.offset ?? 0), 1_000_000))
  // A first page with a countLimit reads the matches up to the cap in the page's order, in one
  // query: the page is their first rows, the total their number (one pass instead of two).
  const first =
    options.pageToken === null || options.pageToken === undefined || options.pageToken === ''
  // (a page past the cap reads more than the count would: counted apart then, as a later page)
  const cap =
    first &&
    !options.regexp &&
    options.countLimit !== undefined &&
    skip + limit < Math.trunc(options.countLimit)
      ? Math.max(1, Math.trunc(options.countLimit))
      : null
  const want = Math.max(skip + limit + 1, cap ?? 0)
  if (
    cap !== null &&
    db.dialect === 'postgres' &&
    (await pgCountApart(db, searchWords(pattern), skip + limit + 1, cap))
  ) {
    const { countLimit: _, ...pageOnly } = options
    const [page, total] = await Promise.all([
      originSearch(db, pattern, pageOnly),
      originSearchCount(db, pattern, { ...pageOnly, countLimit: cap }),
    ])
    return { ...page, total }
  }
  const w = await searchWhere(db, pattern, options, { want, sorted: true })
  // PostgreSQL, through the index: its rows are sorted on an expression of the key (same order),
  // so that the planner does not walk the key's index instead (origin-sample.ts).
  const key =
    options.order === 'url'
      ? w.unordered
        ? "(o.url || '')"
        : 'o.url'
      : w.unordered
        ? `(${w.idKey} + 0)`
        : w.idKey
  // With a cap, every match up to it is read (the page is at `skip`); else only the page.
  const [count, offset] = cap === null ? [limit + 1, skip] : [want, 0]
  const read: Row[] = options.regexp
    ? (
        await regexpScan(db, compileOriginRegexp(pattern), w, {
          after,
          want: skip + limit + 1,
          order: options.order ?? 'id',
        })
      ).slice(skip)
    : await runPlanned(db, w, (x) =>
        x.all<Row>(
          `SELECT o.id, o.url ${w.from} WHERE ${w.sql} AND ${key} > ? ORDER BY ${key} LIMIT ? OFFSET ?`,
          [...w.params, after, count, offset],
        ),
      )
  const rows = cap === null ? read : read.slice(skip, skip + limit + 1)
  const page = rows.slice(0, limit)
  const types = new Map<number, string[]>()
  const ids = page.map((r) => num(r['id']))
  for (const part of chunks(ids)) {
    const trows = await db.all<Row>(
      `SELECT DISTINCT origin_id, type FROM origin_visit WHERE origin_id IN ${inList(part.length)} ORDER BY type`,
      part,
    )
    for (const t of trows) {
      const list = types.get(num(t['origin_id'])) ?? []
      list.push(str(t['type']))
      types.set(num(t['origin_id']), list)
    }
  }
  const summaries = await originSummaries(
    db,
    new Map(page.map((r) => [num(r['id']), str(r['url'])])),
  )
  const last = page[page.length - 1]
  return {
    ...(cap === null ? {} : { total: Math.min(cap, read.length) }),
    results: page.map((r) => {
      const vt = types.get(num(r['id'])) ?? []
      const sum = summaries.get(num(r['id']))
      return {
        url: str(r['url']),
        visitTypes: vt,
        hasVisits: vt.length > 0,
        latestStatus: sum?.latestStatus ?? null,
        latestSnapshot: sum?.latestSnapshot ?? null,
        branchCount: sum?.branchCount ?? null,
      }
    }),
    nextPageToken:
      rows.length > limit && last
        ? options.order === 'url'
          ? Buffer.from(str(last['url']), 'utf8').toString('base64url')
          : token(num(last['id']))
        : null,
  }
}

/**
 * The number of origins a search matches; with `countLimit`, at most that many are counted
 * (the LIMIT is pushed into the subquery, so an unselective word stops early).
 */
export async function originSearchCount(
  db: SqlExecutor,
  pattern: string,
  options: OriginSearchOptions = {},
): Promise<number> {
  const cap = options.countLimit
  const w = await searchWhere(db, pattern, options, { want: cap ?? Infinity, sorted: false })
  if (options.regexp)
    return (
      await regexpScan(db, compileOriginRegexp(pattern), w, cap === undefined ? {} : { want: cap })
    ).length
  const rows = await runPlanned(db, w, (x) =>
    cap === undefined
      ? x.all<Row>(`SELECT COUNT(*) AS n ${w.from} WHERE ${w.sql}`, w.params)
      : x.all<Row>(`SELECT COUNT(*) AS n FROM (SELECT 1 ${w.from} WHERE ${w.sql} LIMIT ?) AS m`, [
          ...w.params,
          cap,
        ]),
  )
  return num(rows[0]?.['n'] ?? 0)
}
