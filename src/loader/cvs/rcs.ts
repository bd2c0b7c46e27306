/**
 * An RCS `,v` file parser: the admin section (head, symbols, expand mode), every delta's
 * fields (date, author, state, branches, next, commitid), and where each deltatext's log and
 * text strings are in the file. Texts are decoded only when a revision is checked out: the head
 * is the full text, every other trunk revision is an edit script (`dL N` / `aL N`) turning the
 * revision above it into it, and branch revisions are edit scripts forward from their branch
 * point. Everything is bytes; `@` inside strings is doubled.
 *
 * @module
 */

import { CorruptError } from '../../errors.js'

/** One delta of the delta section. */
export interface RcsDelta {
  /** The revision number (`1.2`, `1.1.1.1`). */
  readonly rev: string
  /** Seconds since the epoch (RCS dates are UTC). */
  readonly date: number
  readonly author: Uint8Array
  /** `Exp`, `dead`, … (an empty state reads as empty). */
  readonly state: string
  /** First revisions of the branches starting here. */
  readonly branches: readonly string[]
  /** The next revision: down the trunk, forward on a branch; empty at the end. */
  readonly next: string
  readonly commitid: string | null
}

/** Where a string is in the file: [start, end) of the bytes between the `@`s, still quoted. */
interface Span {
  readonly start: number
  readonly end: number
}

/** A parsed `,v` file (the file's bytes are kept while it is in use). */
export interface RcsFile {
  readonly head: string
  /** Symbolic names and their revision numbers, in file order. */
  readonly symbols: ReadonlyMap<string, string>
  /** The keyword expansion mode (`b`, `o`, `kv`, …) or null when none is set. */
  readonly expand: string | null
  readonly deltas: ReadonlyMap<string, RcsDelta>
  /** The log message of `rev` (unquoted), or null when the file has no deltatext for it. */
  log(rev: string): Uint8Array | null
  /** The edit script or full text of `rev` (unquoted). */
  text(rev: string): Uint8Array | null
}

const AT = 0x40
const SEMI = 0x3b
const COLON = 0x3a

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x08 && c <= 0x0d)
}

type Token =
  | { kind: 'word'; value: string; bytes: Uint8Array }
  | { kind: 'string'; span: Span }
  | { kind: ';' | ':' }
  | { kind: 'eof' }

/** A tokenizer over the whole file. */
class Lexer {
  pos = 0
  constructor(
    readonly buf: Buffer,
    readonly name: string,
  ) {}

  next(): Token {
    const b = this.buf
    while (this.pos < b.length && isSpace(b[this.pos]!)) this.pos++
    if (this.pos >= b.length) return { kind: 'eof' }
    const c = b[this.pos]!
    if (c === SEMI || c === COLON) {
      this.pos++
      return { kind: c === SEMI ? ';' : ':' }
    }
    if (c === AT) {
      const start = ++this.pos
      for (;;) {
        const at = b.indexOf(AT, this.pos)
        if (at < 0) throw this.error('a string is not terminated')
        if (b[at + 1] === AT) {
          this.pos = at + 2
          continue
        }
        this.pos = at + 1
        return { kind: 'string', span: { start, end: at } }
      }
    }
    const start = this.pos
    while (this.pos < b.length) {
      const d = b[this.pos]!
      if (isSpace(d) || d === SEMI || d === COLON || d === AT) break
      this.pos++
    }
    const bytes = b.subarray(start, this.pos)
    return { kind: 'word', value: bytes.toString('latin1'), bytes }
  }

  peek(): Token {
    const save = this.pos
    const t = this.next()
    this.pos = save
    return t
  }

  error(what: string): CorruptError {
    return new CorruptError(`the RCS file ${this.name} is malformed: ${what} (at byte ${this.pos})`)
  }
}

/** The bytes of a quoted string, `@@` made `@`. */
export function unquote(buf: Uint8Array, span: Span): Uint8Array {
  const raw = buf.subarray(span.start, span.end)
  if (raw.indexOf(AT) < 0) return raw
  const out = Buffer.allocUnsafe(raw.length)
  let n = 0
  for (let i = 0; i < raw.length; i++) {
    out[n++] = raw[i]!
    if (raw[i] === AT) i++
  }
  return out.subarray(0, n)
}

/** An RCS date (`YY.MM.DD.hh.mm.ss`, years below 100 in the 1900s, or 4-digit years) as seconds. */
export function rcsDate(value: string): number {
  const parts = value.split('.').map((p) => Number.parseInt(p, 10))
  if (parts.length !== 6 || parts.some((p) => !Number.isFinite(p)))
    throw new CorruptError(`"${value}" is not an RCS date`)
  const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number]
  const year = y < 100 ? 1900 + y : y
  return Date.UTC(year, mo - 1, d, h, mi, s) / 1000
}

