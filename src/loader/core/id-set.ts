/**
 * Compact sets of ids for loads of millions of objects: the model's {@link IdSet}.
 *
 * @module
 */

export { IdSet } from '../../model/index.js'
