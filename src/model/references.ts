/**
 * What a graph object references: the edges that must be present in an archive for the object
 * to be complete (no dangling edge). One definition for the replayer (what an object waits
 * for), the archive walk and the integrity checks of the tests.
 *
 * @module
 */

import type {
  Directory,
  Release,
  ReleaseTargetType,
  Revision,
  Sha1Hex,
  Snapshot,
} from './objects.js'
import { type CoreType, SWHID_TYPE_OF_KIND } from './swhid.js'

/** One referenced object: its kind (a SWHID core type) and id. */
export interface Reference {
  readonly type: CoreType
  readonly id: Sha1Hex
}

/** The SWHID core type of each release (and branch) target type. */
export const CORE_TYPE_OF: Readonly<Record<ReleaseTargetType, CoreType>> = SWHID_TYPE_OF_KIND

/**
 * An object that references others; only the fields {@link references} reads are required, so
 * rows that are not full model objects can be asked too.
 */
export type ReferencingObject =
  | Pick<Directory, 'entries'>
  | Pick<Revision, 'directory' | 'parents'>
  | Pick<Release, 'targetType' | 'target'>
  | Pick<Snapshot, 'branches'>

/**
 * The objects `object` references, each once, in the order they appear:
 * - a directory: its `file` entries' contents and `dir` entries' directories (its `rev`
 *   entries, submodules, point into other repositories and are not required to be present);
 * - a revision: its root directory, then its parents;
 * - a release: its target (none for a release without one);
 * - a snapshot: its branches' targets (aliases and dangling branches reference nothing).
 *
 * @example
 * ```ts
 * references({ targetType: 'revision', target: id }) // [{ type: 'rev', id }]
 * ```
 */
export function references(object: ReferencingObject): Reference[] {
  const out: Reference[] = []
  const seen = new Set<string>()
  const add = (type: CoreType, id: Sha1Hex): void => {
    const key = `${type}:${id}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ type, id })
  }
  if ('entries' in object) {
    for (const e of object.entries) {
      if (e.type === 'file') add('cnt', e.target)
      else if (e.type === 'dir') add('dir', e.target)
    }
  } else if ('parents' in object) {
    add('dir', object.directory)
    for (const p of object.parents) add('rev', p)
  } else if ('targetType' in object) {
    if (object.target !== null) add(CORE_TYPE_OF[object.targetType], object.target)
  } else {
    for (const b of object.branches) {
      if (b.target && b.target.targetType !== 'alias')
        add(CORE_TYPE_OF[b.target.targetType], b.target.target)
    }
  }
  return out
}
