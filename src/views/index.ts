/**
 * Software Heritage's API JSON shapes. Other areas import views only from here.
 *
 * @module
 */

export {
  branchesJson,
  contentJson,
  directoryEntryJson,
  type Json,
  releaseJson,
  revisionJson,
  visitJson,
} from './json.js'