/**
 * Parses a `,v` file's bytes.
 *
 * @example
 * ```ts
 * const rcs = parseRcs(readFileSync('root/mod/a.c,v'), 'mod/a.c,v')
 * rcs.deltas.get(rcs.head)?.author
 * ```
 */
export function parseRcs(buf: Buffer, name: string): RcsFile {
  const lx = new Lexer(buf, name)
  let head = ''
  let expand: string | null = null
  const symbols = new Map<string, string>()
  const deltas = new Map<string, RcsDelta>()
  const texts = new Map<string, { log: Span | null; text: Span | null }>()

  /** The values of a phrase up to its `;` (words, strings, colons). */
  const phrase = (): Token[] => {
    const out: Token[] = []
    for (;;) {
      const t = lx.next()
      if (t.kind === ';') return out
      if (t.kind === 'eof') throw lx.error('a phrase is not terminated by ";"')
      out.push(t)
    }
  }
  const isNum = (t: Token): boolean => t.kind === 'word' && /^[0-9][0-9.]*$/.test(t.value)

  // Admin section: phrases until the first revision number (or desc).
  for (;;) {
    const t = lx.peek()
    if (t.kind === 'eof') throw lx.error('the file ends in the admin section')
    if (isNum(t) || (t.kind === 'word' && t.value === 'desc')) break
    lx.next()
    if (t.kind !== 'word') throw lx.error('a keyword was expected in the admin section')
    const values = phrase()
    if (t.value === 'head') head = values[0]?.kind === 'word' ? values[0].value : ''
    else if (t.value === 'expand') {
      const v = values[0]
      if (v?.kind === 'string') expand = Buffer.from(unquote(buf, v.span)).toString('latin1')
    } else if (t.value === 'symbols') {
      for (let i = 0; i + 2 < values.length; i += 3) {
        const s = values[i]
        const r = values[i + 2]
        if (s?.kind === 'word' && values[i + 1]?.kind === ':' && r?.kind === 'word')
          symbols.set(s.value, r.value)
      }
    }
  }

  // Delta section.
  for (;;) {
    const t = lx.next()
    if (t.kind === 'word' && t.value === 'desc') break
    if (!isNum(t) || t.kind !== 'word')
      throw lx.error('a revision number was expected in the delta section')
    let date = 0
    let author: Uint8Array = new Uint8Array()
    let state = ''
    let branches: string[] = []
    let next = ''
    let commitid: string | null = null
    for (;;) {
      const k = lx.peek()
      if (isNum(k) || (k.kind === 'word' && k.value === 'desc')) break
      lx.next()
      if (k.kind !== 'word') throw lx.error(`a keyword was expected in delta ${t.value}`)
      const values = phrase()
      const first = values[0]
      const word = first?.kind === 'word' ? first : null
      const strOrWord = (): Uint8Array =>
        word ? word.bytes : first?.kind === 'string' ? unquote(buf, first.span) : new Uint8Array()
      if (k.value === 'date') date = rcsDate(word?.value ?? '')
      else if (k.value === 'author') author = Buffer.from(strOrWord())
      else if (k.value === 'state') state = Buffer.from(strOrWord()).toString('latin1')
      else if (k.value === 'branches')
        branches = values.flatMap((v) => (v.kind === 'word' ? [v.value] : []))
      else if (k.value === 'next') next = word?.value ?? ''
      else if (k.value === 'commitid') commitid = word?.value ?? null
    }
    deltas.set(t.value, { rev: t.value, date, author, state, branches, next, commitid })
  }
  const desc = lx.next()
  if (desc.kind !== 'string') throw lx.error('desc has no string')

  // Deltatexts: num, log string, new phrases, text string.
  for (;;) {
    const t = lx.next()
    if (t.kind === 'eof') break
    if (!isNum(t) || t.kind !== 'word')
      throw lx.error('a revision number was expected in the deltatext section')
    let log: Span | null = null
    let text: Span | null = null
    for (;;) {
      const k = lx.peek()
      if (k.kind === 'eof' || isNum(k)) break
      lx.next()
      if (k.kind !== 'word') throw lx.error(`a keyword was expected in deltatext ${t.value}`)
      if (k.value === 'log' || k.value === 'text') {
        const s = lx.next()
        if (s.kind !== 'string') throw lx.error(`${k.value} of ${t.value} is not a string`)
        if (k.value === 'log') log = s.span
        else text = s.span
        if (k.value === 'text') break
      } else phrase()
    }
    texts.set(t.value, { log, text })
  }

  return {
    head,
    symbols,
    expand,
    deltas,
    log(rev) {
      const s = texts.get(rev)?.log
      return s ? unquote(buf, s) : null
    },
    text(rev) {
      const s = texts.get(rev)?.text
      return s ? unquote(buf, s) : null
    },
  }
}

