/**
 * Code search results (docs/code-search.md): the indexed origins and files a search walks, and
 * one file's hit, its runs of matching lines each named by a content SWHID qualified down to the
 * line range, with context lines.
 *
 * @module
 */

import { formatSwhid } from '../../model/index.js'
import type { CodeLine, CodeMatch, CodeSearchHit } from '../code-search.js'
import { codeLanguageOf } from './code-language.js'
import type { SqlExecutor } from './executor.js'
import { hex, num, type Row, str } from './rows.js'

/** Most runs of matching lines shown per file. */
const MAX_RUNS = 20

/** An indexed origin: what `code_origin` says it was indexed at. */
export interface CodeOrigin {
  readonly id: number
  readonly url: string
  readonly sha1: string
  readonly visit: number
  readonly snapshot: string
  /** The anchor (code_origin.revision) and its type. */
  readonly revision: string | null
  readonly anchorType: 'rev' | 'rel' | 'dir'
}

/** A file of an indexed origin. */
export interface CodeFile {
  readonly origin: CodeOrigin
  readonly path: Buffer
  readonly blob: number
}

/** The anchor type of a `code_origin.anchor_type` (null: a revision, as rows before it). */
function anchorTypeOf(v: unknown): 'rev' | 'rel' | 'dir' {
  return v === 'rel' || v === 'dir' ? v : 'rev'
}

/** The indexed origins (only `oid` if set), by URL. */
export async function indexedOrigins(db: SqlExecutor, oid: number | null): Promise<CodeOrigin[]> {
  const rows = await db.all<Row>(
    `SELECT c.origin_id, o.url, o.sha1, c.visit, c.snapshot, c.revision, c.anchor_type
     FROM code_origin c JOIN origin o ON o.id = c.origin_id${oid === null ? '' : ' WHERE c.origin_id = ?'}`,
    oid === null ? [] : [oid],
  )
  const out = rows.map((r) => ({
    id: num(r['origin_id']),
    url: str(r['url']),
    sha1: hex(r['sha1']),
    visit: num(r['visit']),
    snapshot: hex(r['snapshot']),
    revision: r['revision'] === null ? null : hex(r['revision']),
    anchorType: anchorTypeOf(r['anchor_type']),
  }))
  return out.sort((x, y) => (x.url < y.url ? -1 : x.url > y.url ? 1 : 0))
}

/** The SWHIDs of what an origin's files are shown under (a takedown of any hides them). */
export function originSwhids(o: CodeOrigin): string[] {
  return [
    `swh:1:ori:${o.sha1}`,
    `swh:1:snp:${o.snapshot}`,
    ...(o.revision === null ? [] : [`swh:1:${o.anchorType}:${o.revision}`]),
  ]
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

/** The hit of file `f`, whose text `text` (sha1_git `sha1`) matches at `lines`. */
export function hitOf(
  f: CodeFile,
  sha1: string,
  lines: readonly number[],
  text: string,
  context: number,
): CodeSearchHit {
  const o = f.origin
  const pathText = f.path.toString('utf8')
  const all = text.split('\n')
  if (all.length > 1 && all[all.length - 1] === '') all.pop()
  const matching = new Set(lines)
  const base = {
    origin: o.url,
    visit: { type: 'snp' as const, id: o.snapshot },
    ...(o.revision === null ? {} : { anchor: { type: o.anchorType, id: o.revision } }),
    path: Buffer.concat([Buffer.from('/'), f.path]),
  }
  const matches: CodeMatch[] = runs(lines)
    .slice(0, MAX_RUNS)
    .map(([from, to]) => {
      const ctx: CodeLine[] = []
      for (let n = Math.max(1, from - context); n <= Math.min(all.length, to + context); n++)
        ctx.push({ line: n, text: all[n - 1] ?? '', match: matching.has(n) })
      return {
        lines: [from, to] as const,
        swhid: formatSwhid({
          type: 'cnt',
          id: sha1,
          qualifiers: { ...base, lines: [from, to === from ? null : to] },
        }),
        context: ctx,
      }
    })
  return {
    origin: o.url,
    path: pathText,
    content: sha1,
    visit: o.visit,
    snapshot: o.snapshot,
    revision: o.anchorType === 'rev' ? (o.revision ?? '') : '',
    anchor: o.revision === null ? null : `swh:1:${o.anchorType}:${o.revision}`,
    language: codeLanguageOf(pathText),
    swhid: formatSwhid({ type: 'cnt', id: sha1, qualifiers: base }),
    matchCount: lines.length,
    matches,
  }
}
