/**
 * The forge metadata a lister receives (each repository's JSON, as the forge's API answered
 * it), recorded as raw extrinsic metadata on the origin's `swh:1:ori:` SWHID (docs/metadata.md):
 * authority `forge <the forge's URL>`, fetcher `arca.lister.<type> <version>`. Kept cheap: one
 * query per page for the latest record of each origin, and a new record only for an origin
 * whose JSON changed (or is new). Recorded before the page's origins are written, so that a
 * killed run that lists the page again finds its JSON already there and adds nothing.
 *
 * @module
 */

import {
  bytesEqual,
  type ExtendedSwhid,
  makeRawExtrinsicMetadata,
  type MetadataAuthority,
  type MetadataFetcher,
  originId,
  type RawExtrinsicMetadata,
} from '../model/index.js'
import { type Archive, buildStack, type Storage } from '../storage/index.js'

/** The fetcher version listers record (Arca's). */
export const LISTER_FETCHER_VERSION = '0.1.0'

/** One origin's forge JSON, as a page gives it. */
export interface ForgeMetadata {
  readonly url: string
  /** The repository's JSON (UTF-8). */
  readonly metadata: Uint8Array
  /** Its format (`application/vnd.github.v3+json`, `gitlab-project-json`, …). */
  readonly format: string
}

/** Records the forge metadata of a lister's pages. */
export class ForgeMetadataRecorder {
  readonly authority: MetadataAuthority
  readonly fetcher: MetadataFetcher
  #registered = false

  constructor(
    readonly storage: Pick<
      Storage,
      | 'metadataAuthorityAdd'
      | 'metadataFetcherAdd'
      | 'rawExtrinsicMetadataAdd'
      | 'rawExtrinsicMetadataGetLatest'
    >,
    lister: { readonly type: string; readonly url: string },
    readonly clock: () => number = Date.now,
  ) {
    this.authority = { type: 'forge', url: lister.url }
    this.fetcher = { name: `arca.lister.${lister.type}`, version: LISTER_FETCHER_VERSION }
  }

  /** Records what changed among `items`; returns how many records were added. */
  async record(items: readonly ForgeMetadata[]): Promise<number> {
    if (items.length === 0) return 0
    if (!this.#registered) {
      await this.storage.metadataAuthorityAdd([this.authority])
      await this.storage.metadataFetcherAdd([this.fetcher])
      this.#registered = true
    }
    // the last item of an origin listed twice in a page wins
    const byUrl = new Map<string, ForgeMetadata>()
    for (const i of items) byUrl.set(i.url, i)
    const list = [...byUrl.values()]
    const targets: ExtendedSwhid[] = list.map((i) => ({ type: 'ori', id: originId(i.url) }))
    const latest = await this.storage.rawExtrinsicMetadataGetLatest(targets, this.authority)
    // Software Heritage keeps discovery dates to the second
    const discoveryDate = new Date(Math.floor(this.clock() / 1000) * 1000)
    const add: RawExtrinsicMetadata[] = []
    list.forEach((item, k) => {
      const last = latest[k] ?? null
      if (last !== null && last.format === item.format && bytesEqual(last.metadata, item.metadata))
        return
      add.push(
        makeRawExtrinsicMetadata({
          target: targets[k] as ExtendedSwhid,
          discoveryDate,
          authority: this.authority,
          fetcher: this.fetcher,
          format: item.format,
          metadata: item.metadata,
          origin: null,
          visit: null,
          snapshot: null,
          release: null,
          revision: null,
          path: null,
          directory: null,
        }),
      )
    })
    if (add.length > 0) await this.storage.rawExtrinsicMetadataAdd(add)
    return add.length
  }
}

/**
 * The storage forge metadata is written through: the archive's backend with the id check and
 * the journal (so that mirrors get the records), whatever writer the archive was opened for.
 */
export function forgeMetadataStorage(archive: Archive): Storage {
  return buildStack(archive.backend, ['validate', 'journal'], {
    journal: archive.journal,
    objstorage: archive.objstorage,
  })
}
