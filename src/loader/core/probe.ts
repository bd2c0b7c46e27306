/**
 * What every loader's probe (`<kind>/probe.ts`, for `arca save` without `--type`) shares: the
 * local path a URL names, folder checks, and the time one probe request may take.
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Time one probe request may take. */
export const PROBE_TIMEOUT_MS = 10_000

/** Whether `p` is a folder (false when it is not there). */
export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/**
 * The local path a URL names as `arca save` takes it (`file://…` or a path), else null (another
 * scheme, or git's scp-like `host:path` when no such path exists).
 */
export function localPathOf(url: string): string | null {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url)
    } catch {
      return null
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return null
  if (/^[^/]+:/.test(url) && !existsSync(url)) return null // scp-like host:path
  return url
}

/** An abort signal for one probe request: the caller's, and the probe's time limit. */
export function probeSignal(signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS)
  return signal ? AbortSignal.any([signal, timeout]) : timeout
}
