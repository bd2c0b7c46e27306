/**
 * The Nix/Guix loader (visit type `nixguix`): one visit of a sources manifest URL, each source
 * of `plan.ts` loaded by the package-loader core; the snapshot has no HEAD and gains the
 * `evaluation` branch (to the nixpkgs/Guix revision the manifest was made from, which this
 * visit does not load: the branch may name a revision not yet archived), as Software
 * Heritage's nixguix loader recorded.
 *
 * @module
 */

import { utf8 } from '../../model/index.js'
import { runLoad } from '../core/run.js'
import type { LoadContext, LoadResult, ModelObject, Producer } from '../core/types.js'
import { type PackageLoadOptions, PackageProducer } from '../package/index.js'
import { PlanSource } from '../pkginfo/source.js'
import { nixguixPlan } from './plan.js'

const HEAD = Buffer.from(utf8('HEAD'))

/** The package producer, its branches changed as above. */
class NixguixProducer implements Producer {
  readonly visitType = 'nixguix'
  readonly origin: string
  readonly #inner: PackageProducer<unknown>
  readonly #source: PlanSource

  constructor(source: PlanSource, options: PackageLoadOptions) {
    this.origin = source.origin
    this.#source = source
    this.#inner = new PackageProducer(source, options)
  }

  fetch(ctx: LoadContext): Promise<void> {
    return this.#inner.fetch(ctx)
  }

  objects(ctx: LoadContext): AsyncIterable<ModelObject> {
    return this.#inner.objects(ctx)
  }

  async branches(ctx: LoadContext) {
    const own = (await this.#inner.branches(ctx)).filter((b) => !HEAD.equals(b.name))
    return [...own, ...(this.#source.plan?.extraBranches ?? [])]
  }

  afterSnapshot(ctx: LoadContext, snapshot: string): ModelObject[] {
    return this.#inner.afterSnapshot(ctx, snapshot)
  }

  cleanup(): void {
    this.#inner.cleanup()
  }
}

/**
 * Loads (visits) the sources manifest at `url`.
 *
 * @example
 * ```ts
 * await loadNixguix('https://guix.gnu.org/sources.json', { storage, scratchDir })
 * ```
 */
export function loadNixguix(url: string, options: PackageLoadOptions): Promise<LoadResult> {
  const source = new PlanSource({
    visitType: 'nixguix',
    origin: url,
    plan: (c) =>
      nixguixPlan(url, {
        ...(c.network ? { network: c.network } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
      }),
  })
  return runLoad(new NixguixProducer(source, options), options)
}

/** Whether `url` looks like a sources manifest (`…/sources.json`; no request made). */
export function probeNixguix(url: string): Promise<boolean> {
  return Promise.resolve(/^https?:\/\/[^?#]+\/sources\.json$/.test(url))
}
