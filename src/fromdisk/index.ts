/**
 * From disk: filesystem trees, single files and git repositories turned into model objects
 * and SWHIDs, as Software Heritage's `from_disk` and `swh identify` do.
 *
 * @module
 */

export * from './file.js'
export * from './fnmatch.js'
export * from './git-refs.js'
export * from './git-snapshot.js'
export * from './hash-pool.js'
export * from './identify.js'
export * from './walk.js'
