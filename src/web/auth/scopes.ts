/**
 * What each token scope grants, and the checks the routes make. Each scope grants only its own
 * routes (a token may carry several scopes):
 *
 * | scope    | grants                                                                 |
 * | -------- | ---------------------------------------------------------------------- |
 * | `api`    | `/api/1/…` with the authenticated rate limits (anonymous callers need no token) |
 * | `mirror` | the mirror feed, `/mirror/1/…`                                         |
 * | `admin`  | the administration routes, `/admin/1/…`                                |
 *
 * A missing, malformed, unknown or revoked token is a 401; a valid token without the route's
 * scope is a 403. Every check reads the token store (an indexed lookup of the secret's hash),
 * so a revocation made by `arca token revoke` in another process holds from the next request.
 *
 * @module
 */

import { ForbiddenError, UnauthorizedError } from '../../errors.js'
import type { TokenInfo, TokenScope, TokenStore } from './tokens.js'

/** What the checks read of a request. */
interface WithHeaders {
  readonly req: { header(name: string): string | undefined }
}

/** The bearer secret of a request, `null` without an `Authorization` header. */
export function bearerSecret(c: WithHeaders): string | null {
  const auth = c.req.header('authorization')
  if (!auth) return null
  const m = /^Bearer\s+(\S+)$/i.exec(auth)
  if (!m) throw new UnauthorizedError('Invalid Authorization header: use "Bearer <token>"')
  return m[1]!
}

/** The token of `secret`; 401 if it is unknown or revoked. */
export async function verifiedToken(tokens: TokenStore, secret: string): Promise<TokenInfo> {
  const token = await tokens.verify(secret)
  if (!token) throw new UnauthorizedError('Invalid or revoked token')
  return token
}

/** 403 unless `token` carries `scope`. */
export function checkScope(token: TokenInfo, scope: TokenScope, what: string): void {
  if (!token.scopes.includes(scope))
    throw new ForbiddenError(
      `${what} needs a token with the "${scope}" scope (this one has: ${token.scopes.join(', ')})`,
    )
}

/** The token of a request to a route that needs `scope`: 401 without one, 403 without it. */
export async function requireScope(
  c: WithHeaders,
  tokens: TokenStore,
  scope: TokenScope,
  what: string,
): Promise<TokenInfo> {
  const secret = bearerSecret(c)
  if (secret === null) throw new UnauthorizedError(`${what} needs "Authorization: Bearer <token>"`)
  const token = await verifiedToken(tokens, secret)
  checkScope(token, scope, what)
  return token
}
