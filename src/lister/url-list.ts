/**
 * A plain list of URLs (bulk save): a file of `URL [VISIT_TYPE]` lines (blank lines and `#`
 * comments skipped), read 500 lines a page from the byte offset the state holds (with the line
 * number), so a stopped listing resumes at its line and memory does not grow with the file.
 * Every URL is checked as Save Code Now checks a request: the visit type (given, or detected)
 * must be loadable, the URL valid by Software Heritage's rules (`validateOriginUrl`), not under
 * an unauthorized prefix, and allowed by the network safety check (`checkUrl`, SSRF). A line
 * that fails is not listed: it is reported (`onReject`) with its number and the reason.
 *
 * @module
 */

import { open } from 'node:fs/promises'
import { resolve } from 'node:path'

import { CorruptError, isArcaError } from '../errors.js'
import { checkUrl, type NetPolicy } from '../net/index.js'
import { type ListedOriginInit, matchesPrefix, validateOriginUrl } from '../scheduler/index.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** A line that was not listed. */
export interface UrlListRejection {
  /** 1-based. */
  readonly line: number
  readonly text: string
  readonly reason: string
}

/** Settings of a {@link UrlListLister}. */
export interface UrlListInit {
  /** The visit types the archive loads (the loader registry's). */
  readonly visitTypes: readonly string[]
  /** What URLs may reach (the same policy as Save Code Now's). */
  readonly policy: NetPolicy
  /** The unauthorized URL prefixes (Save Code Now's list), read once per page. */
  readonly unauthorized?: () => Promise<readonly string[]>
  /** Detects the visit type of a line without one (null: unknown). */
  readonly detect?: (url: string) => Promise<string | null>
  /** Told of every rejected line. */
  readonly onReject?: (r: UrlListRejection) => void
}

/** Longest line (longer ones are rejected). */
export const MAX_URL_LINE = 8192

/**
 * One line of a URL list, `URL [VISIT_TYPE]` (blank and `#` lines: null), or why it is not
 * one (`raw` null: a line that was not UTF-8 or was too long). The URL is not checked here.
 */
export function parseUrlLine(
  raw: string | null,
): { url: string; visitType: string | undefined } | { reason: string } | null {
  if (raw === null) return { reason: `not UTF-8 text, or longer than ${MAX_URL_LINE} bytes` }
  const text = raw.trim()
  if (text === '' || text.startsWith('#')) return null
  const cols = text.split(/\s+/)
  if (cols.length > 2) return { reason: `expected "URL [VISIT_TYPE]", got ${cols.length} columns` }
  return { url: cols[0]!, visitType: cols[1] }
}

/** Lines a page. */
const PAGE_LINES = 500
const MAX_LINE = MAX_URL_LINE
const CHUNK = 64 * 1024

/** The lister of a file of URLs. */
export class UrlListLister implements Lister {
  readonly type = 'url-list'
  readonly url: string
  readonly #init: UrlListInit

  constructor(path: string, init: UrlListInit) {
    this.url = resolve(path)
    this.#init = init
  }

  initialState(): ListerState {
    return { line: 0, byte: 0 }
  }

  resumeAfterComplete(): ListerState {
    return this.initialState()
  }

