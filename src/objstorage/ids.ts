/**
 * The content ids every content store takes (sha1_git, 40 lowercase hex digits), and the one
 * wording of "not here", so that callers (fsck, repair, the API) see the same error from any
 * store.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../errors.js'
import { isSha1Hex } from '../model/index.js'

/** Throws an InvalidInputError unless `id` is a content id. */
export function checkId(id: string): void {
  if (!isSha1Hex(id))
    throw new InvalidInputError(`Invalid content id "${id}": expected 40 lowercase hex digits`)
}

/** The error of a content the store does not hold. */
export function notFound(id: string): NotFoundError {
  return new NotFoundError(`Content "swh:1:cnt:${id}" is not in the content store`)
}
