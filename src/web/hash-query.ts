/**
 * The `[hash_type:]hash` argument of the content routes, shared by `/api/1` and the browse
 * pages.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import type { ContentHashName } from '../storage/index.js'

const HASH_LENGTHS: Readonly<Record<ContentHashName, number>> = {
  sha1: 40,
  sha1_git: 40,
  sha256: 64,
  blake2s256: 64,
}

/** `[hash_type:]hash` of the content routes. */
export function parseHashQuery(q: string): { algo: ContentHashName; hash: string } {
  const colon = q.indexOf(':')
  const algo = (colon < 0 ? 'sha1' : q.slice(0, colon)) as ContentHashName
  const hash = (colon < 0 ? q : q.slice(colon + 1)).toLowerCase()
  const len = HASH_LENGTHS[algo]
  if (len === undefined)
    throw new InvalidInputError(
      `Unknown hash algorithm "${algo}": use sha1, sha1_git, sha256 or blake2s256`,
    )
  if (hash.length !== len || !/^[0-9a-f]+$/.test(hash)) {
    throw new InvalidInputError(
      `Invalid ${algo} checksum "${hash}": expected ${len} hexadecimal digits`,
    )
  }
  return { algo, hash }
}
