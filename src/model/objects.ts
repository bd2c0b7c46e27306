/**
 * The objects of the archive (Software Heritage's data model, in TypeScript). Identifiers and
 * hashes are 40-char lowercase hex strings; every name, message, person and branch name is a
 * `Uint8Array` and is never decoded here.
 *
 * Objects are plain immutable records. Build hashed objects with the `make*` functions of
 * `./manifest.ts`, which compute the id; a `rawManifest` keeps the exact git bytes of an object
 * whose fields cannot regenerate its id.
 *
 * @module
 */

import type { CoreSwhid, ExtendedSwhid, ReleaseTargetType } from './swhid.js'

/** 40 lowercase hex digits: a SHA-1 (object id or content hash). */
export type Sha1Hex = string

/** A content: the hashes of a file's bytes (the bytes live in the object store). */
export interface Content {
  readonly sha1: string
  readonly sha1Git: Sha1Hex
  readonly sha256: string
  readonly blake2s256: string
  readonly length: number
  /** `hidden` contents are stored but not served (e.g. masked). */
  readonly status: 'visible' | 'hidden'
  /** When the archive first saw it; null when unknown. */
  readonly ctime: Date | null
}

/** A content whose bytes are not archived (too large, unreadable): hashes where known. */
export interface SkippedContent {
  readonly sha1: string | null
  readonly sha1Git: Sha1Hex | null
  readonly sha256: string | null
  readonly blake2s256: string | null
  readonly length: number | null
  readonly status: 'absent'
  /** Why the bytes were skipped, for humans ("Content too large"). */
  readonly reason: string
  /** Origin the skipped content was found in, when known. */
  readonly origin: string | null
  readonly ctime: Date | null
}

/** Kind of a directory entry. */
export type EntryType = 'file' | 'dir' | 'rev'

/** Canonical permissions of directory entries (git modes as integers). */
export const Perms = {
  content: 0o100644,
  executableContent: 0o100755,
  symlink: 0o120000,
  directory: 0o40000,
  revision: 0o160000,
} as const

/** One entry of a directory. */
export interface DirectoryEntry {
  readonly name: Uint8Array
  readonly type: EntryType
  /** Git mode as an integer; non-canonical values (0o100664, …) are kept as found. */
  readonly perms: number
  readonly target: Sha1Hex
}

/** A directory (git tree). */
export interface Directory {
  readonly id: Sha1Hex
  /** Entries, in canonical manifest order. */
  readonly entries: readonly DirectoryEntry[]
  /** Exact git object bytes (header included) when the entries cannot regenerate `id`. */
  readonly rawManifest: Uint8Array | null
}

/** A person as found in a commit or tag: the raw `fullname` is authoritative. */
export interface Person {
  readonly fullname: Uint8Array
}

/** Seconds since the epoch plus microseconds (0..999999). */
export interface Timestamp {
  readonly seconds: number
  readonly microseconds: number
}

/** A timestamp with the raw offset bytes as written in the object (`+0200`, `-0000`, …). */
export interface TimestampWithTimezone {
  readonly timestamp: Timestamp
  readonly offsetBytes: Uint8Array
}

/** Version-control system a revision comes from. */
export type RevisionType = 'git' | 'tar' | 'dsc' | 'svn' | 'hg' | 'cvs' | 'bzr'

/** An extra header of a revision: key and value bytes, in object order. */
export type ExtraHeader = readonly [key: Uint8Array, value: Uint8Array]

/** A revision (git commit). */
export interface Revision {
  readonly id: Sha1Hex
  /** null: no message at all; an empty array: an empty message (different ids). */
  readonly message: Uint8Array | null
  readonly author: Person | null
  readonly committer: Person | null
  readonly date: TimestampWithTimezone | null
  readonly committerDate: TimestampWithTimezone | null
  readonly type: RevisionType
  readonly directory: Sha1Hex
  readonly synthetic: boolean
  readonly parents: readonly Sha1Hex[]
  /** Free-form loader metadata (not hashed). */
  readonly metadata: Readonly<Record<string, unknown>> | null
  readonly extraHeaders: readonly ExtraHeader[]
  readonly rawManifest: Uint8Array | null
}

