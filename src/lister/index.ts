/**
 * Listers: forges' paged listings (GitHub, GitLab, Gitea, Forgejo, Bitbucket, SourceHut; the
 * web front-ends cgit, gitweb and hgweb; a plain file of URLs) written to the scheduler's listed
 * origins, resumable and incremental (state in the scheduler's database), through a polite
 * HTTP client.
 * Other areas import listers only from here. See docs/listers.md.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { BitbucketLister } from './bitbucket.js'
import { CgitLister, type HtmlListerOptions } from './cgit.js'
import { CratesLister } from './crates.js'
import { DebianLister } from './debian.js'
import { ForgejoLister, GiteaLister } from './gitea.js'
import { GitHubLister } from './github.js'
import { GitLabLister } from './gitlab.js'
import { GitwebLister } from './gitweb.js'
import { HgwebLister } from './hgweb.js'
import type { Lister } from './interface.js'
import { NpmLister } from './npm.js'
import { PyPILister } from './pypi.js'
import { SourceHutLister } from './sourcehut.js'

export {
  AddForgeNow,
  type AddForgeNowInit,
  canonicalForgeUrl,
  type ForgeRequestWithHistory,
  LIST_FORGE_TASK,
  type ListForgeArgs,
} from './add-forge.js'
export { BitbucketLister } from './bitbucket.js'
export { CgitLister, type HtmlListerOptions } from './cgit.js'
export { CratesLister } from './crates.js'
export { DebianLister, sourcePackages } from './debian.js'
export {
  type ForgeMetadata,
  ForgeMetadataRecorder,
  forgeMetadataStorage,
  LISTER_FETCHER_VERSION,
} from './forge-metadata.js'
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
export { ForgejoLister, GITEA_PAGE, GiteaLister } from './gitea.js'
export { GitHubLister } from './github.js'
export { GitLabLister } from './gitlab.js'
export { GitwebLister } from './gitweb.js'
export { HgwebLister } from './hgweb.js'
export {
  DEFAULT_PER_HOST,
  HostLimits,
  type JsonPage,
  LISTER_USER_AGENT,
  ListerHttp,
  type ListerHttpInit,
  nextLink,
  rateLimitWait,
  sharedHostLimits,
  type TextPage,
} from './http.js'
export type { Lister, ListerPage, ListerState } from './interface.js'
export { NpmLister, npmOrigin } from './npm.js'
export { IdKeysetLister, PagedJsonLister, PageNumberLister } from './paged.js'
export { PYPI_SIMPLE_JSON, PyPILister } from './pypi.js'
export { RELIST_INTERVAL_MS, relistJob, type RelistJobInit } from './relist.js'
export { type ListerRunResult, runLister } from './run.js'
export { SourceHutLister } from './sourcehut.js'
export { type ListerInstance, type ListerStatus, ListerStore } from './state.js'
export {
  MAX_URL_LINE,
  parseUrlLine,
  type UrlListInit,
  UrlListLister,
  type UrlListRejection,
} from './url-list.js'

/** The lister types. */
export const LISTER_TYPES = [
  'github',
  'gitlab',
  'gitea',
  'forgejo',
  'bitbucket',
  'sourcehut',
  'cgit',
  'gitweb',
  'hgweb',
  'npm',
  'pypi',
  'crates',
  'debian',
] as const

/** The lister of forge `type` at `url` (`options` for the web front-ends: cgit…). */
export function makeLister(type: string, url: string, options: HtmlListerOptions = {}): Lister {
  if (type === 'github') return new GitHubLister(url)
  if (type === 'gitlab') return new GitLabLister(url)
  if (type === 'gitea') return new GiteaLister(url)
  if (type === 'forgejo') return new ForgejoLister(url)
  if (type === 'bitbucket') return new BitbucketLister(url)
  if (type === 'sourcehut') return new SourceHutLister(url)
  if (type === 'cgit') return new CgitLister(url, options)
  if (type === 'gitweb') return new GitwebLister(url, options)
  if (type === 'hgweb') return new HgwebLister(url)
  if (type === 'npm') return new NpmLister(url)
  if (type === 'pypi') return new PyPILister(url)
  if (type === 'crates') return new CratesLister(url)
  if (type === 'debian') return new DebianLister(url)
  throw new InvalidInputError(`"${type}" is not a lister type (${LISTER_TYPES.join(', ')})`)
}
