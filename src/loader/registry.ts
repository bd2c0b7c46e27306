/**
 * Every loader by visit type, and finding the type of a URL by probing. `arca save`, the
 * worker and Save Code Now go through here, so a new loader is one entry below (and its folder
 * beside `git/`, on the core).
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../errors.js'
import type { LoadOptions, LoadResult } from './core/types.js'
import { loadCvs } from './cvs/loader.js'
import { probeCvs } from './cvs/probe.js'
import { loadGit } from './git/loader.js'
import { probeGit } from './git/probe.js'

/** Options a load takes through the registry (each loader ignores what it has no use for). */
export interface OriginLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
  /** Origins this one is a fork of (git: their heads are offered to the remote as known). */
  readonly forkOf?: readonly string[]
  /** A source that sends nothing for this long is given up. */
  readonly stallTimeoutMs?: number
}

/** One loader of the registry. */
export interface LoaderEntry {
  /** The visit type it records (`git`, `hg`, `svn`, `bzr`, `cvs`, …). */
  readonly visitType: string
  /** One visit of `url`. */
  load(url: string, options: OriginLoadOptions): Promise<LoadResult>
  /**
   * Whether `url` looks like a source of this kind: cheap checks first (a local folder's
   * layout, the scheme), then at most one request to the server. Never throws.
   */
  probe(url: string, signal?: AbortSignal): Promise<boolean>
}

/** The loaders, in the order probing tries them. */
const LOADERS: readonly LoaderEntry[] = [
  { visitType: 'git', load: loadGit, probe: probeGit },
  { visitType: 'cvs', load: loadCvs, probe: probeCvs },
]

/** The visit types this archive can load, sorted. */
export function visitTypes(): string[] {
  return LOADERS.map((l) => l.visitType).sort()
}

/** The loader of `visitType`; an InvalidInputError naming the known types if none. */
export function loaderFor(visitType: string): LoaderEntry {
  const entry = LOADERS.find((l) => l.visitType === visitType)
  if (!entry)
    throw new InvalidInputError(
      `unknown visit type "${visitType}" (known: ${visitTypes().join(', ')})`,
    )
  return entry
}

/**
 * The visit type of `url`, by probing each loader in turn; an NotFoundError when none
 * recognises it.
 */
export async function probeVisitType(url: string, signal?: AbortSignal): Promise<string> {
  for (const l of LOADERS) {
    signal?.throwIfAborted()
    if (await l.probe(url, signal)) return l.visitType
  }
  throw new NotFoundError(
    `could not tell what kind of repository ${url} is (tried ${LOADERS.map((l) => l.visitType).join(', ')}); give --type`,
  )
}

/** One visit of `url` with the loader of `visitType`. */
export async function loadOrigin(
  visitType: string,
  url: string,
  options: OriginLoadOptions,
): Promise<LoadResult> {
  return loaderFor(visitType).load(url, options)
}
