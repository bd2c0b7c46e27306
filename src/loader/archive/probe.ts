/**
 * Whether a URL names a tarball (for `arca save` without `--type`): its path ends with an
 * archive extension, or it is a local file starting with an archive's magic bytes. No request.
 *
 * @module
 */

import { statSync } from 'node:fs'

import type { NetPolicy } from '../../net/index.js'
import { localPathOf } from '../core/probe.js'
import { sniffFormat } from '../package/index.js'
import { hasArchiveExtension } from './version.js'

/** Whether `url` looks like a tarball or zip. */
export function probeTar(
  url: string,
  _signal?: AbortSignal,
  network?: NetPolicy,
): Promise<boolean> {
  const local = localPathOf(url)
  if (local !== null) {
    if (network) return Promise.resolve(false)
    try {
      if (!statSync(local).isFile()) return Promise.resolve(false)
      const f = sniffFormat(local)
      return Promise.resolve(f !== null && (f !== 'tar' || hasArchiveExtension(local)))
    } catch {
      return Promise.resolve(false)
    }
  }
  try {
    const u = new URL(url)
    return Promise.resolve(
      (u.protocol === 'http:' || u.protocol === 'https:') && hasArchiveExtension(u.pathname),
    )
  } catch {
    return Promise.resolve(false)
  }
}
