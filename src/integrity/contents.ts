/**
 * Content checks: each content row's bytes are read back from the content store and hashed
 * again (sha1, sha1_git, sha256, blake2s256 and the length), several files at a time.
 *
 * @module
 */

import { errorMessage, isArcaError } from '../errors.js'
import { type Content, ContentHasher, type ContentHashes } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { FsckFinding } from './findings.js'

/** Contents up to this size are read in one call; larger ones are streamed. */
const WHOLE_READ_LIMIT = 4 << 20

const HASH_NAMES: readonly [keyof ContentHashes, string][] = [
  ['sha1', 'sha1'],
  ['sha1Git', 'sha1_git'],
  ['sha256', 'sha256'],
  ['blake2s256', 'blake2s256'],
]

async function hashStored(
  store: ObjStorage,
  c: Content,
): Promise<{ length: number; hashes: ContentHashes }> {
  if (c.length <= WHOLE_READ_LIMIT) {
    const data = store.getBytesSync
      ? store.getBytesSync(c.sha1Git)
      : await store.getBytes(c.sha1Git)
    const h = new ContentHasher(data.length).update(data)
    return { length: data.length, hashes: h.digest() }
  }
  // Large: streamed once; hashed with the recorded length in the git header, and counted.
  let length = 0
  const h = new ContentHasher(c.length)
  for await (const chunk of store.get(c.sha1Git)) {
    length += chunk.length
    if (length <= c.length) h.update(chunk)
  }
  if (length !== c.length) return { length, hashes: NO_HASHES }
  return { length, hashes: h.digest() }
}

const NO_HASHES: ContentHashes = { sha1: '', sha1Git: '', sha256: '', blake2s256: '' }

/** The finding of one content, or null when its bytes are present and match. */
export async function checkContent(store: ObjStorage, c: Content): Promise<FsckFinding | null> {
  const swhid = `swh:1:cnt:${c.sha1Git}`
  let got: { length: number; hashes: ContentHashes }
  try {
    got = await hashStored(store, c)
  } catch (e) {
    if (isArcaError(e, 'not_found'))
      return {
        kind: 'content',
        swhid,
        problem: 'missing',
        detail: 'its bytes are not in the content store',
      }
    return {
      kind: 'content',
      swhid,
      problem: 'corrupt',
      detail: `its bytes cannot be read back (${errorMessage(e)})`,
    }
  }
  const bad: string[] = []
  if (got.length !== c.length) bad.push(`length: ${got.length} bytes stored, ${c.length} recorded`)
  else
    for (const [key, name] of HASH_NAMES)
      if (got.hashes[key] !== c[key]) bad.push(`${name} ${got.hashes[key]}`)
  if (bad.length === 0) return null
  return {
    kind: 'content',
    swhid,
    problem: 'corrupt',
    detail: `its stored bytes do not match its hashes (${bad.join('; ')})`,
  }
}

/** The findings of `contents`, read `parallel` at a time, in input order. */
export async function checkContents(
  store: ObjStorage,
  contents: readonly Content[],
  parallel = 32,
): Promise<FsckFinding[]> {
  const results: (FsckFinding | null)[] = new Array<FsckFinding | null>(contents.length).fill(null)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < contents.length) {
      const i = next++
      results[i] = await checkContent(store, contents[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, contents.length) }, worker))
  return results.filter((f): f is FsckFinding => f !== null)
}
