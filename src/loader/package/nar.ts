/**
 * The NAR hash of a file tree (Nix's `nix-hash --type sha256 <path>`, what a fixed-output
 * derivation with `recursive` hashing and Guix's `nix-base32` source hashes name): the hash
 * of the tree serialised as a Nix ARchive. Directory entries in byte order, a file
 * executable when its owner may execute it, symbolic links as their target, as Nix writes
 * them; with `excludeVcs`, `.git`, `.hg`, `.svn` and `.bzr` folders are left out, as SWH's
 * `Nar(exclude_vcs=True)` does. For the `nar-sha256` ExtIDs of nixguix sources.
 *
 * @module
 */

import { createHash, type Hash } from 'node:crypto'
import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'

import { InvalidInputError } from '../../errors.js'

const VCS = new Set(['.git', '.hg', '.svn', '.bzr'])

function str(h: Hash, b: Uint8Array | string): void {
  const bytes = typeof b === 'string' ? Buffer.from(b) : b
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(bytes.length))
  h.update(len)
  h.update(bytes)
  const pad = (8 - (bytes.length % 8)) % 8
  if (pad) h.update(Buffer.alloc(pad))
}

function fileContents(h: Hash, path: Buffer, size: number): void {
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(size))
  h.update(len)
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(1 << 20)
    let left = size
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, left), null)
      if (n === 0) throw new Error(`${path.toString()} shrank while hashed`)
      h.update(buf.subarray(0, n))
      left -= n
    }
  } finally {
    closeSync(fd)
  }
  const pad = (8 - (size % 8)) % 8
  if (pad) h.update(Buffer.alloc(pad))
}

function serialise(h: Hash, path: Buffer, excludeVcs: boolean): void {
  const st = lstatSync(path)
  str(h, '(')
  str(h, 'type')
  if (st.isSymbolicLink()) {
    str(h, 'symlink')
    str(h, 'target')
    str(h, readlinkSync(path, { encoding: 'buffer' }))
  } else if (st.isDirectory()) {
    str(h, 'directory')
    const names = readdirSync(path, { encoding: 'buffer' })
      .filter((n) => !(excludeVcs && VCS.has(n.toString('latin1'))))
      .sort((a, b) => Buffer.compare(a, b))
    for (const name of names) {
      str(h, 'entry')
      str(h, '(')
      str(h, 'name')
      str(h, name)
      str(h, 'node')
      serialise(h, Buffer.concat([path, Buffer.from('/'), name]), excludeVcs)
      str(h, ')')
    }
  } else {
    str(h, 'regular')
    if (st.mode & 0o100) {
      str(h, 'executable')
      str(h, '')
    }
    str(h, 'contents')
    fileContents(h, path, st.size)
  }
  str(h, ')')
}

/**
 * The NAR hash (hex) of the file or folder at `path`.
 *
 * @example
 * ```ts
 * narHash('/scratch/src/hello-2.12') // same as `nix-hash --type sha256 /scratch/src/hello-2.12`
 * ```
 */
export function narHash(
  path: string,
  options: { readonly algo?: 'sha256' | 'sha1' | 'sha512'; readonly excludeVcs?: boolean } = {},
): string {
  const h = createHash(options.algo ?? 'sha256')
  str(h, 'nix-archive-1')
  serialise(h, Buffer.from(path), options.excludeVcs ?? false)
  return h.digest('hex')
}

/**
 * The tree whose NAR hashes are the declared `checksums` (algorithm → hex): `src`, else its
 * single top-level folder (Nix hashes an unpacked archive without it, as SWH's
 * `TarballDirectoryLoader` tries both); VCS folders left out. A mismatch is an
 * InvalidInputError naming the URL, the hash of the unpacked tree and the one expected.
 */
export function narRoot(
  src: string,
  checksums: Readonly<Record<string, string>>,
  url: string,
): string {
  const algos = Object.keys(checksums).filter((a) => a !== 'length')
  const matches = (p: string): boolean =>
    algos.every(
      (algo) =>
        narHash(p, { algo: algo as 'sha256', excludeVcs: true }) === checksums[algo]!.toLowerCase(),
    )
  if (matches(src)) return src
  const listing = readdirSync(src)
  let only: string | null = null
  if (listing.length === 1) {
    only = join(src, listing[0]!)
    if (!statSync(only).isDirectory()) only = null
    else if (matches(only)) return only
  }
  const algo = (algos[0] ?? 'sha256') as 'sha256'
  const got = narHash(only ?? src, { algo, excludeVcs: true })
  throw new InvalidInputError(
    `checksum mismatch for ${url}: nar-${algo} of the unpacked tree is ${got}, expected ${checksums[algo]?.toLowerCase() ?? '(none)'}`,
  )
}
