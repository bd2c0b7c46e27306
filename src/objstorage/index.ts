/**
 * The content store: bytes by sha1_git. Other areas import objstorage only from here.
 *
 * @module
 */

export { type FsCompression, FsObjStorage } from './fs/fs-objstorage.js'
export { alive, diskError } from './fs/sweep.js'
export {
  type AbortOptions,
  type ObjGetOptions,
  type ObjListOptions,
  type ObjStorage,
} from './interface.js'
