/**
 * Opening an upstream node's mirror feed (`http(s)://…`) or its journal (`nats://…`, with the
 * feed for content bytes) from command-line flags: shared by `arca mirror` and `arca repair`.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { HttpUpstream, NatsUpstream, type Upstream } from '../mirror/index.js'

/** Flags naming an upstream: its URL, the feed of a nats:// journal, a `mirror` token. */
export interface UpstreamFlags {
  upstream?: string
  feed?: string
  token?: string
}

/** The upstream `url` names (opened), reading with the flags' token and feed. */
export async function openUpstream(
  url: string,
  flags: UpstreamFlags,
  signal?: AbortSignal,
): Promise<Upstream> {
  const token = flags.token ?? process.env['ARCA_MIRROR_TOKEN']
  if (url.startsWith('nats://')) {
    const feed = flags.feed ?? process.env['ARCA_MIRROR_FEED']
    if (!feed)
      throw new InvalidInputError(
        'A nats:// upstream needs --feed URL (or ARCA_MIRROR_FEED): the node serving content bytes',
      )
    const up = new NatsUpstream(
      url,
      new HttpUpstream({ url: feed, token, ...(signal && { signal }) }),
    )
    await up.open()
    return up
  }
  return new HttpUpstream({ url, token, ...(signal && { signal }) })
}
