/**
 * The load's egress proxy (see `startEgressProxy`): started when a producer first asks for
 * it, under the load's network policy only, and stopped when the load ends; what it refused
 * tells why a tool's fetch failed.
 *
 * @module
 */

import { errorMessage, isArcaError } from '../../errors.js'
import {
  type EgressProxy,
  type NetPolicy,
  type PinnedUrl,
  pinUrl,
  startEgressProxy,
} from '../../net/index.js'

/** One load's egress proxy, if any. */
export class EgressGate {
  readonly #policy: NetPolicy | undefined
  #proxy: Promise<EgressProxy> | null = null
  #refused: string | null = null

  constructor(policy: NetPolicy | undefined) {
    this.#policy = policy
  }

  /** The proxy's address; null without a policy. */
  async url(): Promise<string | null> {
    if (!this.#policy) return null
    this.#proxy ??= startEgressProxy(this.#policy)
    return (await this.#proxy).url
  }

  /**
   * `url` checked under the load's policy and held to the checked address (`pinUrl`); the
   * first refusal is kept as the load's reason, like the proxy's, unless `optional` (the load
   * goes on without what it refused).
   */
  async pin(url: string, optional = false): Promise<PinnedUrl> {
    try {
      return await pinUrl(url, this.#policy)
    } catch (e) {
      if (!optional && isArcaError(e, 'forbidden')) this.#refused ??= errorMessage(e)
      throw e
    }
  }

  /** The first connection the proxy refused, if it did. */
  async refusal(): Promise<string | null> {
    const proxy = await this.#proxy?.catch(() => null)
    return this.#refused ?? proxy?.refusals()[0] ?? null
  }

  async close(): Promise<void> {
    const proxy = await this.#proxy?.catch(() => null)
    this.#proxy = null
    await proxy?.close()
  }
}
