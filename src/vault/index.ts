export { cookGitBare } from './git/bare.js'
export { type PackEntry, type PackResult, type PackSink, writePack } from './git/pack.js'
export {
  type GitRef,
  type GitRefs,
  refsOfOrigin,
  refsOfSnapshot,
  refsOfTarget,
} from './git/refs.js'
export { type PackPlan, type PackRequest, type PackWant, planPack, planSize } from './git/walk.js'
