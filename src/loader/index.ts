/**
 * Loaders: the git loader (own protocol v2 client) and the origin URL rules. Other areas import loaders only from here.
 *
 * @module
 */

export { DEFAULT_STALL_TIMEOUT_MS } from './git/child.js'
export {
  DEFAULT_MAX_CONTENT_SIZE,
  type GitLoadProgress,
  LOADER_BUFFER_THRESHOLDS,
  loadGit,
} from './git/loader.js'
export { redactUserinfo, splitRemoteUrl } from './origin-url.js'
