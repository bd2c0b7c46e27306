/**
 * Code search queries (docs/code-search.md): the trigram index gives the texts that may hold
 * every literal a match needs (FTS5 `MATCH` on SQLite, `ILIKE` served by pg_trgm on
 * PostgreSQL), each is checked line by line with the compiled query (RE2: linear time), and the
 * files naming the matching texts are filtered (origin, path glob, language, masking), sorted by
 * origin URL and path, and paged.
 *
 * When the index names few texts, all are checked and the total is exact. Otherwise the files
 * are walked in result order (origins by URL, paths in byte order), their texts read and checked
 * a batch at a time, until the page and one more file are found; counting then goes on in a
 * spread sample of the files not walked (code-sample.ts) for a bounded number of bytes: the
 * total is exact when the sample was the whole rest, else the files found plus the rest scaled
 * by the share of the sample that matched. A query with no literal of
 * three characters walks the same way within a bounded scan; the time limit bounds all of it,
 * and the page then says it is partial.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import type { CodeSearchOptions, CodeSearchPage } from '../code-search.js'
import { type CodeFile, type CodeOrigin, hitOf, indexedOrigins, originSwhids } from './code-hit.js'
import { codeLanguageName, codeLanguageOf, codePathTest } from './code-language.js'
import {
  type CodeMatcher,
  compileCodeQuery,
  matchingLines,
  type Requirement,
} from './code-match.js'
import { type CodeRest, restOfList, restOfOrigins } from './code-sample.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { originRowId } from './origins.js'
import { hex, num, type Row, str } from './rows.js'
import { chunks, inList } from './statements.js'

/** Default time limit of a search, in milliseconds. */
export const CODE_SEARCH_TIME_LIMIT_MS = 2000
/** Most bytes of text a search reads before the page is found (then it is partial). */
export const CODE_SCAN_MAX_BYTES = 256 * 1024 * 1024
/** Bytes of text read on after the page is found, to count the total (then it is estimated). */
export const CODE_COUNT_MAX_BYTES = 2 * 1024 * 1024
/** Texts read per statement. */
const TEXT_CHUNK = 64
/** At most this many candidate texts: the walk takes the files naming them from the blob index. */
const FEW_CANDIDATES = 1024
/** At most this many: the walk skips the files of other texts without reading them. */
const CANDIDATE_SET_MAX = 2048

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * The ids of (at most `limit`) candidate texts for `m.required` (in origin `oid`). PostgreSQL: in
 * a transaction keeping the planner to the trigram index (with no statistics, or for an `OR`
 * of literals, it would read and check every text instead), with `LIKE` (byte comparisons)
 * rather than `ILIKE` (lower-casing every text read) when the literals hold case and all.
 */
