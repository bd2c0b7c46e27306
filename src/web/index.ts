/**
 * The web server: `/api/1`, browse pages, the mirror feed, tokens and rate limits. Only the CLI imports web, and only from here.
 *
 * @module
 */

export { WEBHOOK_FORGES } from './api/routes.js'
export { TOKEN_SCOPES, TokenStore } from './auth/tokens.js'
export { proxyTrust } from './client-ip.js'
export {
  DEFAULT_EXEMPT_NETWORKS,
  DEFAULT_RATES,
  parseRate,
  parseScopedRate,
  type Rate,
  RedisRateCounter,
} from './middleware/rate-limit.js'
export { DEFAULT_HOST, DEFAULT_PORT, startServer } from './server.js'
