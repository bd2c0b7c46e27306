/**
 * What a Subversion file becomes in the archive, as Software Heritage's svn loader records it:
 * the file `svn export --ignore-keywords` writes on a POSIX system. Keywords (`$Id$`, `$Rev$`,
 * …) stay as stored (unexpanded); `svn:eol-style` translates every line ending (CRLF, CR, LF)
 * to the style's (`native` is LF); `svn:special` with a first line `link TARGET` is a symbolic
 * link to TARGET, any other special file is a regular file holding its first line;
 * `svn:executable` makes a regular file executable.
 *
 * @module
 */

import type { SvnProps } from './dump.js'

/** The properties that change what a file becomes. */
export interface FileProps {
  /** The `svn:eol-style` value, or null. */
  readonly eol: string | null
  readonly special: boolean
  readonly executable: boolean
}

/** A file with none of the properties that matter. */
export const PLAIN: FileProps = { eol: null, special: false, executable: false }

/** The properties of a node's full property list that matter. */
export function filePropsOf(props: SvnProps): FileProps {
  const eol = props.get('svn:eol-style')
  return {
    eol: eol === undefined ? null : Buffer.from(eol).toString('latin1').trim(),
    special: props.has('svn:special'),
    executable: props.has('svn:executable'),
  }
}

/** Whether two property sets make the same file from the same text. */
export function samePropsEffect(a: FileProps, b: FileProps): boolean {
  return a.eol === b.eol && a.special === b.special && a.executable === b.executable
}

const EOL_BYTES: Readonly<Record<string, Uint8Array>> = {
  native: Uint8Array.of(0x0a),
  LF: Uint8Array.of(0x0a),
  CRLF: Uint8Array.of(0x0d, 0x0a),
  CR: Uint8Array.of(0x0d),
}

/** Every line ending of `text` (CRLF, lone CR, lone LF) replaced by `eol`. */
export function translateEol(text: Uint8Array, eol: Uint8Array): Uint8Array {
  let count = 0
  for (let i = 0; i < text.length; i++) if (text[i] === 0x0a || text[i] === 0x0d) count++
  if (count === 0) return text
  const out = new Uint8Array(text.length + count * eol.length)
  let o = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c !== 0x0d && c !== 0x0a) {
      out[o++] = c
      continue
    }
    if (c === 0x0d && text[i + 1] === 0x0a) i++
    out.set(eol, o)
    o += eol.length
  }
  return out.subarray(0, o)
}

/** What a file is in the archive: its bytes and git mode. */
export interface ArchivedFile {
  readonly data: Uint8Array
  readonly perms: number
}

/** The archived file of a stored text under `props`. */
export function archivedFile(text: Uint8Array, props: FileProps): ArchivedFile {
  if (props.special) {
    const nl = text.indexOf(0x0a)
    const first = nl < 0 ? text : text.subarray(0, nl)
    const LINK = [0x6c, 0x69, 0x6e, 0x6b, 0x20] // "link "
    if (first.length >= 5 && LINK.every((b, i) => first[i] === b)) {
      const target = first.subarray(5)
      const nul = target.indexOf(0)
      return { data: nul < 0 ? target : target.subarray(0, nul), perms: 0o120000 }
    }
    return { data: first, perms: props.executable ? 0o100755 : 0o100644 }
  }
  const eol = props.eol === null ? undefined : EOL_BYTES[props.eol]
  return {
    data: eol === undefined ? text : translateEol(text, eol),
    perms: props.executable ? 0o100755 : 0o100644,
  }
}
