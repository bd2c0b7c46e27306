/**
 * Shared set-up of the write-layer suites (storage-layers*.test.ts): objects built field by
 * field from ../shared/vectors (computed by the reference implementation and git), never by
 * Arca's constructors; a real SQLite backend in a scratch directory; and a `Tap`, a
 * pass-through layer over the real backend that records the calls reaching it (what a layer
 * forwards, and in which order).
 */
import { join } from 'node:path'

import type {
  Content,
  Directory,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
  SnapshotBranch,
} from '../../src/model/objects.js'
import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { openStorage } from '../../src/storage/factory.js'
import type { AddSummary, ContentWithData, Storage } from '../../src/storage/interface.js'
import { ForwardingStorage } from '../../src/storage/proxies/forwarding.js'
import { makeTemp, removeTemp } from './tree.js'
import { b64, loadVectors } from './vectors.js'

// -- objects from the vectors ---------------------------------------------------------------

interface PersonV {
  fullname_b64: string
}
interface DateV {
  seconds: number
  microseconds: number
  offset_bytes_b64: string
}
const person = (p: PersonV | null): { fullname: Uint8Array } | null =>
  p ? { fullname: b64(p.fullname_b64) } : null
const date = (d: DateV | null): Revision['date'] =>
  d
    ? {
        timestamp: { seconds: d.seconds, microseconds: d.microseconds },
        offsetBytes: b64(d.offset_bytes_b64),
      }
    : null
const idOf = (swhid: string): string => swhid.split(':')[3]!
function vector<C extends { name: string }>(kind: string, name: string): C {
  const c = loadVectors<C>(kind).cases.find((x) => x.name === name)
  if (!c) throw new Error(`no ${kind} vector "${name}"`)
  return c
}

export function contentVector(name: string): ContentWithData {
  const c = vector<{
    name: string
    data_b64: string
    length: number
    sha1: string
    sha1_git: string
    sha256: string
    blake2s256: string
  }>('content', name)
  return {
    sha1: c.sha1,
    sha1Git: c.sha1_git,
    sha256: c.sha256,
    blake2s256: c.blake2s256,
    length: c.length,
    status: 'visible',
    ctime: null,
    data: b64(c.data_b64),
  }
}

export function directoryVector(name: string): Directory {
  const c = vector<{
    name: string
    entries: {
      name_b64: string
      type: 'file' | 'dir' | 'rev'
      perms_octal: string
      target: string
    }[]
    swhid: string
  }>('directory', name)
  return {
    id: idOf(c.swhid),
    entries: c.entries.map((e) => ({
      name: b64(e.name_b64),
      type: e.type,
      perms: parseInt(e.perms_octal, 8),
      target: e.target,
    })),
    rawManifest: null,
  }
}

export function revisionVector(name: string): Revision {
  const c = vector<{
    name: string
    directory: string
    parents: string[]
    author: PersonV | null
    committer: PersonV | null
    date: DateV | null
    committer_date: DateV | null
    extra_headers: [string, string][]
    message_b64: string | null
    swhid: string
  }>('revision', name)
  return {
    id: idOf(c.swhid),
    message: c.message_b64 === null ? null : b64(c.message_b64),
    author: person(c.author),
    committer: person(c.committer),
    date: date(c.date),
    committerDate: date(c.committer_date),
    type: 'git',
    directory: c.directory,
    synthetic: false,
    parents: c.parents,
    metadata: null,
    extraHeaders: c.extra_headers.map(([k, v]) => [b64(k), b64(v)] as const),
    rawManifest: null,
  }
}

export function releaseVector(name: string): Release {
  const c = vector<{
    name: string
    tag_name_b64: string
    target: string
    target_type: Release['targetType']
    author: PersonV | null
    date: DateV | null
    message_b64: string | null
    swhid: string
  }>('release', name)
  return {
    id: idOf(c.swhid),
    name: b64(c.tag_name_b64),
    message: c.message_b64 === null ? null : b64(c.message_b64),
    target: c.target,
    targetType: c.target_type,
    synthetic: false,
    author: person(c.author),
    date: date(c.date),
    rawManifest: null,
  }
}

export function snapshotVector(name: string): Snapshot {
  const c = vector<{
    name: string
    branches: {
      name_b64: string
      target_type: Release['targetType'] | 'alias' | null
      target?: string
      target_b64?: string
    }[]
    swhid: string
  }>('snapshot', name)
  return {
    id: idOf(c.swhid),
    branches: c.branches.map((b): SnapshotBranch => {
      if (b.target_type === null) return { name: b64(b.name_b64), target: null }
      if (b.target_type === 'alias')
        return {
          name: b64(b.name_b64),
          target: { targetType: 'alias', target: b64(b.target_b64!) },
        }
      return { name: b64(b.name_b64), target: { targetType: b.target_type, target: b.target! } }
    }),
  }
}

export const rows = ({ data: _data, ...c }: ContentWithData): Content => c
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

// -- a real backend per test ------------------------------------------------------------------

/** A scratch directory with a content store and a SQLite storage over it. */
export interface LayerBackend {
  dir: string
  objstorage: FsObjStorage
  backend: Storage
  close(): Promise<void>
}

/** Opens a fresh {@link LayerBackend} (one per test, in `beforeEach`). */
export async function openLayerBackend(): Promise<LayerBackend> {
  const dir = makeTemp('arca-layers-unit-')
  const objstorage = new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
  const backend = await openStorage(`sqlite:${join(dir, 'graph.sqlite')}`, { objstorage })
  return {
    dir,
    objstorage,
    backend,
    async close() {
      await backend.close()
      removeTemp(dir)
    },
  }
}

/** Records the add calls reaching the storage under it (kind and ids, in call order). */
export class Tap extends ForwardingStorage {
  readonly calls: string[] = []
  readonly #note = (kind: string, ids: readonly string[]): void => {
    this.calls.push(`${kind} ${ids.join(',')}`)
  }
  override contentAdd(cs: readonly ContentWithData[]): Promise<AddSummary> {
    this.#note(
      'content',
      cs.map((c) => c.sha1Git),
    )
    return super.contentAdd(cs)
  }
  override contentAddMetadata(cs: readonly Content[]): Promise<AddSummary> {
    this.#note(
      'content_rows',
      cs.map((c) => c.sha1Git),
    )
    return super.contentAddMetadata(cs)
  }
  override skippedContentAdd(cs: readonly SkippedContent[]): Promise<AddSummary> {
    this.#note(
      'skipped_content',
      cs.map((c) => c.sha1Git ?? ''),
    )
    return super.skippedContentAdd(cs)
  }
  override directoryAdd(ds: readonly Directory[]): Promise<AddSummary> {
    this.#note(
      'directory',
      ds.map((d) => d.id),
    )
    return super.directoryAdd(ds)
  }
  override revisionAdd(rs: readonly Revision[]): Promise<AddSummary> {
    this.#note(
      'revision',
      rs.map((r) => r.id),
    )
    return super.revisionAdd(rs)
  }
  override releaseAdd(rs: readonly Release[]): Promise<AddSummary> {
    this.#note(
      'release',
      rs.map((r) => r.id),
    )
    return super.releaseAdd(rs)
  }
  override snapshotAdd(ss: readonly Snapshot[]): Promise<AddSummary> {
    this.#note(
      'snapshot',
      ss.map((s) => s.id),
    )
    return super.snapshotAdd(ss)
  }
}

// -- validate -----------------------------------------------------------------------------------
