/**
 * Git objects to model objects, without loss. Each converter parses what the object says,
 * builds the model object with the model's factory, and when the model cannot regenerate the
 * exact git bytes (zero-padded modes, unsorted or duplicate tree entries, headers out of the
 * usual order, odd date formats…) keeps them as the raw manifest, so the id is always git's.
 *
 * @module
 */

import { CorruptError } from '../../errors.js'
import {
  compareDirectoryEntries,
  concatBytes,
  type Directory,
  type DirectoryEntry,
  type EntryType,
  type ExtraHeader,
  gitHeader,
  isSha1Hex,
  makeDirectory,
  makeRelease,
  makeRevision,
  type Person,
  type Release,
  type ReleaseTargetType,
  type Revision,
  sha1Hex,
  type TimestampWithTimezone,
  toHex,
  utf8,
} from '../../model/index.js'

/** The framed bytes of a git object: `type size\0body`. */
export function framed(type: string, body: Uint8Array): Uint8Array {
  return concatBytes([gitHeader(type, body.length), body])
}

/** Throws CorruptError unless `type size\0body` hashes to `oid`. */
export function checkGitId(type: string, oid: string, body: Uint8Array): void {
  const got = sha1Hex(framed(type, body))
  if (got !== oid) {
    throw new CorruptError(`Git ${type} ${oid} is corrupt: its bytes hash to ${got}`, {
      details: { oid, computed: got },
    })
  }
}

const COMMIT_MODE = 0o160000
const TREE_MODE = 0o040000

/** Entry type from a git mode, as swh-loader-git decides it (mask tests). */
export function entryTypeOfMode(mode: number): EntryType {
  if ((mode & COMMIT_MODE) === COMMIT_MODE) return 'rev'
  if ((mode & TREE_MODE) === TREE_MODE) return 'dir'
  return 'file'
}

/** One entry as written in a tree. */
export interface RawTreeEntry {
  readonly mode: number
  readonly name: Uint8Array
  readonly oid: string
  /** The mode was written with a leading zero (`040000`): not git's canonical form. */
  readonly paddedMode: boolean
}

/** Parses the body of a git tree. */
export function parseTreeEntries(oid: string, body: Uint8Array): RawTreeEntry[] {
  const out: RawTreeEntry[] = []
  let i = 0
  while (i < body.length) {
    const sp = body.indexOf(0x20, i)
    const nul = sp < 0 ? -1 : body.indexOf(0, sp + 1)
    if (sp < 0 || nul < 0 || nul + 21 > body.length) {
      throw new CorruptError(`Git tree ${oid} is malformed at byte ${i}`)
    }
    let mode = 0
    for (let k = i; k < sp; k++) {
      const c = body[k]!
      if (c < 0x30 || c > 0x37)
        throw new CorruptError(`Git tree ${oid} has a bad mode at byte ${i}`)
      mode = mode * 8 + (c - 0x30)
    }
    out.push({
      mode,
      name: body.subarray(sp + 1, nul),
      oid: toHex(body.subarray(nul + 1, nul + 21)),
      paddedMode: body[i] === 0x30,
    })
    i = nul + 21
  }
  return out
}

/**
 * Whether a file or gitlink before the directory `entries[k]`, in sorted entries, has its name.
 * Strictly sorted entries differ in sort key, but a directory's key is its name and a `/`: a
 * file of the same name sorts before it, with only names that extend it by bytes below `/`
 * (`dup`, `dup.c`, then directory `dup`) in between.
 */
function sharesNameWithEarlier(entries: readonly DirectoryEntry[], k: number): boolean {
  const name = entries[k]!.name
  for (let j = k - 1; j >= 0; j--) {
    const other = entries[j]!.name
    if (other.length < name.length) return false
    for (let b = 0; b < name.length; b++) if (other[b] !== name[b]) return false
    if (other.length === name.length) return true
    if (other[name.length]! >= 0x2f) return false
  }
  return false
}

/**
 * A directory from a git tree. Duplicate names (possible in old or broken repositories) are
 * kept as swh-model does: one entry keeps the name (a `rev`, else a `dir`, else a `file`), the
 * others get `_<first 10 hex of target>` appended; the raw manifest keeps the original bytes.
 */
