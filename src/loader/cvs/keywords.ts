/**
 * RCS keyword expansion as Software Heritage's CVS loader does it for repositories it reads
 * directly (local and rsync): `$Id$`, `$Header$`, `$Revision$`, `$Date$`, `$Author$`,
 * `$State$`, `$RCSfile$`, `$Source$`, `$Log$`, `$Mdocdate$` get their values; `$Name$` and
 * `$Locker$` expand to an empty value; `-kb` and `-ko` files are left untouched; `-kk` keeps
 * the names only, `-kv` the values only. The line-by-line algorithm (cvs2gitdump's, with its
 * quirks: a keyword value is cut at 255 characters, a line with a `$` opening no keyword after
 * an expansion keeps only its rest, an excluded keyword loses its `$`) is followed exactly, so
 * that contents hash as SWH's do. Bytes are handled as latin1 strings (one character per byte).
 *
 * @module
 */

import { splitLines } from './rcs.js'

/** What a keyword expands to: the parts, in this order. */
const RCSFILE = 1 << 4
const REVISION = 1 << 5
const DATE = 1 << 1
const MDOCDATE = 1 << 9
const AUTHOR = 1 << 0
const STATE = 1 << 7
const LOG = 1 << 2
const SOURCE = 1 << 6
const NAME = 1 << 3
const LOCKER = 1 << 10
const FULLPATH = 1 << 8
const ID = RCSFILE | REVISION | DATE | AUTHOR | STATE
const HEADER = ID | FULLPATH

const KEYWORDS: readonly (readonly [string, number])[] = [
  ['Author', AUTHOR],
  ['Date', DATE],
  ['Header', HEADER],
  ['Id', ID],
  ['Log', LOG],
  ['Name', NAME],
  ['RCSfile', RCSFILE],
  ['Revision', REVISION],
  ['Source', SOURCE],
  ['State', STATE],
  ['Mdocdate', MDOCDATE],
  ['Locker', LOCKER],
]

const EXP_NONE = 1 << 0
const EXP_NAME = 1 << 1
const EXP_VAL = 1 << 2
const EXP_OLD = 1 << 4
const EXP_DEFAULT = EXP_NAME | EXP_VAL

/** How a repository's `CVSROOT/config` changes expansion. */
export interface KeywordConfig {
  /** A local keyword expanded as `Id` (`tag=X`, or `LocalKeyword=X=Id` / `=CVSHeader`). */
  readonly customId: string | null
  /** Keywords not expanded (`KeywordExpand=eDate,Name`). */
  readonly excluded: readonly string[]
}

/** Reads `CVSROOT/config` (text) the way SWH's loader does. */
export function keywordConfig(config: string | null): KeywordConfig {
  let customId: string | null = null
  const excluded: string[] = []
  for (const raw of (config ?? '').split('\n')) {
    const line = raw.trim()
    const eq = line.indexOf('=')
    if (eq < 0) continue
    const k = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (k === 'tag') customId = value
    else if (k === 'LocalKeyword') {
      const e = value.indexOf('=')
      if (e < 0) continue
      if (['Id', 'CVSHeader'].includes(value.slice(e + 1).trim()))
        customId = value.slice(0, e).trim()
    } else if (k === 'KeywordExpand' && value.startsWith('e'))
      for (const x of value.slice(1).split(',')) excluded.push(x.trim())
  }
  return { customId, excluded }
}

/** The revision whose text is expanded. */
export interface KeywordRevision {
  readonly rev: string
  /** Seconds since the epoch. */
  readonly date: number
  readonly author: Uint8Array
  readonly state: string
  readonly log: Uint8Array
}

function modeOf(flags: string | null): number {
  if (flags === null) return EXP_DEFAULT
  let fl = 0
  for (const c of flags) {
    if (c === 'k') fl |= EXP_NAME
    else if (c === 'v') fl |= EXP_VAL
    else if (c === 'o') fl |= EXP_OLD
    else if (c === 'b') fl |= EXP_NONE
    // 'l' (locker) and errors change nothing that is expanded
  }
  return fl
}

