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

/** Recomputed ids, per kind; each throws {@link CorruptError} naming the object on mismatch. */
export const verify = {
  directory(d: Directory): void {
    expectId('directory', d.id, manifestId(directoryObjectManifest(d)))
  },
  revision(r: Revision): void {
    expectId('revision', r.id, manifestId(revisionObjectManifest(r)))
  },
  release(r: Release): void {
    expectId('release', r.id, manifestId(releaseObjectManifest(r)))
  },
  snapshot(s: Snapshot): void {
    expectId('snapshot', s.id, manifestId(snapshotObjectManifest(s)))
  },
  extid(e: ExtId): void {
    expectId('extid', e.id, manifestId(extIdManifest(e)))
  },
  rawExtrinsicMetadata(m: RawExtrinsicMetadata): void {
    expectId('raw_extrinsic_metadata', m.id, manifestId(rawExtrinsicMetadataManifest(m)))
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
