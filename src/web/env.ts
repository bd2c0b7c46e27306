/**
 * The Hono environment of the web app, shared by the app, the feed and the browse pages (in
 * its own module so that none of them imports another for it).
 *
 * @module
 */

import type { TokenInfo } from './auth/tokens.js'

/** Variables set on each request by the middleware. */
export interface AppEnv {
  Variables: { token: TokenInfo | null; tokenSecret: string | null }
}