export function treeToDirectory(oid: string, body: Uint8Array): Directory {
  const raw = parseTreeEntries(oid, body)
  let entries: DirectoryEntry[] = raw.map((e) => ({
    name: e.name.includes(0x2f)
      ? e.name.map((b) => (b === 0x2f ? 0x5f : b))
      : new Uint8Array(e.name),
    type: entryTypeOfMode(e.mode),
    perms: e.mode,
    target: e.oid,
  }))
  // Fast path (nearly every tree): modes written canonically, names without '/', entries
  // strictly in manifest order, no duplicate names. Then the model's manifest is exactly these
  // bytes, whose hash the caller checked: the id is the oid, no raw manifest is needed.
  let canonical = true
  for (let k = 0; k < raw.length && canonical; k++) {
    const e = raw[k]!
    if (e.paddedMode || e.name.includes(0x2f) || e.name.length === 0) canonical = false
    else if (k > 0 && compareDirectoryEntries(entries[k - 1]!, entries[k]!) >= 0) canonical = false
    else if (entries[k]!.type === 'dir' && sharesNameWithEarlier(entries, k)) canonical = false
  }
  if (canonical) return { id: oid, entries, rawManifest: null }
  const names = new Set<string>()
  let duplicates = false
  for (const e of entries) {
    const k = Buffer.from(e.name).toString('latin1')
    if (names.has(k)) duplicates = true
    names.add(k)
  }
  if (duplicates) {
    const byName = new Map<string, DirectoryEntry[]>()
    for (const e of entries) {
      const k = Buffer.from(e.name).toString('latin1')
      byName.set(k, [...(byName.get(k) ?? []), e])
    }
    const rank: Record<EntryType, number> = { rev: 0, dir: 1, file: 2 }
    entries = []
    for (const group of byName.values()) {
      const sorted = [...group].sort((a, b) => rank[a.type] - rank[b.type])
      sorted.forEach((e, i) => {
        entries.push(
          i === 0 ? e : { ...e, name: concatBytes([e.name, utf8('_' + e.target.slice(0, 10))]) },
        )
      })
    }
  }
  const dir = makeDirectory({ entries })
  if (dir.id === oid) return dir
  const withRaw = makeDirectory({ entries, rawManifest: framed('tree', body) })
  if (withRaw.id !== oid) throw new CorruptError(`Git tree ${oid} does not hash to its id`)
  return withRaw
}

/** Header lines of a commit or tag: `key value` with continuation lines, then the message. */
interface ParsedHeaders {
  readonly headers: [Uint8Array, Uint8Array][]
  readonly message: Uint8Array | null
}

const SP = 0x20
const LF = 0x0a

/** Splits a commit or tag body into headers (continuations unescaped) and message. */
export function parseHeaders(body: Uint8Array): ParsedHeaders {
  const headers: [Uint8Array, Uint8Array][] = []
  let i = 0
  while (i < body.length) {
    if (body[i] === LF) {
      // Blank line: the message follows (possibly empty).
      return { headers, message: body.subarray(i + 1) }
    }
    let end = body.indexOf(LF, i)
    if (end < 0) end = body.length
    const line = body.subarray(i, end)
    if (line[0] === SP && headers.length > 0) {
      const last = headers[headers.length - 1]!
      last[1] = concatBytes([last[1], Uint8Array.of(LF), line.subarray(1)])
    } else {
      const sp = line.indexOf(SP)
      headers.push(
        sp < 0 ? [line, new Uint8Array(0)] : [line.subarray(0, sp), line.subarray(sp + 1)],
      )
    }
    i = end + 1
  }
  return { headers, message: null }
}

const ASCII = (b: Uint8Array): string => Buffer.from(b).toString('latin1')

/**
 * A person line `Name <email> 1700000000 +0200`: the person is everything up to the last `>`,
 * then a timestamp and raw offset bytes (kept verbatim, `-0000` included). Anything else keeps
 * the whole value as the person, without a date (the raw manifest then preserves the bytes).
 */
