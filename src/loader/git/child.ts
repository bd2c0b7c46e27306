/**
 * The git loader's child processes: the loader core's supervised children (`../core/child.ts`),
 * shared with the other loaders.
 *
 * @module
 */

export * from '../core/child.js'
