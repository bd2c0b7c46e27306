/**
 * The extrinsic metadata of a package load, as Software Heritage's `PackageLoader` records it
 * (`build_extrinsic_directory_metadata`, `…_snapshot_metadata`, `…_origin_metadata`): each
 * item the source gives becomes a raw extrinsic metadata record under the source's authority,
 * fetched by `arca.loader.<visit type>`, discovered at the visit's date (to the second):
 * on the release's directory with the origin and the release as context, on the snapshot with
 * the origin, on the origin with none.
 *
 * @module
 */

import {
  type CoreSwhid,
  type ExtendedSwhid,
  makeRawExtrinsicMetadata,
  type MetadataAuthority,
  type MetadataFetcher,
  originId,
} from '../../model/index.js'
import type { ModelObject } from '../core/types.js'
import type { MetadataItem } from './types.js'

/** The fetcher version package loaders record (Arca's). */
export const LOADER_FETCHER_VERSION = '0.1.0'

/** The fetcher of a package loader of `visitType`. */
export function loaderFetcher(visitType: string): MetadataFetcher {
  return { name: `arca.loader.${visitType}`, version: LOADER_FETCHER_VERSION }
}

/** Where a record goes and what it is known with. */
export interface MetadataPlace {
  readonly target: ExtendedSwhid
  readonly origin: string | null
  readonly release?: CoreSwhid
}

/** The records of `items` at `place`. */
export function metadataObjects(
  items: readonly MetadataItem[],
  place: MetadataPlace,
  init: {
    readonly authority: MetadataAuthority
    readonly fetcher: MetadataFetcher
    readonly visitDate: Date
  },
): ModelObject[] {
  // Software Heritage keeps discovery dates to the second
  const discoveryDate = new Date(Math.floor(init.visitDate.getTime() / 1000) * 1000)
  return items.map((item) => ({
    type: 'raw_extrinsic_metadata',
    object: makeRawExtrinsicMetadata({
      target: place.target,
      discoveryDate,
      authority: init.authority,
      fetcher: init.fetcher,
      format: item.format,
      metadata: item.metadata,
      origin: place.origin,
      visit: null,
      snapshot: null,
      release: place.release ?? null,
      revision: null,
      path: null,
      directory: null,
    }),
  }))
}

/** The SWHID of origin `url`. */
export const originSwhid = (url: string): ExtendedSwhid => ({ type: 'ori', id: originId(url) })
