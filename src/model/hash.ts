/**
 * Hash functions of the archive. This is the only module of the model that touches a platform
 * API (`node:crypto`); everything else computes on bytes.
 *
 * Every content carries four hashes (SWHID spec §1): `sha1_git` (its identifier, a git blob
 * hash), plain `sha1`, `sha256` and `blake2s256` (BLAKE2s, 32-byte digest, unkeyed).
 *
 * @module
 */

import { createHash, type Hash, hash } from 'node:crypto'

import { utf8 } from './bytes.js'

/** The four hashes of a content, as lowercase hex. */
export interface ContentHashes {
  readonly sha1: string
  readonly sha1Git: string
  readonly sha256: string
  readonly blake2s256: string
}

/** Names of the content hashes, in Software Heritage's spelling (`sha1_git`). */
export const HASH_ALGORITHMS = ['sha1', 'sha1_git', 'sha256', 'blake2s256'] as const
/** One of {@link HASH_ALGORITHMS}. */
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number]

/** SHA-1 of `data` as raw bytes. */
export function sha1Bytes(data: Uint8Array): Uint8Array {
  return createHash('sha1').update(data).digest()
}

/** SHA-1 of `data` as lowercase hex. */
export function sha1Hex(data: Uint8Array): string {
  // One-shot hashing: about twice as fast as createHash for the small manifests of most objects.
  return hash('sha1', data, 'hex')
}

/** The git object header `<type> <length>\0` (SWHID spec §1). */
export function gitHeader(type: string, length: number): Uint8Array {
  return utf8(`${type} ${length}\0`)
}

/** Identifier of a framed object: SHA-1 of `<type> <len>\0<body>`, as hex. */
export function gitObjectId(type: string, body: Uint8Array): string {
  return createHash('sha1').update(gitHeader(type, body.length)).update(body).digest('hex')
}

/**
 * Incremental hasher computing the four content hashes in one pass. The length must be known
 * up front because `sha1_git` hashes a `blob <length>\0` header before the data.
 *
 * @example
 * ```ts
 * const h = new ContentHasher(size)
 * for await (const chunk of stream) h.update(chunk)
 * const { sha1Git } = h.digest()
 * ```
 */
export class ContentHasher {
  readonly #expected: number
  #seen = 0
  readonly #sha1: Hash
  readonly #sha1Git: Hash
  readonly #sha256: Hash
  readonly #blake: Hash

  constructor(length: number) {
    this.#expected = length
    this.#sha1 = createHash('sha1')
    this.#sha1Git = createHash('sha1').update(gitHeader('blob', length))
    this.#sha256 = createHash('sha256')
    this.#blake = createHash('blake2s256')
  }

  update(chunk: Uint8Array): this {
    this.#seen += chunk.length
    this.#sha1.update(chunk)
    this.#sha1Git.update(chunk)
    this.#sha256.update(chunk)
    this.#blake.update(chunk)
    return this
  }

  /** The hashes; throws a `RangeError` when the bytes seen differ from the announced length. */
  digest(): ContentHashes {
    if (this.#seen !== this.#expected) {
      throw new RangeError(`Content length changed: announced ${this.#expected}, got ${this.#seen}`)
    }
    return {
      sha1: this.#sha1.digest('hex'),
      sha1Git: this.#sha1Git.digest('hex'),
      sha256: this.#sha256.digest('hex'),
      blake2s256: this.#blake.digest('hex'),
    }
  }
}

/** Largest content {@link hashContent} hashes with one-shot calls (its git-framed copy is made). */
const ONE_SHOT_MAX = 1 << 20

/** The four hashes of an in-memory content. */
export function hashContent(data: Uint8Array): ContentHashes {
  if (data.length > ONE_SHOT_MAX) return new ContentHasher(data.length).update(data).digest()
  // One-shot hashing: four hashers set up and finished cost more than small contents' bytes.
  const header = gitHeader('blob', data.length)
  const framed = new Uint8Array(header.length + data.length)
  framed.set(header)
  framed.set(data, header.length)
  return {
    sha1: hash('sha1', data, 'hex'),
    sha1Git: hash('sha1', framed, 'hex'),
    sha256: hash('sha256', data, 'hex'),
    blake2s256: hash('blake2s256', data, 'hex'),
  }
}

/** Only the identifier (`sha1_git`) of a content: the cheap path used by `identify`. */
export function contentSha1Git(data: Uint8Array): string {
  return gitObjectId('blob', data)
}

/** Hex digest of `data` with one of the content hash algorithms. */
export function hashWith(algo: HashAlgorithm, data: Uint8Array): string {
  switch (algo) {
    case 'sha1':
      return createHash('sha1').update(data).digest('hex')
    case 'sha1_git':
      return contentSha1Git(data)
    case 'sha256':
      return createHash('sha256').update(data).digest('hex')
    case 'blake2s256':
      return createHash('blake2s256').update(data).digest('hex')
  }
}
