/**
 * The origin metadata index (docs/citation.md, "Metadata search"): reads the intrinsic metadata
 * of an origin's latest visit's root directory (HEAD, else main or master) and records it, as a
 * CodeMeta document with the words searched, for `/api/1/origin/metadata-search/`. Run after
 * each load (`arca save`, the harvest worker) and by `arca metadata index` for the backlog.
 *
 * @module
 */

import { NotFoundError } from '../errors.js'
import type { ObjStorage } from '../objstorage/index.js'
import { resolveOriginRoot, type Storage } from '../storage/index.js'
import { toCodemeta } from './format-json.js'
import { readIntrinsicMetadata } from './read.js'
import type { MetadataFileKind } from './record.js'

/** Software Heritage's mapping names of the files read. */
const MAPPINGS: Readonly<Record<MetadataFileKind, string>> = {
  cff: 'cff',
  codemeta: 'codemeta',
  package: 'npm',
  pyproject: 'pyproject',
}

type IndexStorage = Pick<
  Storage,
  | 'originVisitGetLatest'
  | 'snapshotGetBranches'
  | 'revisionGet'
  | 'releaseGet'
  | 'directoryMissing'
  | 'directoryLs'
  | 'originMetadataAdd'
>

/** What the indexer needs: the storage (to read and record) and the content bytes. */
export interface MetadataIndexTarget {
  readonly storage: IndexStorage
  readonly objstorage: Pick<ObjStorage, 'getBytes'>
}

/** The root directory of the latest visit with a snapshot (its main branch), or null. */
export async function latestRootDirectory(
  storage: IndexStorage,
  origin: string,
): Promise<string | null> {
  try {
    const found = await resolveOriginRoot(storage, origin)
    return 'root' in found ? found.root.directory : null
  } catch (e) {
    // an object on the way that is not stored (a partial visit): nothing to index yet
    if (e instanceof NotFoundError) return null
    throw e
  }
}

/** What indexing an origin did. */
export type IndexOutcome = 'indexed' | 'no-metadata' | 'no-snapshot'

/**
 * Indexes the intrinsic metadata of `origin`'s latest visit. A root without usable metadata
 * is not indexed (nothing to search).
 */
export async function indexOriginMetadata(
  target: MetadataIndexTarget,
  origin: string,
): Promise<IndexOutcome> {
  const root = await latestRootDirectory(target.storage, origin)
  if (root === null) return 'no-snapshot'
  const found = await readIntrinsicMetadata(target, root)
  if (!found?.source) return 'no-metadata'
  const m = found.metadata
  const mappings = [
    ...new Set(found.files.filter((f) => f.error === null).map((f) => MAPPINGS[f.kind])),
  ]
  const words = [
    m.title,
    m.description,
    m.version,
    ...(m.authors ?? []).flatMap((a) => [a.name, a.affiliation]),
    ...(m.keywords ?? []),
    ...(m.license ?? []),
    m.repository,
    m.url,
    m.doi,
  ].filter((x): x is string => typeof x === 'string')
  await target.storage.originMetadataAdd([
    {
      origin,
      directory: found.directory,
      mappings,
      metadata: JSON.parse(toCodemeta({ metadata: m, target: null })) as Record<string, unknown>,
      text: words.join(' '),
    },
  ])
  return 'indexed'
}
