/**
 * Arca's library entry point: the model (SWHIDs, objects, manifests, identifiers) and the
 * filesystem identification helpers.
 *
 * @example
 * ```ts
 * import { makeContent, parseQualifiedSwhid, formatSwhid } from 'arca'
 * makeContent(new TextEncoder().encode('hello\n')).sha1Git
 * // 'ce013625030ba8dba906f756967f9e9ca394464a'
 * ```
 *
 * @module
 */

export * from './errors.js'
export * from './fromdisk/index.js'
export * from './model/index.js'
