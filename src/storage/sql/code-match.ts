/**
 * Code search queries compiled: a line matcher with `git grep`'s semantics (literal as `-F`,
 * word as `-w`, regular expression in RE2 syntax, linear time) and the literals every match must
 * contain, as alternatives of conjunctions, from which the trigram index narrows the candidates.
 *
 * The literal extraction is conservative: it only ever drops requirements (a quantified atom,
 * a class, an escape, a too large alternation), so a content that matches always holds every
 * literal of one alternative; a pattern with no literal of three characters in a row gets none
 * (the search then reads contents in a bounded scan).
 *
 * @module
 */

import { RE2JS, RE2JSException } from 're2js'

import { InvalidInputError } from '../../errors.js'
import type { CodeSearchType } from '../code-search.js'
import { regexpAnchor } from './code-anchor.js'

/** Longest accepted query, in characters. */
export const CODE_QUERY_MAX_LENGTH = 1000
/** Most alternatives kept in a requirement (larger products drop a factor). */
const MAX_ALTERNATIVES = 16
/** Shortest literal the trigram index can look up. */
export const MIN_LITERAL = 3

/** Alternatives (OR) of literals that must all occur (AND). `[[]]`: no requirement. */
export type Requirement = string[][]

/** A compiled query. */
export interface CodeMatcher {
  /** Whether one line (without its line feed) matches. */
  readonly testLine: (line: string) => boolean
  /** False only when no line of `text` can match (a fast whole-text check). */
  readonly mayMatch: (text: string) => boolean
  /** Literals of 3+ characters every match contains (alternatives), or null: none known. */
  readonly required: Requirement | null
  /** Whether every match holds the `required` literals case and all (no case folding). */
  readonly requiredExact: boolean
  /** A string every matching line contains, case and all (lines without it are not tested). */
  readonly anchor: string | null
  /**
   * A regular expression (global, linear: see code-anchor.ts) every matching line holds a match
   * of, when it says more than `anchor`; only the lines holding one are tested.
   */
  readonly anchorRe: RegExp | null
}

const WORD = '[0-9A-Za-z_]'

