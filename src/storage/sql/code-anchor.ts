/**
 * A regular-expression anchor for code search lines: a fixed-length run of characters and
 * simple classes that every match of an RE2 pattern contains (`return [0-9]{5,};` holds
 * `return ` and five digits in a row; `fn[a-z]+\(` holds `fn` and a lower-case letter), as a
 * JavaScript regular expression. Only the lines holding a match of it are tested with RE2, so a
 * pattern whose literals occur everywhere (or that has none) no longer runs RE2 over every line
 * of every text: V8 finds the anchor at native speed.
 *
 * The anchor only chooses which lines are tested: it must be found in every line that matches
 * (a necessary condition), and may be found in more. It is linear in time by construction: a
 * sequence of single-character atoms without quantifiers or alternation (at most
 * {@link MAX_ATOMS} of them), which a backtracking engine checks in at most that many steps at
 * each position. Anything not understood simply (groups, alternation, Unicode classes, case
 * folding) gives no anchor (or a shorter one): the search then tests lines as before.
 *
 * @module
 */

/** Most atoms in an anchor (and copies of one quantified atom). */
const MAX_ATOMS = 16
/** Fewest atoms for an anchor to be worth a regular-expression search. */
const MIN_ATOMS = 3

/** One single-character atom: its JavaScript source, and whether it is one exact character. */
interface Atom {
  readonly src: string
  readonly exact: boolean
}

const ANY: Atom = { src: '[^\\n]', exact: false }
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/'])
/** `c` quoted for a JavaScript `u` pattern: outside a class, and inside one (`-` too). */
const quoteChar = (c: string): string => (SYNTAX.has(c) ? `\\${c}` : c)
const quoteInClass = (c: string): string => (c === '-' ? '\\-' : quoteChar(c))
const PERL: Record<string, string> = { d: '0-9', w: '0-9A-Za-z_', s: '\\t\\n\\f\\r ' }

/** Thrown inside the parser when the pattern is beyond what anchors are derived from. */
class Unsupported extends Error {}

/**
 * The class starting after `[` at `chars[i]`: its JavaScript source (the same characters, or
 * any character when a part is not understood) and the index after `]`.
 */
function parseClass(chars: readonly string[], i: number): { atom: Atom; next: number } {
  let negated = false
  if (chars[i] === '^') {
    negated = true
    i++
  }
  let body = ''
  let understood = true
  let first = true
  while (i < chars.length && (chars[i] !== ']' || first)) {
    first = false
    const c = chars[i]!
    if (c === '[') {
      understood = false // [:alpha:] and the like
      const end = chars.indexOf(']', i + 1)
      i = end < 0 ? chars.length : end + 1
      continue
    }
    if (c === '\\') {
      const e = chars[i + 1]
      if (e === undefined) throw new Unsupported()
      if (PERL[e] !== undefined) body += PERL[e]
      else if (/[A-Za-z0-9]/.test(e))
        understood = false // \pL, \x41, \D …
      else body += quoteInClass(e)
      i += 2
      continue
    }
    body += c === '-' && body !== '' && chars[i + 1] !== ']' ? '-' : quoteInClass(c)
    i++
  }
  if (i >= chars.length) throw new Unsupported()
  if (!understood || body === '') return { atom: ANY, next: i + 1 }
  return { atom: { src: `[${negated ? '^' : ''}${body}]`, exact: false }, next: i + 1 }
}

/** `{n}`, `{n,}` or `{n,m}` at `chars[i]`: the bounds and the index after `}`, or null. */
function parseBraces(
  chars: readonly string[],
  i: number,
): { min: number; max: number; next: number } | null {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(i, i + 24).join(''))
  if (!m) return null
  const min = Number(m[1])
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
  return { min, max, next: i + m[0].length }
}

/** The runs of atoms every match holds, in pattern order (see the module notes). */
function runsOf(pattern: string): Atom[][] {
  const chars = [...pattern]
  const runs: Atom[][] = []
  let run: Atom[] = []
  const flush = (): void => {
    if (run.length > 0) runs.push(run)
    run = []
  }
  let i = 0
  while (i < chars.length) {
    const c = chars[i]!
    let atom: Atom | null = null
    if (c === '(' || c === '|' || c === ')') throw new Unsupported()
    if (c === '^' || c === '$') {
      i++
      continue // zero-width: the atoms around are still adjacent
    }
    if (c === '\\') {
      const e = chars[i + 1]
      if (e === undefined) throw new Unsupported()
      i += 2
      if (e === 'b' || e === 'B' || e === 'A' || e === 'z') continue // zero-width
      if (PERL[e] !== undefined) atom = { src: `[${PERL[e]}]`, exact: false }
      else if (e === 't') atom = { src: '\\t', exact: true }
      else if (/[A-Za-z0-9]/.test(e))
        throw new Unsupported() // \pL, \x41, \Q…\E, \D …
      else atom = { src: quoteChar(e), exact: true }
    } else if (c === '[') {
      const cls = parseClass(chars, i + 1)
      atom = cls.atom
      i = cls.next
    } else if (c === '.') {
      atom = ANY
      i++
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      throw new Unsupported() // a quantifier with nothing before it, or a literal brace
    } else {
      atom = { src: quoteChar(c), exact: true }
      i++
    }
    let min = 1
    let max = 1
    const q = chars[i]
    if (q === '*' || q === '?') [min, max, i] = [0, q === '*' ? Infinity : 1, i + 1]
    else if (q === '+') [min, max, i] = [1, Infinity, i + 1]
    else if (q === '{') {
      const braces = parseBraces(chars, i)
      if (braces === null) throw new Unsupported()
      ;({ min, max } = braces)
      i = braces.next
    }
    if (min !== max || max !== 1) if (chars[i] === '?' || chars[i] === '+') i++ // lazy, possessive
    if (min === 0) {
      flush()
      continue
    }
    for (let k = 0; k < Math.min(min, MAX_ATOMS); k++) run.push(atom)
    if (max !== min || min > MAX_ATOMS) {
      // Variable length: what follows is adjacent to the last copy only.
      flush()
      run.push(atom)
    }
  }
  flush()
  return runs
}

/** Worth of a run: its exact characters count most, classes some, any character nothing. */
const worth = (run: readonly Atom[]): number =>
  run.reduce((n, a) => n + (a.exact ? 4 : a === ANY ? 0 : 1), 0)

/**
 * The anchor of RE2 pattern `pattern` (not case-folded) as a global regular expression, or null
 * when none of {@link MIN_ATOMS}+ atoms is known to be worth more than `literal` (the longest
 * literal the search would otherwise look lines up by, if any).
 */
export function regexpAnchor(pattern: string, literal: string | null): RegExp | null {
  let runs: Atom[][]
  try {
    runs = runsOf(pattern)
  } catch {
    return null
  }
  let best: Atom[] | null = null
  for (let run of runs) {
    while (run.length > 0 && run[0] === ANY) run = run.slice(1)
    while (run.length > 0 && run.at(-1) === ANY) run = run.slice(0, -1)
    run = run.slice(0, MAX_ATOMS)
    if (run.length >= MIN_ATOMS && (best === null || worth(run) > worth(best))) best = run
  }
  if (best === null) return null
  if (literal !== null && worth(best) <= 4 * [...literal].length) return null
  try {
    return new RegExp(best.map((a) => a.src).join(''), 'gu')
  } catch {
    return null
  }
}