/** The lines of a text, each with its `\n` (the last may have none). */
export function splitLines(text: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = []
  let start = 0
  for (;;) {
    const nl = text.indexOf(0x0a, start)
    if (nl < 0) break
    lines.push(text.subarray(start, nl + 1))
    start = nl + 1
  }
  if (start < text.length) lines.push(text.subarray(start))
  return lines
}

/** A text and where its lines start (one entry per line, then the length). */
export interface LineText {
  readonly bytes: Buffer
  readonly starts: Uint32Array
}

/** Indexes the lines of `bytes`. */
export function lineText(bytes: Buffer): LineText {
  let n = 0
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++
  const last = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? 1 : 0
  const starts = new Uint32Array(n + last + 1)
  let k = 0
  let start = 0
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    starts[k++] = start
    start = i + 1
  }
  if (last) starts[k++] = start
  starts[k] = bytes.length
  return { bytes, starts }
}

/**
 * Applies an RCS edit script to the text it was made from. The result is built from ranges of
 * the old text and of the script, never line by line.
 */
export function applyEdits(text: LineText, script: Uint8Array, where: string): LineText {
  const cmds = lineText(Buffer.from(script.buffer, script.byteOffset, script.byteLength))
  const nLines = text.starts.length - 1
  const pieces: Buffer[] = []
  const from = (a: number, b: number): void => {
    if (b > a) pieces.push(text.bytes.subarray(text.starts[a], text.starts[b]))
  }
  let pos = 0 // lines of the old text consumed
  const nCmds = cmds.starts.length - 1
  for (let i = 0; i < nCmds; i++) {
    const cmd = cmds.bytes.subarray(cmds.starts[i], cmds.starts[i + 1]).toString('latin1')
    const m = /^([ad])(\d+) (\d+)\s*$/.exec(cmd)
    if (!m) throw new CorruptError(`${where}: "${cmd.trim()}" is not an RCS edit command`)
    const at = Number(m[2])
    const count = Number(m[3])
    if (m[1] === 'd') {
      if (at < 1 || at - 1 < pos || at - 1 + count > nLines)
        throw new CorruptError(`${where}: "${cmd.trim()}" deletes lines that are not there`)
      from(pos, at - 1)
      pos = at - 1 + count
    } else {
      if (at < pos || at > nLines)
        throw new CorruptError(`${where}: "${cmd.trim()}" adds after a line that is not there`)
      if (i + count >= nCmds)
        throw new CorruptError(`${where}: "${cmd.trim()}" adds lines that are not there`)
      from(pos, at)
      pos = at
      pieces.push(cmds.bytes.subarray(cmds.starts[i + 1], cmds.starts[i + 1 + count]))
      i += count
    }
  }
  from(pos, nLines)
  return lineText(Buffer.concat(pieces))
}

/** The branch a revision is on (`1.1.1` for `1.1.1.3`, `1` for `1.4`). */
export function branchOf(rev: string): string {
  return rev.slice(0, rev.lastIndexOf('.'))
}

/**
 * Calls `visit(rev, text)` with the full text of every revision in `wanted`: down the trunk
 * from the head, and forward along the branches that hold a wanted revision. Only the texts
 * being walked are in memory.
 */
export async function walkTexts(
  rcs: RcsFile,
  wanted: ReadonlySet<string>,
  name: string,
  visit: (rev: string, text: Buffer) => void | Promise<void>,
): Promise<void> {
  const wantedBranches = new Set([...wanted].filter((r) => r.split('.').length > 2).map(branchOf))
  let left = wanted.size
  let text: LineText | null = null
  let rev = rcs.head
  const seen = new Set<string>()
  while (rev !== '' && left > 0) {
    if (seen.has(rev)) throw new CorruptError(`the RCS file ${name} has a loop at ${rev}`)
    seen.add(rev)
    const delta = rcs.deltas.get(rev)
    const t = rcs.text(rev)
    if (!delta || !t) throw new CorruptError(`the RCS file ${name} lacks revision ${rev}`)
    text =
      text === null
        ? lineText(Buffer.from(t.buffer, t.byteOffset, t.byteLength))
        : applyEdits(text, t, `${name} ${rev}`)
    if (wanted.has(rev)) {
      await visit(rev, text.bytes)
      left--
    }
    for (const start of delta.branches) {
      if (!wantedBranches.has(branchOf(start))) continue
      let btext = text
      let b = start
      while (b !== '' && left > 0) {
        const bd = rcs.deltas.get(b)
        const bt = rcs.text(b)
        if (!bd || !bt || seen.has(b))
          throw new CorruptError(`the RCS file ${name} lacks revision ${b}`)
        seen.add(b)
        btext = applyEdits(btext, bt, `${name} ${b}`)
        if (wanted.has(b)) {
          await visit(b, btext.bytes)
          left--
        }
        b = bd.next
      }
    }
    rev = delta.next
  }
}
