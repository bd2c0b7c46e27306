/**
 * Code search queries (docs/code-search.md): the trigram index gives the texts that hold every
 * literal a match needs (FTS5 `MATCH` on SQLite, `ILIKE` served by pg_trgm on PostgreSQL), each
 * is checked line by line with the compiled query (RE2: linear time), and the files naming the
 * matching texts are filtered (origin, path glob, language, masking), sorted by origin URL and
 * path, and paged. A query with no literal of three characters reads the texts in a bounded
 * scan; the time limit bounds both, and the page then says it is partial.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import { formatSwhid } from '../../model/index.js'
import type {
  CodeLine,
  CodeMatch,
  CodeSearchHit,
  CodeSearchOptions,
  CodeSearchPage,
} from '../code-search.js'
import { codeLanguageName, codeLanguageOf, codePathTest } from './code-language.js'
import { type CodeMatcher, compileCodeQuery, type Requirement } from './code-match.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { originRowId } from './origins.js'
import { hex, num, type Row, str } from './rows.js'
import { chunks, inList } from './statements.js'

/** Default time limit of a search, in milliseconds. */
export const CODE_SEARCH_TIME_LIMIT_MS = 2000
/** Most bytes of text a search without index literals reads. */
export const CODE_SCAN_MAX_BYTES = 256 * 1024 * 1024
/** Most runs of matching lines shown per file. */
const MAX_RUNS = 20
/** Texts read per query. */
const TEXT_CHUNK = 200

/** A text that matched: its matching line numbers. */
interface BlobHit {
  readonly sha1: string
  readonly lines: number[]
}

/** The line numbers (1-based) of `text` that match. */
function matchingLines(text: string, m: CodeMatcher): number[] {
  if (m.anchor !== null) return anchoredLines(text, m, m.anchor)
  if (!m.mayMatch(text)) return []
  const out: number[] = []
  let start = 0
  let n = 1
  for (;;) {
    const nl = text.indexOf('\n', start)
    const line = nl < 0 ? text.slice(start) : text.slice(start, nl)
    if ((nl >= 0 || line.length > 0) && m.testLine(line)) out.push(n)
    if (nl < 0) break
    start = nl + 1
    n++
  }
  return out
}

