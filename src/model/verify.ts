/**
 * Id checks of stored objects: recompute an object's id from its manifest (or a content's
 * hashes from its bytes) and throw {@link CorruptError} naming the object on a mismatch.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import { hashContent } from './hash.js'
import {
  directoryObjectManifest,
  extIdManifest,
  manifestId,
  rawExtrinsicMetadataManifest,
  releaseObjectManifest,
  revisionObjectManifest,
  snapshotObjectManifest,
} from './manifest.js'
import type {
  Content,
  Directory,
  ExtId,
  RawExtrinsicMetadata,
  Release,
  Revision,
  Snapshot,
} from './objects.js'
import { SWHID_TYPE_OF_KIND } from './swhid.js'

/**
 * Objects that passed a check below in this process, with what they were checked against (a
 * content: the bytes; the other kinds: their own manifest, `true`). A later layer handed the
 * very same object (the storage's validating layer, below the mirror's per-record checks) asks
 * {@link verify.checked} instead of hashing it a second time. Keyed by identity: a copy (a
 * spread) is not in it, and, as everywhere in the model, objects are not modified once made (a
 * caller that changed one after its check would have to check it again).
 */
const checked = new WeakMap<object, Uint8Array | true>()

/** Recomputed ids, per kind; each throws {@link CorruptError} naming the object on mismatch. */
export const verify = {
  directory(d: Directory): void {
    expectId('directory', d.id, manifestId(directoryObjectManifest(d)))
    checked.set(d, true)
  },
  revision(r: Revision): void {
    expectId('revision', r.id, manifestId(revisionObjectManifest(r)))
    checked.set(r, true)
  },
  release(r: Release): void {
    expectId('release', r.id, manifestId(releaseObjectManifest(r)))
    checked.set(r, true)
  },
  snapshot(s: Snapshot): void {
    expectId('snapshot', s.id, manifestId(snapshotObjectManifest(s)))
    checked.set(s, true)
  },
  extid(e: ExtId): void {
    expectId('extid', e.id, manifestId(extIdManifest(e)))
    checked.set(e, true)
  },
  rawExtrinsicMetadata(m: RawExtrinsicMetadata): void {
    expectId('raw_extrinsic_metadata', m.id, manifestId(rawExtrinsicMetadataManifest(m)))
    checked.set(m, true)
  },
  /**
   * Whether this very object passed a check above (a content: against its bytes; with `data`,
   * against these very bytes).
   */
  checked(obj: object, data?: Uint8Array): boolean {
    const against = checked.get(obj)
    return against !== undefined && (data === undefined || against === data)
  },
  /** Checks the four hashes and the length of a content against its bytes. */
  content(
    c: Pick<Content, 'sha1' | 'sha1Git' | 'sha256' | 'blake2s256' | 'length'>,
    data: Uint8Array,
  ): void {
    const h = hashContent(data)
    const bad: string[] = []
    if (c.length !== data.length) bad.push(`length ${c.length} != ${data.length}`)
    if (h.sha1 !== c.sha1) bad.push('sha1')
    if (h.sha1Git !== c.sha1Git) bad.push('sha1_git')
    if (h.sha256 !== c.sha256) bad.push('sha256')
    if (h.blake2s256 !== c.blake2s256) bad.push('blake2s256')
    if (bad.length > 0) {
      throw new CorruptError(
        `Content "swh:1:cnt:${c.sha1Git}" does not match its bytes (${bad.join(', ')})`,
        { details: { swhid: `swh:1:cnt:${c.sha1Git}`, mismatched: bad } },
      )
    }
    checked.set(c, data)
  },
}

function expectId(kind: string, claimed: string, computed: string): void {
  if (claimed !== computed) {
    const tag = (SWHID_TYPE_OF_KIND as Readonly<Record<string, string>>)[kind]
    const name = tag ? `swh:1:${tag}:${claimed}` : `${kind} ${claimed}`
    throw new CorruptError(`Object "${name}" hashes to ${computed}, not to its id`, {
      details: { kind, claimed, computed },
    })
  }
}