/** Compiles `query` as `type`; a bad query is an {@link InvalidInputError} naming why. */
export function compileCodeQuery(
  query: string,
  type: CodeSearchType,
  ignoreCase: boolean,
): CodeMatcher {
  if (query.length === 0) throw new InvalidInputError('Empty code search query')
  if (query.length > CODE_QUERY_MAX_LENGTH)
    throw new InvalidInputError(
      `Code search query too long (${query.length} characters, at most ${CODE_QUERY_MAX_LENGTH})`,
    )
  if (/[\n\r]/.test(query))
    throw new InvalidInputError('A code search query matches within one line: no line breaks')
  const flags = ignoreCase ? RE2JS.CASE_INSENSITIVE : 0
  let source: string
  if (type === 'literal') source = RE2JS.quote(query)
  else if (type === 'word')
    source = `(?:^|[^0-9A-Za-z_])${RE2JS.quote(query)}(?:${WORD.replace('[', '[^')}|$)`
  else source = query
  let lineRe: RE2JS
  let textRe: RE2JS
  try {
    lineRe = RE2JS.compile(source, flags)
    textRe = RE2JS.compile(source, flags | RE2JS.MULTILINE)
  } catch (e) {
    const why = e instanceof RE2JSException ? `: ${e.message}` : ''
    throw new InvalidInputError(`Invalid regular expression "${query}"${why}`, { cause: e })
  }
  const required = type === 'regexp' ? regexpRequirement(query) : literalRequirement(query)
  if (type !== 'regexp' && !ignoreCase) {
    return {
      testLine: (line) => line.includes(query) && (type === 'literal' || lineRe.test(line)),
      mayMatch: (text) => text.includes(query),
      required,
      requiredExact: true,
      anchor: query,
      anchorRe: null,
    }
  }
  // A regular expression's literal is exact only when no flag folds case.
  const folds = ignoreCase || /\(\?[a-zA-Z-]*i/.test(query)
  const anchor =
    type === 'regexp' && !folds && required?.length === 1
      ? required[0]!.reduce((a, x) => (x.length > a.length ? x : a), '')
      : null
  const anchorRe = type === 'regexp' && !folds ? regexpAnchor(query, anchor || null) : null
  return {
    testLine: (line) => lineRe.test(line),
    mayMatch: (text) => textRe.test(text),
    required,
    requiredExact: !folds,
    anchor: anchor || null,
    anchorRe,
  }
}

function literalRequirement(lit: string): Requirement | null {
  return [...lit].length >= MIN_LITERAL ? [[lit]] : null
}

/** Requirement `a AND b`. */
function and(a: Requirement, b: Requirement): Requirement {
  if (a.length * b.length > MAX_ALTERNATIVES) return a.length <= b.length ? a : b
  return a.flatMap((x) => b.map((y) => [...x, ...y]))
}

/** Requirement `a OR b` (no requirement when either has none). */
function or(a: Requirement, b: Requirement): Requirement {
  if (a.some((x) => x.length === 0) || b.some((x) => x.length === 0)) return [[]]
  const all = [...a, ...b]
  return all.length > MAX_ALTERNATIVES ? [[]] : all
}

/** The literals a match of RE2 pattern `pattern` must contain, or null. */
export function regexpRequirement(pattern: string): Requirement | null {
  const chars = [...pattern]
  let i = 0
  const peek = (): string | undefined => chars[i]

  /** Consumes a quantifier if one follows: 'none', 'optional' (may be absent) or 'some'. */
  const quantifier = (): 'none' | 'optional' | 'some' => {
    const c = peek()
    let q: 'none' | 'optional' | 'some' = 'none'
    if (c === '*' || c === '?') {
      i++
      q = 'optional'
    } else if (c === '+') {
      i++
      q = 'some'
    } else if (c === '{') {
      const rest = chars.slice(i).join('')
      const m = /^\{(\d*)(,\d*)?\}/.exec(rest)
      if (!m) return 'none' // a literal "{"
      i += [...m[0]].length
      q = m[1] === '' || Number(m[1]) === 0 ? 'optional' : 'some'
    } else return 'none'
    if (peek() === '?' || peek() === '+') i++ // lazy / possessive
    return q === 'some' && c !== '{' ? 'some' : q
  }

  const alternation = (): Requirement => {
    let acc = sequence()
    while (peek() === '|') {
      i++
      acc = or(acc, sequence())
    }
    return acc
  }

  const sequence = (): Requirement => {
    let req: Requirement = [[]]
    let run = ''
    const flush = (): void => {
      if (run !== '') req = and(req, [[run]])
      run = ''
    }
    for (;;) {
      const c = peek()
      if (c === undefined || c === '|' || c === ')') break
      i++
      if (c === '(') {
        if (peek() === '?') {
          // (?flags) sets flags: no atom; (?:…), (?flags:…), (?P<n>…), (?<n>…) group.
          const rest = chars.slice(i).join('')
          const setter = /^\?[a-zA-Z-]*\)/.exec(rest)
          if (setter) {
            i += setter[0].length
            continue
          }
          const head = /^\?(?:[a-zA-Z-]*:|P?<[^>]*>)/.exec(rest)
          if (head) i += [...head[0]].length
          else throw new Error('unknown group') // caught below: no requirement
        }
        const inner = alternation()
        if (peek() !== ')') throw new Error('unclosed group')
        i++
        const q = quantifier()
        flush()
        if (q !== 'optional') req = and(req, inner)
        continue
      }
      let literal: string | null = null
      if (c === '\\') {
        const e = peek()
        if (e === undefined) throw new Error('trailing backslash')
        i++
        if (e === 'Q') {
          const end = chars.indexOf('\\', i)
          const stop = end >= 0 && chars[end + 1] === 'E' ? end : chars.length
          run += chars.slice(i, stop).join('')
          i = stop >= chars.length ? stop : stop + 2
          continue
        }
        if (/[pP]/.test(e) && peek() === '{') i = Math.max(i, chars.indexOf('}', i) + 1)
        else if (/[pP]/.test(e)) i++
        else if (e === 'x' && peek() === '{') i = Math.max(i, chars.indexOf('}', i) + 1)
        else if (e === 'x') i += 2
        else if (/[0-7]/.test(e)) while (/[0-7]/.test(peek() ?? '')) i++
        else if (!/[A-Za-z0-9]/.test(e)) literal = e
      } else if (c === '[') {
        // A class: skip to its closing bracket (a leading ] or ^] is a member).
        if (peek() === '^') i++
        if (peek() === ']') i++
        while (i < chars.length && chars[i] !== ']') {
          if (chars[i] === '\\') i++
          else if (chars[i] === '[' && chars[i + 1] === ':') {
            const end = chars.indexOf(']', i + 2)
            i = end < 0 ? chars.length : end
          }
          i++
        }
        i++
      } else if (c !== '.' && c !== '^' && c !== '$') literal = c
      const q = quantifier()
      if (literal === null || q === 'optional') flush()
      else if (q === 'some') {
        run += literal
        flush()
      } else run += literal
    }
    flush()
    return req
  }

  let req: Requirement
  try {
    req = alternation()
  } catch {
    return null
  }
  if (i < chars.length) return null
  const kept = req.map((conj) => conj.filter((lit) => [...lit].length >= MIN_LITERAL))
  return kept.some((conj) => conj.length === 0) ? null : kept
}

/**
 * The line numbers (1-based) of `text` that match, at most `max` of them (`max` 1: whether the
 * text matches at all, stopping at its first matching line).
 */
export function matchingLines(text: string, m: CodeMatcher, max = Infinity): number[] {
  const re = m.anchorRe
  if (re !== null) {
    const find = (from: number): number => {
      re.lastIndex = from
      return re.exec(text)?.index ?? -1
    }
    return anchoredLines(text, m, find, max)
  }
  const anchor = m.anchor
  if (anchor !== null) return anchoredLines(text, m, (from) => text.indexOf(anchor, from), max)
  if (!m.mayMatch(text)) return []
  const out: number[] = []
  let start = 0
  let n = 1
  for (;;) {
    const nl = text.indexOf('\n', start)
    const line = nl < 0 ? text.slice(start) : text.slice(start, nl)
    if ((nl >= 0 || line.length > 0) && m.testLine(line) && out.push(n) >= max) break
    if (nl < 0) break
    start = nl + 1
    n++
  }
  return out
}

/**
 * The same, testing only the lines holding the anchor (`find(from)`: where the next one at or
 * after `from` starts, or -1; lines counted on).
 */
function anchoredLines(
  text: string,
  m: CodeMatcher,
  find: (from: number) => number,
  max: number,
): number[] {
  const out: number[] = []
  let n = 1
  let counted = 0 // line `n` starts at or before `counted`
  let at = find(0)
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
    if (m.testLine(text.slice(counted, lineEnd)) && out.push(n) >= max) break
    if (end < 0) break
    counted = end + 1
    n++
    at = find(counted)
  }
  return out
}