/** The same, testing only the lines holding `anchor` (found by `indexOf`, lines counted on). */
function anchoredLines(text: string, m: CodeMatcher, anchor: string): number[] {
  const out: number[] = []
  let n = 1
  let counted = 0 // line `n` starts at or before `counted`
  let at = text.indexOf(anchor)
  while (at >= 0) {
    for (
      let nl = text.indexOf('\n', counted);
      nl >= 0 && nl < at;
      nl = text.indexOf('\n', nl + 1)
    ) {
      n++
      counted = nl + 1
    }
    const end = text.indexOf('\n', at)
    const lineEnd = end < 0 ? text.length : end
    if (m.testLine(text.slice(counted, lineEnd))) out.push(n)
    if (end < 0) break
    counted = end + 1
    n++
    at = text.indexOf(anchor, counted)
  }
  return out
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/** SQL and parameters of the candidate text ids for `req` (restricted to origin `oid`). */
function candidateQuery(
  db: SqlExecutor,
  req: Requirement,
  oid: number | null,
): { sql: string; params: SqlValue[] } {
  const inOrigin =
    oid === null ? '' : ' AND id IN (SELECT blob_id FROM code_file WHERE origin_id = ?)'
  const tail: SqlValue[] = oid === null ? [] : [oid]
  if (db.dialect === 'postgres') {
    const where = req
      .map((conj) => `(${conj.map(() => 'text ILIKE ?').join(' AND ')})`)
      .join(' OR ')
    return {
      sql: `SELECT id FROM code_blob WHERE (${where})${inOrigin} ORDER BY id`,
      params: [...req.flat().map((lit) => `%${escapeLike(lit)}%`), ...tail],
    }
  }
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`
  const match = req.map((conj) => `(${conj.map(quote).join(' AND ')})`).join(' OR ')
  return {
    sql: `SELECT rowid AS id FROM code_fts WHERE code_fts MATCH ?${inOrigin.replace('id IN', 'rowid IN')} ORDER BY rowid`,
    params: [match, ...tail],
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Checks the candidate texts; returns the hits by blob id and whether it stopped early. */
async function checkTexts(
  db: SqlExecutor,
  m: CodeMatcher,
  oid: number | null,
  deadline: number,
): Promise<{ hits: Map<number, BlobHit>; partial: boolean }> {
  const hits = new Map<number, BlobHit>()
  const check = (rows: Row[]): void => {
    for (const r of rows) {
      if (r['text'] === null || r['text'] === undefined) continue
      const lines = matchingLines(str(r['text']), m)
      if (lines.length > 0) hits.set(num(r['id']), { sha1: hex(r['sha1_git']), lines })
    }
  }
  if (m.required !== null) {
    const q = candidateQuery(db, m.required, oid)
    const ids = (await db.all<Row>(q.sql, q.params)).map((r) => num(r['id']))
    for (const part of chunks(ids, TEXT_CHUNK)) {
      if (Date.now() >= deadline) return { hits, partial: true }
      check(
        await db.all<Row>(
          `SELECT id, sha1_git, text FROM code_blob WHERE id IN ${inList(part.length)}`,
          part,
        ),
      )
      await yieldToEventLoop()
    }
    return { hits, partial: false }
  }
  // No literal to look up: read the texts in id order, within the byte and time budgets.
  let after = 0
  let read = 0
  const inOrigin =
    oid === null ? '' : ' AND id IN (SELECT blob_id FROM code_file WHERE origin_id = ?)'
  for (;;) {
    if (Date.now() >= deadline || read >= CODE_SCAN_MAX_BYTES) return { hits, partial: true }
    const rows = await db.all<Row>(
      `SELECT id, sha1_git, text FROM code_blob WHERE id > ? AND text IS NOT NULL${inOrigin}
       ORDER BY id LIMIT ${TEXT_CHUNK}`,
      oid === null ? [after] : [after, oid],
    )
    check(rows)
    for (const r of rows) read += str(r['text']).length
    if (rows.length < TEXT_CHUNK) return { hits, partial: false }
    after = num(rows[rows.length - 1]!['id'])
    await yieldToEventLoop()
  }
}

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

/** A file naming a matching text. */
interface FileRow {
  readonly origin: string
  readonly originSha1: string
  readonly path: Buffer
  readonly pathText: string
  readonly blob: number
  readonly visit: number
  readonly snapshot: string
  /** The anchor (code_origin.revision) and its type. */
  readonly revision: string | null
  readonly anchorType: 'rev' | 'rel' | 'dir'
}

/** The anchor type of a `code_origin.anchor_type` (null: a revision, as rows before it). */
function anchorTypeOf(v: unknown): 'rev' | 'rel' | 'dir' {
  return v === 'rel' || v === 'dir' ? v : 'rev'
}

/** The files naming any of `blobs` (in origin `oid` if set). */
async function filesOf(
  db: SqlExecutor,
  blobs: readonly number[],
  oid: number | null,
): Promise<FileRow[]> {
  const out: FileRow[] = []
  for (const part of chunks(blobs)) {
    const rows = await db.all<Row>(
      `SELECT o.url, o.sha1, f.path, f.blob_id, c.visit, c.snapshot, c.revision, c.anchor_type
       FROM code_file f JOIN origin o ON o.id = f.origin_id JOIN code_origin c ON c.origin_id = f.origin_id
       WHERE f.blob_id IN ${inList(part.length)}${oid === null ? '' : ' AND f.origin_id = ?'}`,
      oid === null ? part : [...part, oid],
    )
    for (const r of rows) {
      const path = Buffer.from(r['path'] as Uint8Array)
      out.push({
        origin: str(r['url']),
        originSha1: hex(r['sha1']),
        path,
        pathText: path.toString('utf8'),
        blob: num(r['blob_id']),
        visit: num(r['visit']),
        snapshot: hex(r['snapshot']),
        revision: r['revision'] === null ? null : hex(r['revision']),
        anchorType: anchorTypeOf(r['anchor_type']),
      })
    }
  }
  return out
}

/** Runs of consecutive line numbers. */
function runs(lines: readonly number[]): [number, number][] {
  const out: [number, number][] = []
  for (const n of lines) {
    const last = out[out.length - 1]
    if (last && last[1] === n - 1) last[1] = n
    else out.push([n, n])
  }
  return out
}

/** The hit of file `f` whose text is `text`. */
function hitOf(f: FileRow, hit: BlobHit, text: string, context: number): CodeSearchHit {
  const all = text.split('\n')
  if (all.length > 1 && all[all.length - 1] === '') all.pop()
  const matching = new Set(hit.lines)
  const base = {
    origin: f.origin,
    visit: { type: 'snp' as const, id: f.snapshot },
    ...(f.revision === null ? {} : { anchor: { type: f.anchorType, id: f.revision } }),
    path: Buffer.concat([Buffer.from('/'), f.path]),
  }
  const matches: CodeMatch[] = runs(hit.lines)
    .slice(0, MAX_RUNS)
    .map(([from, to]) => {
      const ctx: CodeLine[] = []
      for (let n = Math.max(1, from - context); n <= Math.min(all.length, to + context); n++)
        ctx.push({ line: n, text: all[n - 1] ?? '', match: matching.has(n) })
      return {
        lines: [from, to] as const,
        swhid: formatSwhid({
          type: 'cnt',
          id: hit.sha1,
          qualifiers: { ...base, lines: [from, to === from ? null : to] },
        }),
        context: ctx,
      }
    })
  return {
    origin: f.origin,
    path: f.pathText,
    content: hit.sha1,
    visit: f.visit,
    snapshot: f.snapshot,
    revision: f.anchorType === 'rev' ? (f.revision ?? '') : '',
    anchor: f.revision === null ? null : `swh:1:${f.anchorType}:${f.revision}`,
    language: codeLanguageOf(f.pathText),
    swhid: formatSwhid({ type: 'cnt', id: hit.sha1, qualifiers: base }),
    matchCount: hit.lines.length,
    matches,
  }
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
    if (oid === null) return { results: [], total: 0, partial: false }
  }
  const { hits, partial } = await checkTexts(db, matcher, oid, deadline)
  let blobs = [...hits.keys()]
  if (options.excludeMasked && blobs.length > 0) {
    const masked = await maskedSet(
      db,
      blobs.map((id) => `swh:1:cnt:${hits.get(id)!.sha1}`),
    )
    blobs = blobs.filter((id) => !masked.has(`swh:1:cnt:${hits.get(id)!.sha1}`))
  }
  let files = (await filesOf(db, blobs, oid)).filter(
    (f) =>
      (pathTest === null || pathTest(f.pathText)) &&
      (language === null || codeLanguageOf(f.pathText) === language),
  )
  if (options.excludeMasked && files.length > 0) {
    const masked = await maskedSet(db, [
      ...files.map((f) => `swh:1:ori:${f.originSha1}`),
      ...files.map((f) => `swh:1:snp:${f.snapshot}`),
      ...files.flatMap((f) => (f.revision ? [`swh:1:${f.anchorType}:${f.revision}`] : [])),
    ])
    if (masked.size > 0)
      files = files.filter(
        (f) =>
          !masked.has(`swh:1:ori:${f.originSha1}`) &&
          !masked.has(`swh:1:snp:${f.snapshot}`) &&
          !(f.revision && masked.has(`swh:1:${f.anchorType}:${f.revision}`)),
      )
  }
  files.sort((x, y) =>
    x.origin < y.origin ? -1 : x.origin > y.origin ? 1 : Buffer.compare(x.path, y.path),
  )
  const shown = files.slice(offset, offset + limit)
  const texts = new Map<number, string>()
  const wanted = [...new Set(shown.map((f) => f.blob))]
  if (wanted.length > 0) {
    const rows = await db.all<Row>(
      `SELECT id, text FROM code_blob WHERE id IN ${inList(wanted.length)}`,
      wanted,
    )
    rows.forEach((r) => texts.set(num(r['id']), str(r['text'])))
  }
  return {
    results: shown.map((f) => hitOf(f, hits.get(f.blob)!, texts.get(f.blob) ?? '', context)),
    total: files.length,
    partial,
  }
}
