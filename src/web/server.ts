/**
 * Serving the app over HTTP with Node's server (through Hono's Node adapter).
 *
 * @module
 */

import type { AddressInfo } from 'node:net'

import { serve } from '@hono/node-server'

import { UnavailableError } from '../errors.js'
import { ScrubStore } from '../integrity/index.js'
import type { AddForgeNow } from '../lister/index.js'
import type { SaveCodeNow } from '../scheduler/index.js'
import { type Archive, maskedView } from '../storage/index.js'
import type { Vault } from '../vault/index.js'
import { createApp } from './app.js'
import { TokenStore } from './auth/tokens.js'
import { mountBrowse } from './browse/index.js'
import { DEFAULT_WEB_CONFIG, type WebConfig, type WebContext } from './context.js'
import { RateLimiter, type RateLimiterInit } from './middleware/rate-limit.js'

/** Default port of `arca serve`. */
export const DEFAULT_PORT = 5080
/** Default address: local only (use --host 0.0.0.0 to serve the network). */
export const DEFAULT_HOST = '127.0.0.1'

/** Settings of {@link startServer}. */
export interface ServerInit {
  readonly archive: Archive
  readonly port?: number
  readonly host?: string
  readonly config?: Partial<WebConfig>
  readonly rateLimits?: RateLimiterInit
  /** Save Code Now (made by the CLI with the loadable visit types); absent, its routes 503. */
  readonly saveCodeNow?: SaveCodeNow
  /** Tells a URL's visit type by probing it, for bulk saves' lines that name none. */
  readonly detectVisitType?: (url: string) => Promise<string | null>
  /** Add Forge Now (made by the CLI with the lister types); absent, its routes 503. */
  readonly addForgeNow?: AddForgeNow
  /** Per-forge secrets of the Save Code Now webhooks (`github`, `gitlab`, …). */
  readonly webhookSecrets?: Readonly<Record<string, string>>
  /** The vault; absent, its routes answer 501. */
  readonly vault?: Vault
  /** Mounts more routes (browse pages) on the app. */
  readonly extend?: Parameters<typeof createApp>[1]
}

/** Why listening failed, naming the address: the environment's failure, not a bug. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number | undefined): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port ?? DEFAULT_PORT}`
  const why =
    e.code === 'EADDRINUSE'
      ? 'the address is already in use (another server is listening there)'
      : e.code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : e.code === 'EADDRNOTAVAIL'
          ? 'this machine has no such address'
          : null
  return why === null
    ? e
    : new UnavailableError(`Cannot listen on ${where}: ${why}`, { cause: e, details: { where } })
}

/** A running server. */
export interface RunningServer {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** The web context of an archive: its reads go through the masking layers. */
export function webContext(
  archive: Archive,
  config: Partial<WebConfig> = {},
  rateLimits: RateLimiterInit = {},
  extra: Pick<
    WebContext,
    'saveCodeNow' | 'detectVisitType' | 'webhookSecrets' | 'vault' | 'addForgeNow'
  > = {},
): WebContext {
  return {
    archive: maskedView(archive),
    tokens: new TokenStore(archive.backend.db),
    limiter: new RateLimiter(rateLimits),
    config: { ...DEFAULT_WEB_CONFIG, ...config },
    scrub: new ScrubStore(archive.backend.db),
    removals: archive.backend,
    saveCodeNow: extra.saveCodeNow,
    detectVisitType: extra.detectVisitType,
    webhookSecrets: extra.webhookSecrets,
    vault: extra.vault,
    addForgeNow: extra.addForgeNow,
  }
}

/**
 * Starts the HTTP server.
 *
 * @example
 * ```ts
 * const server = await startServer({ archive, port: 0 })
 * console.log(server.url)
 * await server.close()
 * ```
 */
export async function startServer(init: ServerInit): Promise<RunningServer> {
  const ctx = webContext(init.archive, init.config, init.rateLimits, {
    saveCodeNow: init.saveCodeNow,
    detectVisitType: init.detectVisitType,
    webhookSecrets: init.webhookSecrets,
    vault: init.vault,
    addForgeNow: init.addForgeNow,
  })
  const app = createApp(ctx, (a) => {
    mountBrowse(a, ctx)
    init.extend?.(a)
  })
  const host = init.host ?? DEFAULT_HOST
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: init.port ?? DEFAULT_PORT, hostname: host }, () =>
      resolve(s),
    )
    s.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, init.port)))
  })
  const port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
      }),
  }
}
