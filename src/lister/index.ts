/**
 * Listers: forges' paged listings (GitHub, GitLab) written to the scheduler's listed origins,
 * resumable and incremental (state in the scheduler's database), through a polite HTTP client.
 * Other areas import listers only from here. See docs/listers.md.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { CratesLister } from './crates.js'
import { DebianLister } from './debian.js'
import { GitHubLister } from './github.js'
import { GitLabLister } from './gitlab.js'
import type { Lister } from './interface.js'
import { NpmLister } from './npm.js'
import { PyPILister } from './pypi.js'

export {
  AddForgeNow,
  type AddForgeNowInit,
  canonicalForgeUrl,
  type ForgeRequestWithHistory,
  LIST_FORGE_TASK,
  type ListForgeArgs,
} from './add-forge.js'
export { CratesLister } from './crates.js'
export { DebianLister, sourcePackages } from './debian.js'
export {
  checkForgeStatus,
  FORGE_REQUEST_NEXT,
  FORGE_REQUEST_STATUSES,
  type ForgeActorRole,
  type ForgeRequest,
  type ForgeRequestHistory,
  type ForgeRequestInit,
  type ForgeRequestStatus,
  ForgeRequestStore,
} from './forge-requests.js'
export { forgeLoadedHook, type ListForgeDeps, listForgeHandler } from './forge-task.js'
export { GitHubLister } from './github.js'
export { GitLabLister } from './gitlab.js'
export {
  type JsonPage,
  LISTER_USER_AGENT,
  ListerHttp,
  type ListerHttpInit,
  nextLink,
  rateLimitWait,
} from './http.js'
export type { Lister, ListerPage, ListerState } from './interface.js'
export { NpmLister, npmOrigin } from './npm.js'
export { PYPI_SIMPLE_JSON, PyPILister } from './pypi.js'
export { type ListerRunResult, runLister } from './run.js'
export { type ListerInstance, type ListerStatus, ListerStore } from './state.js'

/** The lister types. */
export const LISTER_TYPES = ['github', 'gitlab', 'npm', 'pypi', 'crates', 'debian'] as const

/** The lister of forge `type` at `url`. */
export function makeLister(type: string, url: string): Lister {
  if (type === 'github') return new GitHubLister(url)
  if (type === 'gitlab') return new GitLabLister(url)
  if (type === 'npm') return new NpmLister(url)
  if (type === 'pypi') return new PyPILister(url)
  if (type === 'crates') return new CratesLister(url)
  if (type === 'debian') return new DebianLister(url)
  throw new InvalidInputError(`"${type}" is not a lister type (${LISTER_TYPES.join(', ')})`)
}
