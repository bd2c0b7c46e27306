/**
 * Compressed documents fetched from a server (a Debian mirror's `Sources.xz` / `Sources.gz`):
 * decompressed in memory with a bound on the output, so that a small hostile file cannot
 * expand without limit. gzip by node's zlib; xz by `@napi-rs/lzma` (xz-utils' format,
 * streamed, stopped at the bound).
 *
 * @module
 */

import { gunzipSync } from 'node:zlib'

import { xz } from '@napi-rs/lzma'

import { CorruptError, TooLargeError } from '../errors.js'

/** Decompressed documents larger than this are refused by default. */
export const DEFAULT_MAX_DECOMPRESSED = 1024 * 1024 * 1024

/** Formats {@link decompressDocument} reads. */
export type DocumentCompression = 'gz' | 'xz'

/**
 * The bytes of the `format`-compressed document `body` fetched from `url`: a CorruptError
 * naming the URL when it is not of that format, a TooLargeError past `maxBytes`.
 *
 * @example
 * ```ts
 * const text = (await decompressDocument(body, 'xz', `${base}.xz`)).toString('utf8')
 * ```
 */
export async function decompressDocument(
  body: Uint8Array,
  format: DocumentCompression,
  url: string,
  maxBytes = DEFAULT_MAX_DECOMPRESSED,
): Promise<Buffer> {
  if (format === 'gz') {
    try {
      return gunzipSync(body, { maxOutputLength: maxBytes })
    } catch (e) {
      if (e instanceof RangeError)
        throw new TooLargeError(`${url} decompresses to more than ${maxBytes} bytes`)
      throw new CorruptError(`${url} is not a gzip file`)
    }
  }
  const parts: Buffer[] = []
  let size = 0
  const stream = xz.decompressStream(new Blob([Uint8Array.from(body)]).stream())
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size > maxBytes) {
        await reader.cancel()
        throw new TooLargeError(`${url} decompresses to more than ${maxBytes} bytes`)
      }
      parts.push(value)
    }
  } catch (e) {
    if (e instanceof TooLargeError) throw e
    throw new CorruptError(
      `${url} is not an xz file (${e instanceof Error ? e.message : String(e)})`,
    )
  } finally {
    reader.releaseLock()
  }
  return Buffer.concat(parts)
}
