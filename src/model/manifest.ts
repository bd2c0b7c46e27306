/**
 * Manifests: one pure function per object kind turns a model object into the exact bytes
 * Software Heritage hashes (SWHID spec §3–§7). The factories that build objects with their id
 * are in `make.ts`; the id checks of stored objects in `verify.ts`.
 *
 * A manifest here is always the framed byte string `<type> <len>\0<body>`; its SHA-1 is the id.
 * An object carrying a `rawManifest` is hashed from those bytes instead (spec §4).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { compareBytes, concatBytes, fromHex, utf8 } from './bytes.js'
import { gitHeader, sha1Hex } from './hash.js'
import type {
  Directory,
  DirectoryEntry,
  ExtId,
  Person,
  RawExtrinsicMetadata,
  Release,
  ReleaseTargetType,
  Revision,
  Snapshot,
  SnapshotBranch,
  Timestamp,
  TimestampWithTimezone,
} from './objects.js'
import { type CoreSwhid, formatSwhid } from './swhid.js'

const SP = 0x20
const LF = 0x0a
const NUL = 0x00
const SLASH = 0x2f

/** Frames a body: `<type> <len>\0<body>`. */
export function frame(type: string, body: Uint8Array): Uint8Array {
  return concatBytes([gitHeader(type, body.length), body])
}

/** SHA-1 of a framed manifest, as hex. */
export function manifestId(manifest: Uint8Array): string {
  return sha1Hex(manifest)
}

/** A header value given in parts, joined without a separator (a person line's). */
type HeaderParts = readonly Uint8Array[]

/** Count of LF bytes in `p`. */
function newlines(p: Uint8Array): number {
  let n = 0
  for (let i = p.indexOf(LF); i !== -1; i = p.indexOf(LF, i + 1)) n++
  return n
}

/**
 * A framed header-style object (`key SP value LF`…, every LF inside a value followed by SP as
 * git's continuation lines, then `LF message` if any), written straight into one buffer: no
 * array per header, escaped copy per value or join (revision ids are hashed again by every
 * fsck, so this is on its path).
 */
