/**
 * Code search (docs/code-search.md): literal, word and regular-expression search over the
 * contents of origins' latest snapshots, served from a trigram index kept on ingest. Types
 * only; the SQL backend implements {@link CodeSearchStorage}.
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'

/** How the query is matched against each line. */
export type CodeSearchType = 'literal' | 'word' | 'regexp'

/** Options of {@link CodeSearchStorage.codeSearch}. */
export interface CodeSearchOptions extends AbortOptions {
  /** Default `literal` (as `git grep -F`); `word` as `git grep -w -F`; `regexp` RE2 syntax. */
  readonly type?: CodeSearchType
  /** Case-insensitive (as `git grep -i`). */
  readonly ignoreCase?: boolean
  /** Only this origin (its URL). */
  readonly origin?: string
  /** Only paths matching this glob (`*` within a name, `**` across `/`; no leading `/`). */
  readonly path?: string
  /** Only files of this language (highlight.js name or a file extension: `js`, `python`). */
  readonly language?: string
  /** Lines of context around each match (default 2, at most 10). */
  readonly context?: number
  /** Files per page (default 20). */
  readonly limit?: number
  /** Files skipped (paging). */
  readonly offset?: number
  /** Time the search may take, in milliseconds (default 2000); then the answer is partial. */
  readonly timeLimitMs?: number
  /**
   * Characters of text read on, once the page and one more file are found, to count the total
   * in a sample of the files not walked (default 2 MiB); when the sample is not the whole rest,
   * the total is an estimate.
   */
  readonly countMaxBytes?: number
  /** Leave out masked contents and origins (the masking layer sets it). */
  readonly excludeMasked?: boolean
}

/** A line shown with a match. */
export interface CodeLine {
  readonly line: number
  readonly text: string
  /** Whether the line itself matches. */
  readonly match: boolean
}

/** A run of consecutive matching lines, with context. */
export interface CodeMatch {
  /** First and last matching line (1-based). */
  readonly lines: readonly [number, number]
  /** The content SWHID qualified down to the line range. */
  readonly swhid: string
  readonly context: readonly CodeLine[]
}

/** One file with matches. */
export interface CodeSearchHit {
  readonly origin: string
  /** Path in the indexed tree, no leading `/` (raw bytes decoded as UTF-8). */
  readonly path: string
  readonly content: string
  readonly visit: number
  readonly snapshot: string
  /** The revision the file was indexed from ('' when the anchor is not a revision). */
  readonly revision: string
  /**
   * The SWHID of what the file was indexed from: a revision, or for tarball and package origins
   * the release naming the tree (or the directory itself); null when none.
   */
  readonly anchor: string | null
  readonly language: string | null
  /** The content SWHID with origin, visit, anchor and path qualifiers. */
  readonly swhid: string
  /** Number of matching lines in the file. */
  readonly matchCount: number
  /** The first runs of matching lines (at most 20). */
  readonly matches: readonly CodeMatch[]
}

/** A page of hits. */
export interface CodeSearchPage {
  readonly results: readonly CodeSearchHit[]
  /** Files matching (over all pages). */
  readonly total: number
  /**
   * True when not every candidate could be checked (time limit, or a pattern without three
   * required characters in a row over more text than a bounded scan reads): the results and
   * the total are then a lower bound.
   */
  readonly partial: boolean
  /**
   * False when the search stopped counting once the page (and one more file) was found and a
   * bounded count ran out: `total` is then an estimate, at least the files found so far.
   */
  readonly totalExact: boolean
}

/** What an indexing run did. */
export interface CodeIndexStats {
  /** Origins (re)indexed. */
  origins: number
  /** Files recorded in the index (all origins). */
  files: number
  /** Distinct contents read and added as text. */
  indexed: number
  /** Distinct contents recorded as not searchable (binary, not UTF-8, too large, absent). */
  skipped: number
  /** Bytes of text added. */
  bytes: number
}

/** The code search capability of a storage backend. */
export interface CodeSearchStorage {
  codeSearch(query: string, options?: CodeSearchOptions): Promise<CodeSearchPage>
}

/** Whether `s` offers code search. */
export function hasCodeSearch(s: unknown): s is CodeSearchStorage {
  return typeof (s as Partial<CodeSearchStorage>).codeSearch === 'function'
}
