/**
 * SWHIDs: parse and format core, extended and qualified Software Heritage identifiers, byte for
 * byte as swh-model does (SWHID spec §2 in shared/spec/swhid.md).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { fromLatin1, isSha1Hex, latin1, utf8 } from './bytes.js'

/** Object types of core and qualified SWHIDs. */
export const CORE_TYPES = ['cnt', 'dir', 'rev', 'rel', 'snp'] as const
/** One of {@link CORE_TYPES}. */
export type CoreType = (typeof CORE_TYPES)[number]
/** Object types of extended SWHIDs (internal: origins and raw extrinsic metadata). */
export const EXTENDED_TYPES = [...CORE_TYPES, 'ori', 'emd'] as const
/** One of {@link EXTENDED_TYPES}. */
export type ExtendedType = (typeof EXTENDED_TYPES)[number]

/** What a release (or a branch) points at: an object kind, by Software Heritage's names. */
export type ReleaseTargetType = 'content' | 'directory' | 'revision' | 'release' | 'snapshot'

/**
 * The SWHID type of each object kind, by the names Software Heritage's API, journal topics and
 * release targets use.
 */
export const SWHID_TYPE_OF_KIND = {
  content: 'cnt',
  directory: 'dir',
  revision: 'rev',
  release: 'rel',
  snapshot: 'snp',
} as const satisfies Readonly<Record<ReleaseTargetType, CoreType>>

/** The object kind of each core SWHID type (the inverse of {@link SWHID_TYPE_OF_KIND}). */
export const KIND_OF_SWHID_TYPE = {
  cnt: 'content',
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
} as const satisfies Readonly<Record<CoreType, ReleaseTargetType>>

/** A core SWHID: a type and a 40-hex object id. */
export interface CoreSwhid {
  readonly type: CoreType
  readonly id: string
}

/** An extended SWHID (`ori`, `emd` allowed). */
export interface ExtendedSwhid {
  readonly type: ExtendedType
  readonly id: string
}

/** Line range of the `lines` qualifier: `[from, to]`, `to` null for a single line. */
export type LineRange = readonly [number, number | null]

/** Contextual qualifiers of a SWHID. Absent means not given. */
export interface SwhidQualifiers {
  /** Origin URL, percent-decoded. */
  readonly origin?: string
  /** Snapshot of the visit. */
  readonly visit?: CoreSwhid
  /** Anchor: a dir, rev, rel or snp SWHID. */
  readonly anchor?: CoreSwhid
  /** Path, as raw bytes (percent-decoded). */
  readonly path?: Uint8Array
  readonly lines?: LineRange
}

/** A SWHID with optional qualifiers. */
export interface QualifiedSwhid extends CoreSwhid {
  readonly qualifiers: SwhidQualifiers
}

/** The qualifier keys, in canonical output order. */
export const QUALIFIER_KEYS = ['origin', 'visit', 'anchor', 'path', 'lines'] as const

const SWHID_RE = /^swh:1:(snp|rel|rev|dir|cnt|ori|emd):([0-9a-f]{40})(?:;(\S+))?$/
const CORE_SET: ReadonlySet<string> = new Set(CORE_TYPES)

function invalid(input: string, why: string): InvalidInputError {
  return new InvalidInputError(`Invalid SWHID "${input}": ${why}`, { details: { swhid: input } })
}

/** Explains which part of a string that failed the SWHID grammar is wrong. */
function explainSyntax(input: string): string {
  if (/\s/.test(input)) return 'whitespace is not allowed'
  const parts = input.split(';', 1)[0]!.split(':')
  if (parts[0] !== 'swh') return `namespace "${parts[0] ?? ''}" is not "swh"`
  if (parts.length < 4) return 'expected "swh:1:<type>:<40 hex digits>"'
  if (parts[1] !== '1') return `scheme version "${parts[1]}" is not "1"`
  if (!(EXTENDED_TYPES as readonly string[]).includes(parts[2]!)) {
    return `object type "${parts[2]}" is not one of ${CORE_TYPES.join(', ')}`
  }
  const id = parts.slice(3).join(':')
  if (!isSha1Hex(id)) {
    if (isSha1Hex(id.toLowerCase())) return `object id "${id}" must be lowercase hex`
    return `object id "${id}" is not 40 hexadecimal digits`
  }
  if (input.endsWith(';')) return 'empty qualifier after ";"'
  return 'invalid syntax'
}

interface RawParts {
  readonly type: ExtendedType
  readonly id: string
  readonly qualifiers: ReadonlyMap<string, string>
}

