/**
 * What a remote's failures mean to a visit: a message from the remote (an `ERR` pkt-line, a
 * sideband error, an upload-pack's standard error) or a network error becomes `not_found` (the
 * repository is gone or denied) or `unavailable` (worth trying again later).
 *
 * @module
 */

import { type ArcaError, isArcaError, NotFoundError, UnavailableError } from '../../errors.js'

/** Turns a remote's error message into not_found (gone, denied) or unavailable (transient). */
export function classifyRemoteMessage(msg: string): ArcaError {
  if (
    /not found|does not exist|does not appear to be a git repository|not exported|access denied|authentication|could not read username|permission denied|repository .* not found|no such/i.test(
      msg,
    )
  ) {
    return new NotFoundError(`Remote repository not found or not accessible: ${msg}`)
  }
  return new UnavailableError(`Remote error: ${msg}`)
}

/**
 * A failure to reach `url`: an unknown host is not_found, anything else unavailable; an Arca
 * error (a refused address or redirect, an unresolvable host) stays what it is.
 */
export function networkError(url: string, e: unknown): ArcaError {
  if (isArcaError(e)) return e
  const cause = (e as { cause?: { code?: string } }).cause
  const code = cause?.code ?? (e as NodeJS.ErrnoException).code
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new NotFoundError(`Remote host of ${url} not found`, { cause: e })
  return new UnavailableError(
    `Cannot reach ${url}: ${(e as Error).message}${code ? ` (${code})` : ''}`,
    { cause: e },
  )
}