export function parsePersonLine(value: Uint8Array): {
  person: Person
  date: TimestampWithTimezone | null
} {
  const gt = value.lastIndexOf(0x3e)
  if (gt >= 0 && value[gt + 1] === SP) {
    const rest = value.subarray(gt + 2)
    const sp = rest.indexOf(SP)
    if (sp > 0 && rest.indexOf(SP, sp + 1) < 0) {
      const ts = ASCII(rest.subarray(0, sp))
      const offsetBytes = rest.subarray(sp + 1)
      if (/^-?\d{1,15}$/.test(ts) && offsetBytes.length > 0) {
        const seconds = Number(ts)
        if (Number.isSafeInteger(seconds) && seconds >= -62135510961 && seconds <= 253402297199) {
          return {
            person: { fullname: new Uint8Array(value.subarray(0, gt + 1)) },
            date: {
              timestamp: { seconds, microseconds: 0 },
              offsetBytes: new Uint8Array(offsetBytes),
            },
          }
        }
      }
    }
  }
  return { person: { fullname: new Uint8Array(value) }, date: null }
}

const is = (k: Uint8Array, s: string): boolean => k.length === s.length && ASCII(k) === s

/**
 * The object id written in a `tree`, `parent` or `object` header, lower-cased: git reads these
 * hex digits in either case (the raw manifest then keeps the bytes as written). Null if the
 * value is not 40 hex digits.
 */
function headerId(value: Uint8Array): string | null {
  const s = ASCII(value)
  const lower = s.toLowerCase()
  return isSha1Hex(lower) ? lower : null
}

/** A revision from a git commit. */
export function commitToRevision(oid: string, body: Uint8Array): Revision {
  const { headers, message } = parseHeaders(body)
  let tree: Uint8Array | null = null
  const parents: string[] = []
  let author: ReturnType<typeof parsePersonLine> | null = null
  let committer: ReturnType<typeof parsePersonLine> | null = null
  const extraHeaders: ExtraHeader[] = []
  for (const [k, v] of headers) {
    const parent = is(k, 'parent') && author === null ? headerId(v) : null
    if (is(k, 'tree') && tree === null && parents.length === 0 && author === null) tree = v
    else if (parent !== null) parents.push(parent)
    else if (is(k, 'author') && author === null) author = parsePersonLine(v)
    else if (is(k, 'committer') && committer === null) committer = parsePersonLine(v)
    else extraHeaders.push([new Uint8Array(k), new Uint8Array(v)])
  }
  const directory = tree === null ? null : headerId(tree)
  if (directory === null) {
    throw new CorruptError(`Git commit ${oid} has no valid tree header`)
  }
  const init = {
    directory,
    parents,
    author: author?.person ?? null,
    date: author?.date ?? null,
    committer: committer?.person ?? null,
    committerDate: committer?.date ?? null,
    message: message === null ? null : new Uint8Array(message),
    extraHeaders,
  }
  const rev = makeRevision(init)
  if (rev.id === oid) return rev
  const withRaw = makeRevision({ ...init, rawManifest: framed('commit', body) })
  if (withRaw.id !== oid) throw new CorruptError(`Git commit ${oid} does not hash to its id`)
  return withRaw
}

/** Git type word of a tag's target → release target type. */
export const TAG_TARGET_TYPES: Readonly<Record<string, ReleaseTargetType>> = {
  commit: 'revision',
  tree: 'directory',
  blob: 'content',
  tag: 'release',
}

/** A release from a git tag (its signature, if any, is part of the message, as in git). */
export function tagToRelease(oid: string, body: Uint8Array): Release {
  const { headers, message } = parseHeaders(body)
  let object: Uint8Array | null = null
  let type: ReleaseTargetType | null = null
  let name: Uint8Array | null = null
  let tagger: ReturnType<typeof parsePersonLine> | null = null
  for (const [k, v] of headers) {
    if (is(k, 'object') && object === null) object = v
    else if (is(k, 'type') && type === null) type = TAG_TARGET_TYPES[ASCII(v)] ?? null
    else if (is(k, 'tag') && name === null) name = new Uint8Array(v)
    else if (is(k, 'tagger') && tagger === null) tagger = parsePersonLine(v)
  }
  const target = object === null ? null : headerId(object)
  if (target === null || type === null) {
    throw new CorruptError(`Git tag ${oid} has no valid object or type header`)
  }
  const init = {
    name: name ?? new Uint8Array(0),
    target,
    targetType: type,
    author: tagger?.person ?? null,
    date: tagger?.date ?? null,
    message: message === null ? null : new Uint8Array(message),
  }
  const rel = makeRelease(init)
  if (rel.id === oid) return rel
  const withRaw = makeRelease({ ...init, rawManifest: framed('tag', body) })
  if (withRaw.id !== oid) throw new CorruptError(`Git tag ${oid} does not hash to its id`)
  return withRaw
}