  async page(state: ListerState, _http?: unknown): Promise<ListerPage> {
    const line = Number(state['line'] ?? 0)
    const byte = Number(state['byte'] ?? 0)
    if (!Number.isSafeInteger(line) || !Number.isSafeInteger(byte) || line < 0 || byte < 0)
      throw new CorruptError(`url-list state: bad line/byte offsets ${JSON.stringify(state)}`)
    const { lines, next, eof } = await readLines(this.url, byte, PAGE_LINES)
    const unauthorized = (await this.#init.unauthorized?.()) ?? []
    const origins: ListedOriginInit[] = []
    const seen = new Set<string>()
    for (const [i, raw] of lines.entries()) {
      const n = line + i + 1
      const o = await this.#check(raw, unauthorized)
      if (o === null) continue
      if ('reason' in o)
        this.#init.onReject?.({ line: n, text: (raw ?? '').slice(0, 300), reason: o.reason })
      else if (!seen.has(`${o.visitType} ${o.url}`)) {
        // a line repeated within a page is listed once
        seen.add(`${o.visitType} ${o.url}`)
        origins.push(o)
      }
    }
    return {
      origins,
      next: eof ? null : { line: line + lines.length, byte: next },
    }
  }

  /** The origin of a line, null for a blank or comment line, or why it is refused. */
  async #check(
    raw: string | null,
    unauthorized: readonly string[],
  ): Promise<ListedOriginInit | { reason: string } | null> {
    const parsed = parseUrlLine(raw)
    if (parsed === null || 'reason' in parsed) return parsed
    const { url, visitType: given } = parsed
    try {
      validateOriginUrl(url)
    } catch (e) {
      return { reason: e instanceof Error ? e.message : String(e) }
    }
    const types = this.#init.visitTypes
    if (given !== undefined && !types.includes(given))
      return {
        reason: `Visit of type ${given} cannot be saved! Allowed types are the following: ${[...types].sort().join(', ')}`,
      }
    if (matchesPrefix(url, unauthorized))
      return { reason: 'The origin URL is under a prefix not allowed to be archived.' }
    const refused = await checkUrl(url, this.#init.policy, { allowUnresolved: true })
    if (refused !== null) return { reason: refused }
    let visitType = given ?? null
    if (visitType === null) {
      try {
        visitType = (await this.#init.detect?.(url)) ?? null
      } catch (e) {
        if (!isArcaError(e)) throw e
        return { reason: e.message }
      }
      if (visitType === null) return { reason: 'the visit type could not be detected; give it' }
    }
    return { url, visitType }
  }
}

/**
 * Up to `max` lines of `path` from byte `start` (each null if it is not UTF-8 or too long),
 * the byte offset after them, and whether the file ended.
 */
async function readLines(
  path: string,
  start: number,
  max: number,
): Promise<{ lines: (string | null)[]; next: number; eof: boolean }> {
  const fh = await open(path, 'r')
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    const { size } = await fh.stat()
    if (start > size)
      throw new CorruptError(
        `${path}: the saved offset (byte ${start}) is past the end of the file (${size} bytes): ` +
          'the list changed since the last run',
      )
    const lines: (string | null)[] = []
    let pos = start
    let pending: Buffer[] = []
    let pendingLen = 0
    let lineStart = start
    const buf = Buffer.alloc(CHUNK)
    const take = (bytes: Buffer | null): void => {
      if (bytes === null || bytes.length > MAX_LINE) return void lines.push(null)
      try {
        lines.push(decoder.decode(bytes).replace(/\r$/, ''))
      } catch {
        lines.push(null)
      }
    }
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos)
      if (bytesRead === 0) {
        if (pendingLen > 0) take(pendingLen > MAX_LINE ? null : Buffer.concat(pending))
        return { lines, next: pos, eof: true }
      }
      let from = 0
      for (;;) {
        const nl = buf.indexOf(0x0a, from)
        if (nl < 0 || nl >= bytesRead) break
        const piece = buf.subarray(from, nl)
        take(pendingLen + piece.length > MAX_LINE ? null : Buffer.concat([...pending, piece]))
        pending = []
        pendingLen = 0
        from = nl + 1
        lineStart = pos + from
        if (lines.length === max) {
          // the file ends here exactly when nothing follows
          const probe = await fh.read(Buffer.alloc(1), 0, 1, lineStart)
          return { lines, next: lineStart, eof: probe.bytesRead === 0 }
        }
      }
      const rest = buf.subarray(from, bytesRead)
      if (pendingLen <= MAX_LINE) pending.push(Buffer.from(rest))
      pendingLen += rest.length
      pos += bytesRead
    }
  } finally {
    await fh.close()
  }
}