function splitSwhid(input: string): RawParts {
  const m = SWHID_RE.exec(input)
  if (!m) throw invalid(input, explainSyntax(input))
  const qualifiers = new Map<string, string>()
  if (m[3] !== undefined) {
    for (const piece of m[3].split(';')) {
      const eq = piece.indexOf('=')
      if (eq < 0) throw invalid(input, `qualifier "${piece}" has no "="`)
      // A repeated key: the last occurrence wins, as in swh-model.
      qualifiers.set(piece.slice(0, eq), piece.slice(eq + 1))
    }
  }
  return { type: m[1] as ExtendedType, id: m[2]!, qualifiers }
}

/**
 * Parses a core SWHID (`swh:1:<cnt|dir|rev|rel|snp>:<40 hex>`, no qualifiers).
 *
 * @example
 * ```ts
 * parseCoreSwhid('swh:1:cnt:e69de29bb2d1d6434b8b29ae775ad8c2e48c5391').type // 'cnt'
 * ```
 */
export function parseCoreSwhid(input: string): CoreSwhid {
  const parts = splitSwhid(input)
  if (parts.qualifiers.size > 0) throw invalid(input, 'a core SWHID takes no qualifiers')
  if (!CORE_SET.has(parts.type)) {
    throw invalid(input, `object type "${parts.type}" is not one of ${CORE_TYPES.join(', ')}`)
  }
  return { type: parts.type as CoreType, id: parts.id }
}

/** Parses an extended SWHID: the core types plus `ori` and `emd`, no qualifiers. */
export function parseExtendedSwhid(input: string): ExtendedSwhid {
  const parts = splitSwhid(input)
  if (parts.qualifiers.size > 0) throw invalid(input, 'an extended SWHID takes no qualifiers')
  return { type: parts.type, id: parts.id }
}

/** Why an `ori` / `emd` SWHID is refused where a qualified SWHID is expected. */
function notQualifiable(parts: RawParts): string {
  return parts.qualifiers.size > 0
    ? `object type "${parts.type}" takes no qualifiers (only ${CORE_TYPES.join(', ')} do)`
    : `object type "${parts.type}" is an extended type; expected one of ${CORE_TYPES.join(', ')}`
}

/**
 * Parses any SWHID a user may write: a core type (`cnt`, `dir`, `rev`, `rel`, `snp`) with
 * optional qualifiers, or an extended type (`ori`, `emd`) without qualifiers.
 *
 * @example
 * ```ts
 * parseSwhid('swh:1:ori:' + '0'.repeat(40)).type // 'ori'
 * ```
 */
export function parseSwhid(input: string): QualifiedSwhid | ExtendedSwhid {
  const parts = splitSwhid(input)
  if (CORE_SET.has(parts.type)) return parseQualifiedSwhid(input)
  if (parts.qualifiers.size > 0) throw invalid(input, notQualifiable(parts))
  return { type: parts.type, id: parts.id }
}

/**
 * Parses a SWHID with optional qualifiers (origin, visit, anchor, path, lines), following
 * swh-model: unknown keys are errors, a repeated key keeps its last value, `path` is decoded to
 * bytes, `origin` to text.
 *
 * @example
 * ```ts
 * const q = parseQualifiedSwhid('swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;lines=9-15')
 * q.qualifiers.lines // [9, 15]
 * ```
 */
export function parseQualifiedSwhid(input: string): QualifiedSwhid {
  const parts = splitSwhid(input)
  const unknown = [...parts.qualifiers.keys()].filter(
    (k) => !(QUALIFIER_KEYS as readonly string[]).includes(k),
  )
  if (unknown.length > 0) {
    throw invalid(input, `unknown qualifier ${unknown.map((k) => `"${k}"`).join(', ')}`)
  }
  if (!CORE_SET.has(parts.type)) throw invalid(input, notQualifiable(parts))
  const q: {
    origin?: string
    visit?: CoreSwhid
    anchor?: CoreSwhid
    path?: Uint8Array
    lines?: LineRange
  } = {}
  const origin = parts.qualifiers.get('origin')
  if (origin !== undefined) q.origin = percentDecodeText(origin)
  const visit = parts.qualifiers.get('visit')
  if (visit !== undefined) {
    const v = parseNested(input, 'visit', visit)
    if (v.type !== 'snp')
      throw invalid(input, `the "visit" qualifier must be a snp SWHID, not ${v.type}`)
    q.visit = v
  }
  const anchor = parts.qualifiers.get('anchor')
  if (anchor !== undefined) {
    const a = parseNested(input, 'anchor', anchor)
    if (a.type === 'cnt') {
      throw invalid(input, 'the "anchor" qualifier must be a dir, rev, rel or snp SWHID, not cnt')
    }
    q.anchor = a
  }
  const path = parts.qualifiers.get('path')
  if (path !== undefined) q.path = percentDecodeBytes(path)
  const lines = parts.qualifiers.get('lines')
  if (lines !== undefined) q.lines = parseLines(input, lines)
  return { type: parts.type as CoreType, id: parts.id, qualifiers: q }
}

