/**
 * Every loader by visit type, and finding the type of a URL by probing. `arca save`, the
 * worker and Save Code Now go through here, so a new loader is one entry below (and its folder
 * beside `git/`, on the core).
 *
 * @module
 */

import { existsSync } from 'node:fs'

import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js'
import { checkUrl, type NetPolicy } from '../net/index.js'
import { loadTar, loadTarballDirectory } from './archive/loader.js'
import { probeTar } from './archive/probe.js'
import type { ArchiveArtifact } from './archive/source.js'
import { loadBzr } from './bzr/loader.js'
import { probeBzr } from './bzr/probe.js'
import { localPathOf } from './core/probe.js'
import type { LoadOptions, LoadResult } from './core/types.js'
import { loadCrates, probeCrates } from './crates/loader.js'
import { loadCvs } from './cvs/loader.js'
import { probeCvs } from './cvs/probe.js'
import { loadDebian, probeDebian } from './debian/loader.js'
import { loadGit } from './git/loader.js'
import { probeGit } from './git/probe.js'
import { loadHg } from './hg/loader.js'
import { probeHg } from './hg/probe.js'
import { loadNixguix, probeNixguix } from './nixguix/loader.js'
import { loadNpm, probeNpm } from './npm/loader.js'
import type { PackageRegistries } from './pkginfo/registries.js'
import { loadPypi, probePypi } from './pypi/loader.js'
import { loadSvn } from './svn/loader.js'
import { probeSvn } from './svn/probe.js'

/** Options a load takes through the registry (each loader ignores what it has no use for). */
export interface OriginLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
  /** Origins this one is a fork of (git: their heads are offered to the remote as known). */
  readonly forkOf?: readonly string[]
  /** A source that sends nothing for this long is given up. */
  readonly stallTimeoutMs?: number
  /** Where the package registries are (npm, crates, Debian; see docs/packages.md). */
  readonly registries?: PackageRegistries
  /** Archives (`tar`, `tarball-directory`): declared checksums of the tarball, algorithm → hex. */
  readonly checksums?: Readonly<Record<string, string>>
  /** `tarball-directory`: `checksums` are of the file (`standard`, default) or NAR hashes (`nar`). */
  readonly checksumLayout?: 'standard' | 'nar'
  /** `tar`: the origin's artifacts as a lister gives them (default: the URL's tarball). */
  readonly artifacts?: readonly ArchiveArtifact[]
}

/** One loader of the registry. */
export interface LoaderEntry {
  /** The visit type it records (`git`, `hg`, `svn`, `bzr`, `cvs`, …). */
  readonly visitType: string
  /** One visit of `url`. */
  load(url: string, options: OriginLoadOptions): Promise<LoadResult>
  /**
   * Whether `url` looks like a source of this kind: cheap checks first (a local folder's
   * layout, the scheme), then at most one request to the server. Never throws. Under a
   * network policy, no local path is looked at and every request is checked.
   */
  probe(url: string, signal?: AbortSignal, network?: NetPolicy): Promise<boolean>
  /**
   * The origin URL names a package, not what is fetched (npm, crates, `deb://`): the loader
   * checks each registry URL it fetches under the policy itself, so the origin URL is not.
   */
  readonly fetchesElsewhere?: boolean
}

/** The loaders, in the order probing tries them. */
const LOADERS: readonly LoaderEntry[] = [
  // package origins are told by their URL's shape alone (no request), so they are tried first
  { visitType: 'npm', load: loadNpm, probe: probeNpm, fetchesElsewhere: true },
  { visitType: 'pypi', load: loadPypi, probe: probePypi },
  { visitType: 'crates', load: loadCrates, probe: probeCrates, fetchesElsewhere: true },
  { visitType: 'deb', load: loadDebian, probe: probeDebian, fetchesElsewhere: true },
  { visitType: 'nixguix', load: loadNixguix, probe: probeNixguix },
  // by the URL's extension or a local file's first bytes, without a request
  { visitType: 'tar', load: loadTar, probe: probeTar },
  { visitType: 'git', load: loadGit, probe: probeGit },
  { visitType: 'hg', load: loadHg, probe: probeHg },
  { visitType: 'svn', load: loadSvn, probe: probeSvn },
  { visitType: 'bzr', load: loadBzr, probe: probeBzr },
  { visitType: 'cvs', load: loadCvs, probe: probeCvs },
  {
    visitType: 'tarball-directory',
    load: loadTarballDirectory,
    probe: () => Promise.resolve(false),
  },
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
 * Why `url` may not be fetched under `network` (a ForbiddenError with the reason of
 * `checkUrl`); nothing when it may, or when there is no policy.
 */
async function refuse(url: string, network: NetPolicy | undefined): Promise<void> {
  if (!network) return
  const reason = await checkUrl(url, network)
  if (reason !== null) throw new ForbiddenError(`Refused to fetch: ${reason}`)
}

/**
 * The visit type of `url`, by probing each loader in turn; a NotFoundError when none
 * recognises it — unless `fallback` is given and the URL is not an existing local folder: a
 * remote that answers no probe (not there, needs credentials, down), or a path that does not
 * exist, is then visited as `fallback`, so that the visit records why. Under a network policy, a URL failing `checkUrl` is refused
 * (ForbiddenError) before any request.
 */
export async function probeVisitType(
  url: string,
  signal?: AbortSignal,
  network?: NetPolicy,
  fallback?: string,
): Promise<string> {
  // a package origin whose URL is not fetched (`deb://…`) is told by its shape alone
  for (const l of LOADERS)
    if (l.fetchesElsewhere && (await l.probe(url, signal, network))) return l.visitType
  await refuse(url, network)
  for (const l of LOADERS) {
    signal?.throwIfAborted()
    if (await l.probe(url, signal, network)) return l.visitType
  }
  const local = localPathOf(url)
  if (fallback !== undefined && (local === null || !existsSync(local))) return fallback
  throw new NotFoundError(
    `could not tell what kind of repository ${url} is (tried ${LOADERS.map((l) => l.visitType).join(', ')}); give --type`,
  )
}

/**
 * One visit of `url` with the loader of `visitType`. Under `options.network`, a URL failing
 * `checkUrl` is refused before any connection with a ForbiddenError naming the reason, and no
 * origin nor visit is recorded (an address nobody may fetch does not enter the archive); what
 * the visit reaches later (redirects, other addresses) is checked by the loader's transport,
 * and a refusal there ends the visit failed with the reason.
 */
export async function loadOrigin(
  visitType: string,
  url: string,
  options: OriginLoadOptions,
): Promise<LoadResult> {
  const loader = loaderFor(visitType)
  if (!loader.fetchesElsewhere) await refuse(url, options.network)
  return loader.load(url, options)
}