/** What a release points at (defined beside the SWHID types). */
export type { ReleaseTargetType }

/** A release (annotated tag). */
export interface Release {
  readonly id: Sha1Hex
  readonly name: Uint8Array
  readonly message: Uint8Array | null
  readonly target: Sha1Hex | null
  readonly targetType: ReleaseTargetType
  readonly synthetic: boolean
  readonly author: Person | null
  readonly date: TimestampWithTimezone | null
  readonly rawManifest: Uint8Array | null
}

/** Kinds of snapshot branch targets. */
export type BranchTargetType = ReleaseTargetType | 'alias'

/** Target of a snapshot branch: an object, or (alias) another branch's name. */
export type BranchTarget =
  | { readonly targetType: ReleaseTargetType; readonly target: Sha1Hex }
  | { readonly targetType: 'alias'; readonly target: Uint8Array }

/** A named branch; a null target is a dangling branch. */
export interface SnapshotBranch {
  readonly name: Uint8Array
  readonly target: BranchTarget | null
}

/** A snapshot: every branch of a visit, sorted by name bytes. */
export interface Snapshot {
  readonly id: Sha1Hex
  readonly branches: readonly SnapshotBranch[]
}

/** An origin: where source code was found. Its extended SWHID is sha1(url). */
export interface Origin {
  readonly url: string
}

/** Status values of a visit. */
export type VisitStatusValue = 'created' | 'ongoing' | 'full' | 'partial' | 'not_found' | 'failed'

/** One visit of an origin (numbered from 1 per origin). */
export interface OriginVisit {
  readonly origin: string
  readonly visit: number
  readonly date: Date
  /** Microseconds past the millisecond of `date` (0–999; absent: 0), see `./micro-date.ts`. */
  readonly dateExtraMicros?: number
  readonly type: string
}

/** A status update of a visit. */
export interface OriginVisitStatus {
  readonly origin: string
  readonly visit: number
  readonly date: Date
  /** Microseconds past the millisecond of `date` (0–999; absent: 0), see `./micro-date.ts`. */
  readonly dateExtraMicros?: number
  readonly type: string
  readonly status: VisitStatusValue
  readonly snapshot: Sha1Hex | null
  readonly metadata: Readonly<Record<string, unknown>> | null
}

/** An external identifier (hg node id, tarball checksum, …) mapped to an archive object. */
export interface ExtId {
  readonly id: Sha1Hex
  readonly extidType: string
  readonly extid: Uint8Array
  readonly extidVersion: number
  readonly target: CoreSwhid
  readonly payloadType: string | null
  readonly payload: Sha1Hex | null
}

/** Who published a piece of extrinsic metadata. */
export interface MetadataAuthority {
  readonly type: 'deposit_client' | 'forge' | 'registry'
  readonly url: string
}

/** Which tool fetched a piece of extrinsic metadata. */
export interface MetadataFetcher {
  readonly name: string
  readonly version: string
}

/** Metadata about an object from outside it (forge description, deposit, …). */
export interface RawExtrinsicMetadata {
  readonly id: Sha1Hex
  readonly target: ExtendedSwhid
  readonly discoveryDate: Date
  readonly authority: MetadataAuthority
  readonly fetcher: MetadataFetcher
  readonly format: string
  readonly metadata: Uint8Array
  readonly origin: string | null
  readonly visit: number | null
  readonly snapshot: CoreSwhid | null
  readonly release: CoreSwhid | null
  readonly revision: CoreSwhid | null
  readonly path: Uint8Array | null
  readonly directory: CoreSwhid | null
}

/** Every hashed object kind, by its SWHID type. */
export interface HashedObjects {
  cnt: Content
  dir: Directory
  rev: Revision
  rel: Release
  snp: Snapshot
}
