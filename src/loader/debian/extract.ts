/**
 * Unpacking a Debian source package as Software Heritage does: `dpkg-source --no-copy
 * --no-check --ignore-bad-version -x <dsc> <dest>` (the checksums were verified on download),
 * the tree being `<dest>` itself. dpkg-source refuses patches reaching outside the tree and
 * unpacks the tarballs with tar's own safety (no absolute names, no `..`); the tree is then
 * checked by the core's safe-unpack rules like any other.
 *
 * @module
 */

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { CorruptError } from '../../errors.js'

const run = promisify(execFile)

/** Unpacks `dir/<dscName>` (its files beside it) into `dest`, which must not exist. */
export async function dpkgSourceExtract(
  dir: string,
  dscName: string,
  dest: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await run(
      'dpkg-source',
      ['--no-copy', '--no-check', '--ignore-bad-version', '-x', join(dir, dscName), dest],
      {
        cwd: dir,
        ...(signal ? { signal } : {}),
        maxBuffer: 16 * 1024 * 1024,
        // no user configuration, no interactive prompt
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', HOME: dir },
      },
    )
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string }
    const log = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n')
    throw new CorruptError(
      `dpkg-source could not unpack ${dscName} (exit ${String(err.code)}): ${log}`,
      {
        cause: e,
      },
    )
  }
}
