/**
 * Writing results to standard output as bytes, and one-line errors to standard error.
 *
 * @module
 */

import { writeSync } from 'node:fs'

/** Writes bytes (or text) to stdout synchronously; a closed pipe ends the process quietly. */
export function writeOut(data: Uint8Array | string): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data
  let off = 0
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off, buf.length - off)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') continue
      if (code === 'EPIPE') process.exit(0)
      throw e
    }
  }
}

/** Writes a line to stderr. */
export function writeErr(line: string): void {
  try {
    writeSync(2, line.endsWith('\n') ? line : line + '\n')
  } catch {
    // Nothing sensible to do when stderr is gone.
  }
}