async function candidateIds(
  db: SqlExecutor,
  m: CodeMatcher,
  oid: number | null,
  limit: number,
): Promise<number[]> {
  const req = m.required!
  const inOrigin =
    oid === null ? '' : ' AND id IN (SELECT blob_id FROM code_file WHERE origin_id = ?)'
  const tail: SqlValue[] = oid === null ? [] : [oid]
  const ids = (rows: Row[]): number[] => rows.map((r) => num(r['id']))
  if (db.dialect === 'postgres') {
    const where = likeFilter(req, m.requiredExact)
    return db.transaction(async (tx) => {
      await tx.all(
        "SELECT set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)",
      )
      return ids(
        await tx.all<Row>(`SELECT id FROM code_blob WHERE ${where.sql}${inOrigin} LIMIT ${limit}`, [
          ...where.params,
          ...tail,
        ]),
      )
    })
  }
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`
  const match = req.map((conj) => `(${conj.map(quote).join(' AND ')})`).join(' OR ')
  return ids(
    await db.all<Row>(
      `SELECT rowid AS id FROM code_fts WHERE code_fts MATCH ?${inOrigin.replace('id IN', 'rowid IN')} LIMIT ${limit}`,
      [match, ...tail],
    ),
  )
}

/**
 * `req` as conditions on `text` that pg_trgm serves: `LIKE` when the literals hold case and
 * all (`exact`: byte comparisons); otherwise `~*` on the literal quoted (PostgreSQL's regular
 * expressions compare each character with both its cases, where `ILIKE` lower-cases every text
 * read, three times slower) when it is printable ASCII without `k` (which RE2 also folds with
 * the Kelvin sign, as `ILIKE` does and `~*` does not), else `ILIKE`.
 */
function likeFilter(req: Requirement, exact: boolean): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = []
  const cond = (lit: string): string => {
    if (!exact && /^[ -~]*$/.test(lit) && !/k/i.test(lit)) {
      params.push(lit.replace(/[^0-9A-Za-z]/g, (c) => `\\${c}`))
      return 'text ~* ?'
    }
    params.push(`%${escapeLike(lit)}%`)
    return exact ? 'text LIKE ?' : 'text ILIKE ?'
  }
  const where = req.map((conj) => `(${conj.map(cond).join(' AND ')})`).join(' OR ')
  return { sql: `(${where})`, params }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** The masked ones among `swhids`. */
async function maskedSet(db: SqlExecutor, swhids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>()
  for (const part of chunks([...new Set(swhids)])) {
    const rows = await db.all<Row>(
      `SELECT swhid FROM masked_object WHERE swhid IN ${inList(part.length)}`,
      part,
    )
    rows.forEach((r) => out.add(str(r['swhid'])))
  }
  return out
}

/** What one search is after, and how it checks a text. */
interface Search {
  readonly db: SqlExecutor
  readonly matcher: CodeMatcher
  readonly excludeMasked: boolean
  /** Whether a file passes the path and language filters. */
  readonly keep: (f: CodeFile) => boolean
  readonly offset: number
  readonly limit: number
  readonly deadline: number
  /** Characters read on to count, once the page is found. */
  readonly countMax: number
  /** Whether every text checked holds the required literals (PostgreSQL checked them already). */
  readonly prechecked?: boolean
}

/** A text that matched: its sha1_git and (once needed) its matching lines. */
interface Matched {
  readonly sha1: string
  lines: number[] | null
}

/**
 * Reads and checks the texts `ids` (each up to its first matching line) into `out`: those that
 * match, or null (masked contents too, when asked); returns the characters read. PostgreSQL only
 * sends the texts holding the required literals (unless they were candidates it checked already).
 */
async function checkTexts(
  s: Search,
  ids: readonly number[],
  out: Map<number, Matched | null>,
): Promise<number> {
  const pre =
    s.db.dialect === 'postgres' && s.matcher.required !== null && s.prechecked !== true
      ? likeFilter(s.matcher.required, s.matcher.requiredExact)
      : null
  const rows = await s.db.all<Row>(
    `SELECT id, sha1_git, text FROM code_blob WHERE id IN ${inList(ids.length)}${pre ? ` AND ${pre.sql}` : ''}`,
    pre ? [...ids, ...pre.params] : ids,
  )
  for (const id of ids) out.set(id, null)
  let read = 0
  const found: number[] = []
  for (const r of rows) {
    if (r['text'] === null || r['text'] === undefined) continue
    const text = str(r['text'])
    read += text.length
    if (matchingLines(text, s.matcher, 1).length === 0) continue
    const id = num(r['id'])
    out.set(id, { sha1: hex(r['sha1_git']), lines: null })
    found.push(id)
  }
  if (s.excludeMasked && found.length > 0) {
    const masked = await maskedSet(
      s.db,
      found.map((id) => `swh:1:cnt:${out.get(id)!.sha1}`),
    )
    for (const id of found) if (masked.has(`swh:1:cnt:${out.get(id)!.sha1}`)) out.set(id, null)
  }
  return read
}

/** The files of `origin`, by path (byte order, as the results are sorted). */
async function originFiles(db: SqlExecutor, origin: CodeOrigin): Promise<CodeFile[]> {
  const rows = await db.all<Row>(
    'SELECT path, blob_id FROM code_file WHERE origin_id = ? ORDER BY path',
    [origin.id],
  )
  return rows.map((r) => ({
    origin,
    path: Buffer.from(r['path'] as Uint8Array),
    blob: num(r['blob_id']),
  }))
}

/** The files of `origins` naming any of `blobs`, sorted as results are. */
async function filesOf(
  db: SqlExecutor,
  blobs: readonly number[],
  origins: readonly CodeOrigin[],
): Promise<CodeFile[]> {
  const byId = new Map(origins.map((o, i) => [o.id, { o, i }]))
  const one = origins.length === 1 ? origins[0]!.id : null
  const out: { f: CodeFile; i: number }[] = []
  for (const part of chunks(blobs)) {
    const rows = await db.all<Row>(
      `SELECT origin_id, path, blob_id FROM code_file WHERE blob_id IN ${inList(part.length)}${one === null ? '' : ' AND origin_id = ?'}`,
      one === null ? part : [...part, one],
    )
    for (const r of rows) {
      const o = byId.get(num(r['origin_id']))
      if (o === undefined) continue // not indexed any more, or masked
      const path = Buffer.from(r['path'] as Uint8Array)
      out.push({ f: { origin: o.o, path, blob: num(r['blob_id']) }, i: o.i })
    }
  }
  out.sort((x, y) => x.i - y.i || Buffer.compare(x.f.path, y.f.path))
  return out.map((x) => x.f)
}

/** A page found: the files shown, the total and how sure it is. */
interface Found {
  readonly shown: CodeFile[]
  readonly total: number
  readonly partial: boolean
  readonly totalExact: boolean
  readonly matched: Map<number, Matched | null>
}

/**
 * Walks `groups` of files (each sorted, in result order), checking their texts a batch at a
 * time (only files of `candidates` when known), until the page and one more file are found;
 * then counts on in a sample of the files not walked (`rest`: group index and files walked in
 * it) spread over all of them, for at most `countMax` characters, to estimate the total.
 */
async function searchWalk(
  s: Search,
  groups: AsyncIterable<CodeFile[]>,
  candidates: Set<number> | null,
  rest: (group: number, files: readonly CodeFile[], walked: number) => Promise<CodeRest>,
): Promise<Found> {
  const matched = new Map<number, Matched | null>()
  const shown: CodeFile[] = []
  const want = s.offset + s.limit + 1
  let count = 0 // matching files walked
  let walked = 0 // files walked (any)
  let read = 0
  const wanted = (f: CodeFile): boolean =>
    (candidates === null || candidates.has(f.blob)) && s.keep(f)
  /** Checks the texts of `files` not checked yet (at most `batch`): the files taken. */
  const checkBatch = async (files: readonly CodeFile[], from: number, batch: number) => {
    const todo = new Set<number>()
    let j = from
    for (; j < files.length && todo.size < batch; j++) {
      const f = files[j]!
      if (!matched.has(f.blob) && wanted(f)) todo.add(f.blob)
    }
    if (todo.size > 0) read += await checkTexts(s, [...todo], matched)
    return j
  }
  const hit = (f: CodeFile): boolean => !!matched.get(f.blob) && wanted(f)
  let g = -1
  let at: { files: readonly CodeFile[]; i: number } | null = null
  walk: for await (const files of groups) {
    g++
    for (let i = 0; i < files.length;) {
      if (Date.now() >= s.deadline || read >= CODE_SCAN_MAX_BYTES)
        return { shown, total: count, partial: true, totalExact: false, matched }
      // Until the page is found, about as many texts as files still wanted (a dense match
      // reads little more than it shows).
      const j = await checkBatch(files, i, Math.min(Math.max(want - count, 8), TEXT_CHUNK))
      for (; i < j; i++) {
        walked++
        if (!hit(files[i]!)) continue
        if (count >= s.offset && count < s.offset + s.limit) shown.push(files[i]!)
        count++
      }
      await yieldToEventLoop()
      if (count >= want) {
        at = { files, i }
        break walk
      }
    }
  }
  if (at === null) return { shown, total: count, partial: false, totalExact: true, matched }
  // The page and one more file found: count on in a spread sample of the rest.
  const left = await rest(g, at.files, at.i)
  const start = read
  let sampled = 0
  let found = 0
  for (let k = 0; k < left.sample.length;) {
    if (Date.now() >= s.deadline || read >= CODE_SCAN_MAX_BYTES || read - start >= s.countMax) break
    const j = await checkBatch(left.sample, k, TEXT_CHUNK)
    for (; k < j; k++) {
      sampled++
      if (hit(left.sample[k]!)) found++
    }
    await yieldToEventLoop()
  }
  if (sampled === left.count)
    return { shown, total: count + found, partial: false, totalExact: true, matched }
  // The files found walking, and the rest scaled by the share of the sample that matched (no
  // sample: by the share of the files walked).
  const estimate =
    sampled > 0
      ? count + Math.round((found * left.count) / sampled)
      : Math.round((count * (walked + left.count)) / Math.max(walked, 1))
  return {
    shown,
    total: Math.max(count + found, estimate),
    partial: false,
    totalExact: false,
    matched,
  }
}

/** `files` as the one group of a walk. */
// eslint-disable-next-line @typescript-eslint/require-await
async function* oneGroup(files: CodeFile[]): AsyncIterable<CodeFile[]> {
  yield files
}

/** Every file of `origins`, one origin at a time, in result order. */
async function* everyFile(
  db: SqlExecutor,
  origins: readonly CodeOrigin[],
): AsyncIterable<CodeFile[]> {
  for (const o of origins) yield await originFiles(db, o)
}

/** Searches the indexed files (see the module notes). */
export async function codeSearch(
  db: SqlExecutor,
  query: string,
  options: CodeSearchOptions = {},
): Promise<CodeSearchPage> {
  const type = options.type ?? 'literal'
  if (!['literal', 'word', 'regexp'].includes(type))
    throw new InvalidInputError(`Invalid code search type "${type}" (literal, word or regexp)`)
  const matcher = compileCodeQuery(query, type, options.ignoreCase === true)
  let language: string | null = null
  if (options.language) {
    language = codeLanguageName(options.language)
    if (language === null) throw new InvalidInputError(`Unknown language "${options.language}"`)
  }
  const pathTest = options.path ? codePathTest(options.path) : null
  const limit = Math.max(1, Math.min(options.limit ?? 20, 100))
  const offset = Math.max(0, options.offset ?? 0)
  const context = Math.max(0, Math.min(options.context ?? 2, 10))
  const deadline = Date.now() + (options.timeLimitMs ?? CODE_SEARCH_TIME_LIMIT_MS)
  let oid: number | null = null
  if (options.origin !== undefined) {
    oid = await originRowId(db, options.origin)
    if (oid === null) return { results: [], total: 0, partial: false, totalExact: true }
  }
  const excludeMasked = options.excludeMasked === true
  let origins = await indexedOrigins(db, oid)
  if (excludeMasked && origins.length > 0) {
    const masked = await maskedSet(db, origins.flatMap(originSwhids))
    if (masked.size > 0)
      origins = origins.filter((o) => !originSwhids(o).some((x) => masked.has(x)))
  }
  const s: Search = {
    db,
    matcher,
    excludeMasked,
    keep: (f) => {
      if (pathTest === null && language === null) return true
      const p = f.path.toString('utf8')
      return (
        (pathTest === null || pathTest(p)) && (language === null || codeLanguageOf(p) === language)
      )
    },
    offset,
    limit,
    deadline,
    countMax: Math.max(0, options.countMaxBytes ?? CODE_COUNT_MAX_BYTES),
  }
  let ids: number[] | null = null
  if (matcher.required !== null && origins.length > 0) {
    ids = await candidateIds(db, matcher, oid, CANDIDATE_SET_MAX + 1)
  }
  let found: Found
  if (ids !== null && ids.length <= FEW_CANDIDATES) {
    // Few texts: walk the files naming them (found by the blob index).
    const files = await filesOf(db, ids, origins)
    const sc = { ...s, prechecked: true }
    found = await searchWalk(sc, oneGroup(files), null, (_g, list, i) =>
      Promise.resolve(restOfList(list, i)),
    )
  } else {
    const set = ids !== null && ids.length <= CANDIDATE_SET_MAX ? new Set(ids) : null
    const sc = { ...s, prechecked: set !== null }
    found = await searchWalk(sc, everyFile(db, origins), set, (g, list, i) =>
      restOfOrigins(
        db,
        origins,
        i < list.length ? g : g + 1,
        i < list.length && i > 0 ? list[i - 1]!.path : null,
      ),
    )
  }
  const texts = new Map<number, string>()
  const wanted = [...new Set(found.shown.map((f) => f.blob))]
  if (wanted.length > 0) {
    const rows = await db.all<Row>(
      `SELECT id, text FROM code_blob WHERE id IN ${inList(wanted.length)}`,
      wanted,
    )
    rows.forEach((r) => texts.set(num(r['id']), str(r['text'])))
  }
  return {
    results: found.shown.map((f) => {
      const m = found.matched.get(f.blob)!
      const text = texts.get(f.blob) ?? ''
      m.lines ??= matchingLines(text, matcher)
      return hitOf(f, m.sha1, m.lines, text, context)
    }),
    total: found.total,
    partial: found.partial,
    totalExact: found.totalExact,
  }
}
