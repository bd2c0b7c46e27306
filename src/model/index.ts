/**
 * The model of the archive: SWHIDs, object types, manifests and hashing. Pure: no I/O, and no
 * imports from other areas.
 *
 * @module
 */

export * from './bytes.js'
export * from './date-display.js'
export * from './glob.js'
export * from './hash.js'
export * from './id-set.js'
export * from './make.js'
export * from './manifest.js'
export * from './micro-date.js'
export * from './nix32.js'
export * from './objects.js'
export * from './offset.js'
export * from './person.js'
export * from './references.js'
export * from './swhid.js'
export * from './verify.js'
