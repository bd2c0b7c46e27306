/**
 * Compressed documents fetched from a server (a Debian mirror's `Sources.xz` / `Sources.gz`):
 * decompressed in memory with a bound on the output, so that a small hostile file cannot
 * expand without limit. gzip by node's zlib; xz by the system `xz`
 * (xz-utils), streamed, stopped at the bound.
 *
 * @module
 */

import { spawn } from 'node:child_process'
import { gunzipSync } from 'node:zlib'

import { CorruptError, TooLargeError, UnavailableError } from '../errors.js'

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
  return xzDecompress(body, url, maxBytes)
}

/**
 * `body` decompressed by the system `xz` (xz-utils, which the archive loaders use too), fed on
 * its standard input; stopped (and a TooLargeError) past `maxBytes`.
 */
function xzDecompress(body: Uint8Array, url: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] })
    const parts: Buffer[] = []
    let size = 0
    let stderr = ''
    let failure: Error | null = null
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        failure ??= new TooLargeError(`${url} decompresses to more than ${maxBytes} bytes`)
        child.kill('SIGKILL')
        return
      }
      parts.push(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1000) stderr += chunk.toString('utf8')
    })
    child.on('error', (e) => {
      failure ??= new UnavailableError(`cannot run xz to read ${url}: ${e.message}`)
    })
    // A child that exits early (a bad header) closes its input: that is its answer, not ours.
    child.stdin.on('error', () => undefined)
    child.on('close', (code) => {
      if (failure) reject(failure)
      else if (code !== 0)
        reject(
          new CorruptError(`${url} is not an xz file (${stderr.trim() || `xz exited ${code}`})`),
        )
      else resolve(Buffer.concat(parts))
    })
    child.stdin.end(body)
  })
}