function framedHeaders(
  type: string,
  headers: readonly (readonly [Uint8Array, HeaderParts])[],
  message: Uint8Array | null,
): Uint8Array {
  let body = 0
  for (const [key, parts] of headers) {
    body += key.length + 2
    for (const p of parts) body += p.length + newlines(p)
  }
  if (message !== null) body += 1 + message.length
  const head = gitHeader(type, body)
  const out = new Uint8Array(head.length + body)
  out.set(head, 0)
  let o = head.length
  for (const [key, parts] of headers) {
    out.set(key, o)
    o += key.length
    out[o++] = SP
    for (const p of parts) {
      let start = 0
      for (let i = p.indexOf(LF); i !== -1; i = p.indexOf(LF, i + 1)) {
        out.set(p.subarray(start, i + 1), o)
        o += i + 1 - start
        out[o++] = SP
        start = i + 1
      }
      out.set(start === 0 ? p : p.subarray(start), o)
      o += p.length - start
    }
    out[o++] = LF
  }
  if (message !== null) {
    out[o++] = LF
    out.set(message, o)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Directory

/** Sort key of a directory entry: the name, plus `/` for `dir` entries only (spec §4). */
export function directoryEntrySortKey(entry: Pick<DirectoryEntry, 'name' | 'type'>): Uint8Array {
  if (entry.type !== 'dir') return entry.name
  const key = new Uint8Array(entry.name.length + 1)
  key.set(entry.name)
  key[entry.name.length] = SLASH
  return key
}

/** Compares two entries in manifest order. */
export function compareDirectoryEntries(
  a: Pick<DirectoryEntry, 'name' | 'type'>,
  b: Pick<DirectoryEntry, 'name' | 'type'>,
): number {
  return compareBytes(directoryEntrySortKey(a), directoryEntrySortKey(b))
}

/** {@link compareDirectoryEntries} without building the keys. */
function compareSortKeys(
  a: Pick<DirectoryEntry, 'name' | 'type'>,
  b: Pick<DirectoryEntry, 'name' | 'type'>,
): number {
  const x = a.name
  const y = b.name
  const xl = x.length + (a.type === 'dir' ? 1 : 0)
  const yl = y.length + (b.type === 'dir' ? 1 : 0)
  const n = Math.min(xl, yl)
  for (let i = 0; i < n; i++) {
    const cx = i < x.length ? x[i]! : SLASH
    const cy = i < y.length ? y[i]! : SLASH
    if (cx !== cy) return cx - cy
  }
  return xl - yl
}

/** Entries sorted in manifest order (a new array). */
export function sortDirectoryEntries<E extends Pick<DirectoryEntry, 'name' | 'type'>>(
  entries: readonly E[],
): E[] {
  // Most directories arrive sorted already (loaders and storage keep manifest order): one pass
  // that allocates nothing tells, and spares building a key per entry.
  let sorted = true
  for (let i = 1; i < entries.length && sorted; i++)
    sorted = compareSortKeys(entries[i - 1]!, entries[i]!) < 0
  if (sorted) return [...entries]
  return entries
    .map((e) => ({ e, key: directoryEntrySortKey(e) }))
    .sort((x, y) => compareBytes(x.key, y.key))
    .map((x) => x.e)
}

const PERMS_BYTES = new Map<number, Uint8Array>()

/** `octal(perms) SP` as bytes, cached (a handful of distinct modes exist). */
function permsPrefix(perms: number): Uint8Array {
  let b = PERMS_BYTES.get(perms)
  if (b === undefined) {
    b = utf8(perms.toString(8) + ' ')
    if (PERMS_BYTES.size < 1024) PERMS_BYTES.set(perms, b)
  }
  return b
}

/** Writes the 20 bytes of a 40-hex id at `offset`. */
function writeHexId(out: Uint8Array, offset: number, hex: string): void {
  for (let i = 0; i < 20; i++) {
    const hi = hex.charCodeAt(2 * i)
    const lo = hex.charCodeAt(2 * i + 1)
    out[offset + i] = ((hi > 57 ? hi - 87 : hi - 48) << 4) | (lo > 57 ? lo - 87 : lo - 48)
  }
}

/** Framed `tree` manifest of entries (sorted here; the input order does not matter). */
export function directoryManifest(entries: readonly DirectoryEntry[]): Uint8Array {
  const sorted = sortDirectoryEntries(entries)
  let size = 0
  for (const e of sorted) size += permsPrefix(e.perms).length + e.name.length + 21
  const header = gitHeader('tree', size)
  const out = new Uint8Array(header.length + size)
  out.set(header)
  let o = header.length
  for (const e of sorted) {
    const p = permsPrefix(e.perms)
    out.set(p, o)
    o += p.length
    out.set(e.name, o)
    o += e.name.length
    out[o++] = NUL
    // Targets are checked to be lowercase hex where objects are built (makeDirectory).
    writeHexId(out, o, e.target)
    o += 20
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Revision and release

/** Writes a timestamp as swh-model does: integer seconds, or `s.uuuuuu` with zeros stripped. */
export function formatTimestamp(ts: Timestamp): string {
  if (!Number.isSafeInteger(ts.seconds)) throw new RangeError(`Bad seconds ${ts.seconds}`)
  if (ts.microseconds === 0) return String(ts.seconds)
  const frac = String(ts.microseconds).padStart(6, '0').replace(/0+$/, '')
  return `${ts.seconds}.${frac}`
}

/** `fullname[ SP date SP offset]`: a person line value (spec §5). */
export function formatPersonLine(person: Person, date: TimestampWithTimezone | null): Uint8Array {
  return concatBytes(personLineParts(person, date))
}

/** The parts of {@link formatPersonLine}. */
function personLineParts(person: Person, date: TimestampWithTimezone | null): HeaderParts {
  if (date === null) return [person.fullname]
  return [person.fullname, utf8(' ' + formatTimestamp(date.timestamp) + ' '), date.offsetBytes]
}

const K_TREE = utf8('tree')
const K_PARENT = utf8('parent')
const K_AUTHOR = utf8('author')
const K_COMMITTER = utf8('committer')
const K_OBJECT = utf8('object')
const K_TYPE = utf8('type')
const K_TAG = utf8('tag')
const K_TAGGER = utf8('tagger')

/** Fields of a revision that its id depends on. */
export type RevisionFields = Pick<
  Revision,
  | 'directory'
  | 'parents'
  | 'author'
  | 'committer'
  | 'date'
  | 'committerDate'
  | 'extraHeaders'
  | 'message'
>

/** Framed `commit` manifest of a revision's fields (ignores any raw manifest). */
export function revisionManifest(rev: RevisionFields): Uint8Array {
  const headers: [Uint8Array, HeaderParts][] = [[K_TREE, [utf8(rev.directory)]]]
  for (const p of rev.parents) headers.push([K_PARENT, [utf8(p)]])
  if (rev.author !== null) headers.push([K_AUTHOR, personLineParts(rev.author, rev.date)])
  if (rev.committer !== null) {
    headers.push([K_COMMITTER, personLineParts(rev.committer, rev.committerDate)])
  }
  for (const [k, v] of rev.extraHeaders) headers.push([k, [v]])
  return framedHeaders('commit', headers, rev.message)
}

/** The git object type word of a release target (spec §6). */
export const RELEASE_TARGET_GIT_TYPE: Readonly<Record<ReleaseTargetType, string>> = {
  content: 'blob',
  directory: 'tree',
  revision: 'commit',
  release: 'tag',
  snapshot: 'refs',
}

/** Fields of a release that its id depends on. */
export type ReleaseFields = Pick<
  Release,
  'name' | 'target' | 'targetType' | 'author' | 'date' | 'message'
>

/** Framed `tag` manifest of a release's fields. */
export function releaseManifest(rel: ReleaseFields): Uint8Array {
  if (rel.target === null) {
    throw new InvalidInputError('Cannot compute the id of a release without a target')
  }
  const headers: [Uint8Array, HeaderParts][] = [
    [K_OBJECT, [utf8(rel.target)]],
    [K_TYPE, [utf8(RELEASE_TARGET_GIT_TYPE[rel.targetType])]],
    [K_TAG, [rel.name]],
  ]
  if (rel.author !== null) headers.push([K_TAGGER, personLineParts(rel.author, rel.date)])
  return framedHeaders('tag', headers, rel.message)
}

// ---------------------------------------------------------------------------------------------
// Snapshot

/** Framed `snapshot` manifest of branches (sorted here by plain name bytes, spec §7). */
export function snapshotManifest(branches: readonly SnapshotBranch[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const b of sortBranches(branches)) {
    let word: string
    let target: Uint8Array
    if (b.target === null) {
      word = 'dangling'
      target = new Uint8Array(0)
    } else if (b.target.targetType === 'alias') {
      word = 'alias'
      target = b.target.target
    } else {
      word = b.target.targetType
      target = fromHex(b.target.target)
    }
    parts.push(utf8(word + ' '), b.name, utf8(`\0${target.length}:`), target)
  }
  return frame('snapshot', concatBytes(parts))
}

/** Branches sorted by name bytes (a new array). */
export function sortBranches(branches: readonly SnapshotBranch[]): SnapshotBranch[] {
  return [...branches].sort((a, b) => compareBytes(a.name, b.name))
}

// ---------------------------------------------------------------------------------------------
// ExtID and raw extrinsic metadata

/** Framed `extid` manifest. */
export function extIdManifest(e: Omit<ExtId, 'id'>): Uint8Array {
  const headers: [Uint8Array, HeaderParts][] = [[utf8('extid_type'), [utf8(e.extidType)]]]
  if (e.extidVersion !== 0) headers.push([utf8('extid_version'), [utf8(String(e.extidVersion))]])
  headers.push([utf8('extid'), [e.extid]], [utf8('target'), [utf8(formatSwhid(e.target))]])
  if (e.payloadType !== null) headers.push([utf8('payload_type'), [utf8(e.payloadType)]])
  if (e.payload !== null) headers.push([utf8('payload'), [fromHex(e.payload)]])
  return framedHeaders('extid', headers, null)
}

/** Framed `raw_extrinsic_metadata` manifest (spec §9.15). */
export function rawExtrinsicMetadataManifest(m: Omit<RawExtrinsicMetadata, 'id'>): Uint8Array {
  const seconds = Math.floor(m.discoveryDate.getTime() / 1000)
  const headers: [Uint8Array, HeaderParts][] = []
  const add = (key: string, v: Uint8Array): void => void headers.push([utf8(key), [v]])
  add('target', utf8(formatSwhid(m.target)))
  add('discovery_date', utf8(String(seconds)))
  add('authority', utf8(`${m.authority.type} ${m.authority.url}`))
  add('fetcher', utf8(`${m.fetcher.name} ${m.fetcher.version}`))
  add('format', utf8(m.format))
  if (m.origin !== null) add('origin', utf8(m.origin))
  if (m.visit !== null) add('visit', utf8(String(m.visit)))
  const core = (key: string, v: CoreSwhid | null): void => {
    if (v !== null) add(key, utf8(formatSwhid(v)))
  }
  core('snapshot', m.snapshot)
  core('release', m.release)
  core('revision', m.revision)
  if (m.path !== null) add('path', m.path)
  core('directory', m.directory)
  return framedHeaders('raw_extrinsic_metadata', headers, m.metadata)
}

// ---------------------------------------------------------------------------------------------
// Manifests and id checks of stored objects

/** The bytes a directory hashes to its id: the raw manifest, or the canonical one. */
export function directoryObjectManifest(d: Directory): Uint8Array {
  return d.rawManifest ?? directoryManifest(d.entries)
}

/** The bytes a revision hashes to its id. */
export function revisionObjectManifest(r: Revision): Uint8Array {
  return r.rawManifest ?? revisionManifest(r)
}

/** The bytes a release hashes to its id. */
export function releaseObjectManifest(r: Release): Uint8Array {
  return r.rawManifest ?? releaseManifest(r)
}

/** The bytes a snapshot hashes to its id. */
export function snapshotObjectManifest(s: Snapshot): Uint8Array {
  return snapshotManifest(s.branches)
}
