/**
 * Contents from bytes, for producers that read files whole (Mercurial, Subversion, Bazaar, CVS,
 * archives): a content with its four hashes, or, at the size limit or above, a skipped content
 * (hashes only, the bytes not kept) naming the origin, as Software Heritage's loaders do.
 *
 * @module
 */

import { makeContent } from '../../model/index.js'
import type { ModelObject } from './types.js'

/** Default size from which a content is archived as a skipped content (hashes only). */
export const DEFAULT_MAX_CONTENT_SIZE = 100 * 1024 * 1024

/** Why a content is skipped, in Software Heritage's words. */
export const TOO_LARGE = 'Content too large'

/**
 * The model object of a file's bytes: `content`, or `skipped_content` when `data` has
 * `maxContentSize` bytes or more.
 */
export function contentObject(
  data: Uint8Array,
  options: { readonly maxContentSize: number; readonly origin: string },
): ModelObject & { readonly type: 'content' | 'skipped_content' } {
  const c = makeContent(data)
  if (data.length >= options.maxContentSize)
    return {
      type: 'skipped_content',
      object: {
        sha1: c.sha1,
        sha1Git: c.sha1Git,
        sha256: c.sha256,
        blake2s256: c.blake2s256,
        length: c.length,
        status: 'absent',
        reason: TOO_LARGE,
        origin: options.origin,
        ctime: null,
      },
    }
  return { type: 'content', object: { ...c, data } }
}
