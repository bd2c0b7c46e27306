/**
 * Supervised child processes of the git loader: they moved to the loader core
 * (`../core/child.ts`), shared by every loader that runs a tool; re-exported here for the git
 * modules that import them.
 *
 * @module
 */

export * from '../core/child.js'
