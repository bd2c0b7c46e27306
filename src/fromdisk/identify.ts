/**
 * `identify`: the SWHID of a file, a directory tree, an origin URL or a git repository's
 * snapshot, as `swh identify` computes it. Shared by the CLI and the library API.
 *
 * Differences from upstream, on purpose: a symlink to a directory given as the argument is
 * identified as that directory with `--dereference` (upstream crashes), and exclusion patterns
 * are applied once, to root-relative paths (upstream's second filtering pass also drops every
 * sub-directory for patterns such as `.*`; we do not reproduce that bug).
 *
 * @module
 */

import { statSync } from 'node:fs'

import { InvalidInputError } from '../errors.js'
import { decodeUtf8, originId, swhidString } from '../model/index.js'
import { hashFile, hashStream } from './file.js'
import { gitRepositorySnapshot } from './git-snapshot.js'
import { type DiskNode, fsError, walkDirectory, type WalkProgress } from './walk.js'

/** What to identify an argument as. */
export const IDENTIFY_TYPES = ['auto', 'content', 'directory', 'origin', 'snapshot'] as const
/** One of {@link IDENTIFY_TYPES}. */
export type IdentifyType = (typeof IDENTIFY_TYPES)[number]

/** Options of {@link identify}. */
export interface IdentifyOptions {
  readonly type?: IdentifyType
  /** Follow the argument itself if it is a symlink (default true). */
  readonly dereference?: boolean
  /** Exclusion patterns for directories (root-relative, fnmatch). */
  readonly exclude?: readonly string[]
  /** Every node of a directory, post-order. */
  readonly onNode?: (node: DiskNode) => void
  readonly onProgress?: (p: WalkProgress) => void
  /** Standard input, for the `-` argument. */
  readonly stdin?: AsyncIterable<Uint8Array>
  readonly workers?: number
  readonly signal?: AbortSignal
}

/** The result of identifying one argument. */
export interface Identified {
  readonly swhid: string
  readonly type: Exclude<IdentifyType, 'auto'>
}

const URL_SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/

function detect(arg: Uint8Array): Exclude<IdentifyType, 'auto'> {
  if (arg.length === 1 && arg[0] === 0x2d) return 'content'
  const text = decodeUtf8(arg)
  const looksLikeUrl = text !== null && URL_SCHEME_RE.test(text)
  const shown = Buffer.from(arg).toString()
  let st
  try {
    st = statSync(Buffer.from(arg))
  } catch (e) {
    if (looksLikeUrl) return 'origin'
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new InvalidInputError(
        `Cannot identify "${shown}": no such file or directory, and not a URL`,
        { details: { path: shown } },
      )
    }
    throw fsError(arg, e, 'identify')
  }
  if (st.isFile()) return 'content'
  if (st.isDirectory()) return 'directory'
  if (looksLikeUrl) return 'origin'
  throw new InvalidInputError(
    `Cannot identify "${shown}": neither a regular file nor a directory (use --type content)`,
  )
}

/**
 * Identifies one argument (a path as raw bytes, `-` for standard input, or a URL).
 *
 * @example
 * ```ts
 * (await identify(Buffer.from('src'))).swhid // 'swh:1:dir:…'
 * ```
 */
export async function identify(
  arg: Uint8Array,
  options: IdentifyOptions = {},
): Promise<Identified> {
  const requested = options.type ?? 'auto'
  const type = requested === 'auto' ? detect(arg) : requested
  const isStdin = arg.length === 1 && arg[0] === 0x2d
  switch (type) {
    case 'content': {
      if (isStdin) {
        const stdin = options.stdin ?? (process.stdin as AsyncIterable<Uint8Array>)
        return { type, swhid: swhidString('cnt', (await hashStream(stdin)).sha1Git) }
      }
      const h = hashFile(arg, { dereference: options.dereference !== false })
      return { type, swhid: swhidString('cnt', h.sha1Git) }
    }
    case 'directory': {
      // The root is scanned through a symlink either way (readdir follows it), which is what
      // --dereference means for a directory argument.
      try {
        if (!statSync(Buffer.from(arg)).isDirectory()) {
          throw new InvalidInputError(
            `Cannot identify "${Buffer.from(arg).toString()}" as a directory: it is not one`,
          )
        }
      } catch (e) {
        if (e instanceof InvalidInputError) throw e
        throw fsError(arg, e, 'identify')
      }
      const node = await walkDirectory(stripTrailingSlashes(arg), {
        ...(options.exclude ? { exclude: options.exclude } : {}),
        ...(options.onNode ? { onNode: options.onNode } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      return { type, swhid: swhidString('dir', node.directory.id) }
    }
    case 'origin': {
      const url = decodeUtf8(arg)
      if (url === null) throw new InvalidInputError('An origin URL must be valid UTF-8')
      return { type, swhid: swhidString('ori', originId(url)) }
    }
    case 'snapshot': {
      const path = Buffer.from(arg).toString()
      return { type, swhid: swhidString('snp', (await gitRepositorySnapshot(path)).id) }
    }
  }
}

/** `a/b//` → `a/b`; `/` stays `/`. */
export function stripTrailingSlashes(p: Uint8Array): Uint8Array {
  let end = p.length
  while (end > 1 && p[end - 1] === 0x2f) end--
  return p.subarray(0, end)
}
