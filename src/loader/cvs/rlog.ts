/**
 * A parser of `rlog` output (what a CVS server sends for `rlog module`), read line by line from
 * a scratch file, as Software Heritage's loader reads it over pserver: per file the `RCS file:`
 * path and symbolic names, then each revision's number, date (`YYYY/MM/DD hh:mm:ss` or
 * `YYYY-MM-DD hh:mm:ss ±zzzz`, the offset ignored as SWH does), author, state, commitid and log
 * message (the lines up to the separator; lines starting with `branches:` are not part of it).
 * An entry whose date line does not parse is left out; an error line from the server ends the
 * listing.
 *
 * @module
 */

import { createReadStream } from 'node:fs'

import type { RcsDelta } from './rcs.js'

/** One file of an rlog listing. */
export interface RlogFile {
  /** The `RCS file:` path as the server gave it. */
  readonly path: Buffer
  readonly symbols: ReadonlyMap<string, string>
  readonly deltas: ReadonlyMap<string, RcsDelta>
  readonly logs: ReadonlyMap<string, Buffer>
}

const ENTRY_END = '-'.repeat(28) + '\n'
const LOG_END = '='.repeat(77) + '\n'
const LOG_ERROR = /^(?:rlog: )*(.*,v)(?::\d+)?: (.*)$/s
const CVSNT_ERROR =
  /^(?:cvs rcsfile: |cvs \[rcsfile aborted\]: )(?:`(.*,v)' |cannot open (.*,v): |(.*,v): |)(.*)$/s
const INFO =
  /^date:\s+([^;]+);\s+author:\s+([^;]+);\s+state:\s+([^;]+);(\s+lines:\s+([0-9\s+-]+);?)?(\s+commitid:\s+([a-zA-Z0-9]+);)?\n$/
const REV = /^revision\s+([0-9.]+)/

/** The lines of a file, each with its `\n`. */
async function* lines(path: string): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0)
  for await (const chunk of createReadStream(path)) {
    let buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
    let start = 0
    for (;;) {
      const nl = buf.indexOf(0x0a, start)
      if (nl < 0) break
      yield buf.subarray(start, nl + 1)
      start = nl + 1
    }
    buf = buf.subarray(start)
    rest = Buffer.from(buf)
  }
  if (rest.length > 0) yield rest
}

/** An rlog date as seconds since the epoch (two-digit years as rlog means them). */
export function rlogDate(text: string): number | null {
  const m =
    /^(\d+)\/(\d+)\/(\d+) (\d+):(\d+):(\d+)$/.exec(text) ??
    /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+) [+-]\d{4}$/.exec(text)
  if (!m) return null
  let year = Number(m[1])
  if (year < 1970) {
    if (year - 1900 < 70) year += 100
    if (year < 1970) return null
  }
  return (
    Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000
  )
}

/** Python's `bytes.decode('utf-8', 'ignore').encode('utf-8')`: invalid sequences dropped. */
export function dropInvalidUtf8(b: Uint8Array): Buffer {
  const s = new TextDecoder('utf-8', { fatal: false }).decode(b)
  if (!s.includes('\uFFFD')) return Buffer.from(b)
  // Keep real U+FFFD characters (EF BF BD), drop replacements of invalid bytes.
  const out: string[] = []
  let i = 0
  const dec = new TextDecoder('utf-8', { fatal: true })
  while (i < b.length) {
    let ok = false
    for (let n = 1; n <= 4 && i + n <= b.length; n++) {
      try {
        out.push(dec.decode(b.subarray(i, i + n)))
        i += n
        ok = true
        break
      } catch {
        // try a longer sequence
      }
    }
    if (!ok) i++
  }
  return Buffer.from(out.join(''), 'utf8')
}

/** Reads an rlog listing, calling `onFile` for each file with at least its header. */
export async function parseRlog(
  path: string,
  onFile: (f: RlogFile) => void | Promise<void>,
): Promise<void> {
  const it = lines(path)[Symbol.asyncIterator]()
  const next = async (): Promise<Buffer | null> => {
    const r = await it.next()
    return r.done ? null : r.value
  }
  for (;;) {
    // Header.
    let filename: Buffer | null = null
    const symbols = new Map<string, string>()
    let state = 0
    let end: 'eof' | 'error' | 'file' | 'entries' = 'eof'
    for (;;) {
      const line = await next()
      if (line === null) break
      const s = line.toString('latin1')
      if (state === 1) {
        if (s.startsWith('\t')) {
          const [tag, rev] = s.split(':').map((x) => x.trim())
          if (tag !== undefined && rev !== undefined) symbols.set(tag, rev)
        } else state = 0
      }
      if (state === 2) {
        if (!s.startsWith('\t')) state = 0
      }
      if (state !== 0) continue
      if (s.startsWith('RCS file:')) filename = line.subarray(10, -1)
      else if (s.startsWith('locks:')) state = 2
      else if (s.startsWith('symbolic names')) state = 1
      else if (s === ENTRY_END) {
        end = 'entries'
        break
      } else if (s === LOG_END) {
        end = 'file'
        break
      } else if (CVSNT_ERROR.test(s)) {
        end = 'error'
        break
      } else {
        const e = LOG_ERROR.exec(s)
        if (e && !e[2]!.startsWith('warning: Unknown phrases like ')) {
          end = 'error'
          break
        }
      }
    }
    if (end === 'error' || end === 'eof') return
    const deltas = new Map<string, RcsDelta>()
    const logs = new Map<string, Buffer>()
    let eof = false
    while (end === 'entries') {
      const first = await next()
      if (first === null) {
        eof = true
        break
      }
      if (first.toString('latin1') === LOG_END) break
      let rev: string | null = null
      let info: RegExpExecArray | null = null
      if (first.toString('latin1').startsWith('revision')) {
        const m = REV.exec(first.toString('latin1'))
        if (!m) return
        rev = m[1]!
        const l = await next()
        if (l === null) return
        info = INFO.exec(l.toString('latin1'))
      }
      const log: Buffer[] = []
      let fileDone = false
      for (;;) {
        const l = await next()
        if (l === null) {
          eof = true
          break
        }
        const s = l.toString('latin1')
        if (s.startsWith('branches:')) continue
        if (s === ENTRY_END) break
        if (s === LOG_END) {
          fileDone = true
          break
        }
        log.push(l)
      }
      if (rev !== null && info !== null) {
        const date = rlogDate(info[1]!)
        if (date !== null) {
          deltas.set(rev, {
            rev,
            date,
            author: dropInvalidUtf8(Buffer.from(info[2]!, 'latin1')),
            state: info[3]!,
            branches: [],
            next: '',
            commitid: info[7] ?? null,
          })
          logs.set(rev, Buffer.concat(log))
        }
      }
      if (eof || fileDone) break
    }
    if (filename !== null) await onFile({ path: filename, symbols, deltas, logs })
    if (eof) return
  }
}