const pad = (n: number): string => String(n).padStart(2, '0')
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** `YYYY/MM/DD hh:mm:ss` in UTC. */
function rcsTime(seconds: number): string {
  const d = new Date(seconds * 1000)
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Python's `bytes.rstrip()`: ASCII whitespace only. */
function rstrip(s: string): string {
  let end = s.length
  while (end > 0 && ' \t\n\r\v\f'.includes(s[end - 1]!)) end--
  return s.slice(0, end)
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** An expander for one repository's keyword configuration. */
export class KeywordExpander {
  readonly #table: Map<string, number>
  readonly #re: RegExp
  readonly #excluded: ReadonlySet<string>

  constructor(config: KeywordConfig = { customId: null, excluded: [] }) {
    this.#table = new Map(KEYWORDS)
    if (config.customId !== null) this.#table.set(config.customId, ID)
    this.#re = new RegExp(`^[^\\n]*?\\$(${[...this.#table.keys()].map(escapeRe).join('|')})[$:]`)
    this.#excluded = new Set(config.excluded)
  }

  /**
   * The checked-out bytes of `text` (the revision's full text) for the file whose RCS path is
   * `filename` (as the server would name it), with keywords expanded by the file's `expand`
   * mode.
   */
  expand(
    text: Uint8Array,
    filename: Uint8Array,
    expandFlags: string | null,
    r: KeywordRevision,
  ): Uint8Array {
    const mode = modeOf(expandFlags)
    if ((mode & (EXP_NONE | EXP_OLD)) !== 0 || text.indexOf(0x24) < 0) return text
    const fname = Buffer.from(filename).toString('latin1')
    const author = Buffer.from(r.author).toString('latin1')
    // Lines without a `$` are kept as bytes; the others are worked on as latin1 strings.
    const pieces: Uint8Array[] = []
    const out = {
      push: (t: string): void => {
        pieces.push(Buffer.from(t, 'latin1'))
      },
    }
    let changed = false
    for (const lineBytes of splitLinesUniversal(text)) {
      if (lineBytes.indexOf(0x24) < 0) {
        pieces.push(lineBytes)
        continue
      }
      let line = Buffer.from(lineBytes).toString('latin1')
      let m = this.#re.exec(line)
      if (!m) {
        pieces.push(lineBytes)
        continue
      }
      changed = true
      let expkw = 0
      let line0 = ''
      while (m !== null) {
        let logbuf: string | null = null
        const kw = m[1]!
        const kwStart = m[0].length - 1 - kw.length // index of the keyword's name
        const kwEnd = kwStart + kw.length
        const close = line.indexOf('$', kwEnd)
        if (close < 0) {
          out.push(line)
          break
        }
        const prefix = line.slice(0, kwStart - 1)
        let nextSegment = line.slice(close)
        if (this.#excluded.has(kw)) {
          line0 += prefix + kw
          m = this.#re.exec(nextSegment)
          if (m) {
            line = nextSegment
            continue
          }
          out.push(line0 + line.slice(close + 1))
          break
        }
        line = line.slice(close + 1)
        let exp = ''
        if ((mode & EXP_NAME) !== 0) {
          exp += `$${kw}`
          if ((mode & EXP_VAL) !== 0) exp += ': '
        }
        if ((mode & EXP_VAL) !== 0) {
          expkw = this.#table.get(kw)!
          if ((expkw & RCSFILE) !== 0)
            exp += ((expkw & FULLPATH) !== 0 ? fname : basename(fname)) + ' '
          if ((expkw & REVISION) !== 0) exp += r.rev + ' '
          if ((expkw & DATE) !== 0) exp += rcsTime(r.date) + ' '
          if ((expkw & MDOCDATE) !== 0) {
            const d = new Date(r.date * 1000)
            exp += `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()} `
          }
          if ((expkw & AUTHOR) !== 0) exp += author + ' '
          if ((expkw & STATE) !== 0) exp += r.state + ' '
          if ((expkw & LOG) !== 0) {
            nextSegment = nextSegment.slice(1)
            exp += ((expkw & FULLPATH) !== 0 ? fname : basename(fname)) + ' '
            logbuf = prefix + `Revision ${r.rev}  ${rcsTime(r.date)}  ${author}\n`
            for (const l of splitLinesUniversal(r.log))
              logbuf += prefix + Buffer.from(l).toString('latin1')
          }
          if ((expkw & SOURCE) !== 0) exp += fname + ' '
          if ((expkw & (NAME | LOCKER)) !== 0) exp += ' '
        }
        if ((mode & EXP_NAME) !== 0) exp += '$'
        if (logbuf !== null) out.push(prefix + exp + '\n' + logbuf)
        else line0 += prefix + exp.slice(0, 255)
        m = this.#re.exec(nextSegment)
        if (m) {
          line = nextSegment
          if ((mode & EXP_NAME) !== 0 && expkw !== 0 && (expkw & LOG) === 0 && line0.endsWith('$'))
            line0 = line0.slice(0, -1)
        } else if (logbuf !== null) out.push(line0 + rstrip(prefix) + line)
        else out.push(line0 + line)
      }
    }
    return changed ? Buffer.concat(pieces) : text
  }
}

/** Python's `bytes.splitlines(keepends=True)`: lines end at `\n`, `\r\n` or `\r`. */
export function splitLinesUniversal(text: Uint8Array): Uint8Array[] {
  if (text.indexOf(0x0d) < 0) return splitLines(text)
  const lines: Uint8Array[] = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === 0x0a || c === 0x0d) {
      if (c === 0x0d && text[i + 1] === 0x0a) i++
      lines.push(text.subarray(start, i + 1))
      start = i + 1
    }
  }
  if (start < text.length) lines.push(text.subarray(start))
  return lines
}
