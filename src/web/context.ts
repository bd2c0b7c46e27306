/**
 * What the web layer works with: the archive, the token store, the rate limiter, settings and
 * the scrubber's findings.
 *
 * @module
 */

import type { ScrubStore } from '../integrity/index.js'
import type { AddForgeNow } from '../lister/index.js'
import type { SaveCodeNow } from '../scheduler/index.js'
import type { MaskedView, StorageRemoval } from '../storage/index.js'
import type { Vault } from '../vault/index.js'
import type { TokenStore } from './auth/tokens.js'
import type { TrustProxySetting } from './client-ip.js'
import type { RateLimiter } from './middleware/rate-limit.js'

/** Settings of the web server. */
export interface WebConfig {
  /**
   * Reverse proxies whose forwarded headers (X-Forwarded-*, Forwarded) are believed, for
   * absolute links and client addresses (see `client-ip.ts`); `false`: none.
   */
  readonly trustProxy: TrustProxySetting
}

/** Defaults of {@link WebConfig}. */
export const DEFAULT_WEB_CONFIG: WebConfig = { trustProxy: false }

/** The collaborators of every handler. */
export interface WebContext {
  /**
   * The archive as the public sees it: every read goes through the masking layers (takedowns),
   * so no route can serve a masked object, its bytes or a masked origin.
   */
  readonly archive: MaskedView
  readonly tokens: TokenStore
  readonly limiter: RateLimiter
  readonly config: WebConfig
  /** The scrubber's findings (admin route). */
  readonly scrub: ScrubStore
  /** The removal audit trail (admin routes). */
  readonly removals: Pick<StorageRemoval, 'removalList' | 'removalGet' | 'removalObjects'>
  /** Save Code Now (requests, moderation); absent, its routes answer 503. */
  readonly saveCodeNow?: SaveCodeNow | undefined
  /**
   * Tells the visit type of a URL by probing it (null: none recognised), for bulk saves whose
   * lines name none; absent, such lines are rejected.
   */
  readonly detectVisitType?: ((url: string) => Promise<string | null>) | undefined
  /** Add Forge Now (requests to list a forge, moderation); absent, its routes answer 503. */
  readonly addForgeNow?: AddForgeNow | undefined
  /** Forge webhook secrets of Save Code Now (see `api/save-webhooks.ts`). */
  readonly webhookSecrets?: Readonly<Record<string, string>> | undefined
  /** The vault (bundles of objects); absent, its routes answer 501. */
  readonly vault?: Vault | undefined
}
