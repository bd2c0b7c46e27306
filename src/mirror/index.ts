/**
 * Mirrors: upstreams (HTTP feed, NATS), the verified replayer, its state and the graph walk. Other areas import mirror code only from here.
 *
 * @module
 */

export {
  feedRepairPeer,
  type FetchedContent,
  journalRepairPeer,
  type JournalRepairPeerInit,
  type RemoteRepairPeer,
} from './repair-peers.js'
export { Replayer, SELECTIVE_TOPICS } from './replayer.js'
export { resumeDelayMs } from './retry.js'
export { MirrorState } from './state.js'
export { HttpUpstream, NatsUpstream, type Upstream } from './upstream.js'
export { walkArchive } from './verify.js'