function parseNested(input: string, key: string, value: string): CoreSwhid {
  try {
    return parseCoreSwhid(value)
  } catch {
    throw invalid(input, `the "${key}" qualifier "${value}" is not a core SWHID`)
  }
}

/**
 * Line numbers follow the SWHID grammar: ASCII digits only (leading zeros dropped). swh-model's
 * Python `int()` also takes `+5` and `1_0`; the spec does not, and Arca never emits them.
 */
const LINE_NUMBER_RE = /^[0-9]+$/

function parseLineNumber(input: string, whole: string, part: string): number {
  if (!LINE_NUMBER_RE.test(part)) {
    throw invalid(input, `the "lines" qualifier "${whole}" is not N or N-M (N, M digits)`)
  }
  const n = Number(part.replace(/[+_]/g, ''))
  if (!Number.isSafeInteger(n)) throw invalid(input, `line number "${part}" is too large`)
  return n
}

function parseLines(input: string, value: string): LineRange {
  const pieces = value.split('-')
  if (pieces.length > 2) throw invalid(input, `the "lines" qualifier "${value}" is not N or N-M`)
  const from = parseLineNumber(input, value, pieces[0]!)
  const to = pieces.length === 2 ? parseLineNumber(input, value, pieces[1]!) : null
  return [from, to]
}

/** Characters `urllib.parse.quote` never escapes (plus `/`, its default safe character). */
const PATH_SAFE = /[A-Za-z0-9_.\-~/]/

/** Percent-encodes bytes the way the `path` qualifier is serialised (uppercase hex). */
export function percentEncodePath(path: Uint8Array): string {
  let out = ''
  for (const b of path) {
    const c = String.fromCharCode(b)
    out += b < 0x80 && PATH_SAFE.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/**
 * Percent-decodes to bytes like `urllib.parse.unquote_to_bytes`: every valid `%XX` becomes a
 * byte, an invalid `%` sequence is kept literally, other characters become their UTF-8 bytes.
 */
export function percentDecodeBytes(s: string): Uint8Array {
  // Work on a latin1 view so each decoded byte is one char, then map back to bytes.
  const raw = latin1(utf8(s))
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  )
  return fromLatin1(decoded)
}

/** Percent-decodes to text like `urllib.parse.unquote` (UTF-8, invalid sequences → U+FFFD). */
export function percentDecodeText(s: string): string {
  if (!s.includes('%')) return s
  return new TextDecoder('utf-8').decode(percentDecodeBytes(s))
}

/** Serialises an origin URL for the `origin` qualifier: only `%` and `;` are escaped. */
export function escapeOrigin(origin: string): string {
  return origin.replaceAll('%', '%25').replaceAll(';', '%3B')
}

/**
 * Formats a SWHID. Qualifiers, if any, are written in canonical order (origin, visit, anchor,
 * path, lines); an empty origin is dropped, an empty path prints as `path=`.
 *
 * @example
 * ```ts
 * formatSwhid({ type: 'cnt', id: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391' })
 * // 'swh:1:cnt:e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
 * ```
 */
export function formatSwhid(swhid: ExtendedSwhid | QualifiedSwhid): string {
  let out = `swh:1:${swhid.type}:${swhid.id}`
  const q = 'qualifiers' in swhid ? swhid.qualifiers : undefined
  if (q === undefined) return out
  if (q.origin) out += `;origin=${escapeOrigin(q.origin)}`
  if (q.visit) out += `;visit=${formatSwhid(q.visit)}`
  if (q.anchor) out += `;anchor=${formatSwhid(q.anchor)}`
  if (q.path !== undefined) out += `;path=${percentEncodePath(q.path)}`
  if (q.lines !== undefined) {
    out += `;lines=${q.lines[0]}${q.lines[1] === null ? '' : `-${q.lines[1]}`}`
  }
  return out
}

/** Shorthand: the core SWHID string of a type and an id. */
export function swhidString(type: ExtendedType, id: string): string {
  return `swh:1:${type}:${id}`
}

/** True when `s` is a valid core SWHID. */
export function isCoreSwhid(s: string): boolean {
  try {
    parseCoreSwhid(s)
    return true
  } catch {
    return false
  }
}

const BINARY_TYPE_CODES: Readonly<Record<CoreType, number>> = {
  cnt: 0,
  dir: 1,
  rel: 3,
  rev: 4,
  snp: 5,
}

/** The 22-byte binary form of a core SWHID used by swh-graph (SWHID spec §2.1). */
export function swhidToBytes(swhid: CoreSwhid): Uint8Array {
  const out = new Uint8Array(22)
  out[0] = 1
  out[1] = BINARY_TYPE_CODES[swhid.type]
  for (let i = 0; i < 20; i++) out[2 + i] = parseInt(swhid.id.slice(2 * i, 2 * i + 2), 16)
  return out
}
