/**
 * Network safety for every fetch made on someone's request (Save Code Now, webhooks, listers,
 * the worker): address classification (`ranges.ts`), the operator's policy (`policy.ts`),
 * resolution and the checking `lookup` against DNS rebinding (`resolve.ts`), the URL check
 * (`check.ts`), an HTTP client that checks every redirect (`http.ts`), and a forward proxy that
 * checks every connection the tools a loader runs make (`egress-proxy.ts`). See
 * docs/security.md.
 *
 * @module
 */

export { ALLOWED_SCHEMES, checkUrl, urlHost } from './check.js'
export {
  decompressDocument,
  DEFAULT_MAX_DECOMPRESSED,
  type DocumentCompression,
} from './decompress.js'
export { type EgressProxy, parseAuthority, startEgressProxy } from './egress-proxy.js'
export { HttpClient, type HttpRequestOptions, type HttpResponse, MAX_REDIRECTS } from './http.js'
export { type PinnedUrl, pinUrl, sshPinOptions, withUrlHost } from './pin.js'
export {
  checkAddress,
  type NetPolicy,
  parseNetwork,
  parseNetworkList,
  STRICT_POLICY,
} from './policy.js'
export { type AddressClass, classifyAddress, embeddedV4, parseAddress } from './ranges.js'
export { checkedLookup, resolveAllowed, type ResolvedAddress, resolveHost } from './resolve.js'
