/**
 * Where the package loaders find each registry. Origins name the public registries
 * (`https://www.npmjs.com/package/<name>`, `deb://Debian/packages/<name>`) as Software Heritage
 * records them, whichever server is read; these settings say which server that is, so an
 * operator can load from a mirror (and tests from a registry on loopback). Each defaults to the
 * public service, or to an `ARCA_*` environment variable when set.
 *
 * @module
 */

/** A Debian-style archive a `deb://<distribution>/packages/<name>` origin is read from. */
export interface DebianMirror {
  /** Base URL (`http://deb.debian.org/debian`). */
  readonly url: string
  readonly suites: readonly string[]
  readonly components: readonly string[]
}

/** Registry locations (see docs/packages.md). */
export interface PackageRegistries {
  /** The npm registry read for `https://www.npmjs.com/package/<name>` (default registry.npmjs.org). */
  readonly npm?: string
  /**
   * The crates index (git URL, or `sparse+https://…`) read for `https://crates.io/crates/<name>`
   * (default `sparse+https://index.crates.io/`).
   */
  readonly cratesIndex?: string
  /** The crates.io Web API base (default `https://crates.io`), for each version's date. */
  readonly cratesApi?: string
  /** Per distribution name (`Debian`): its archive (default Debian's, stable/main). */
  readonly debian?: Readonly<Record<string, DebianMirror>>
}

/** Default npm registry. */
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org'
/** Default crates index (the sparse protocol of RFC 2789). */
export const DEFAULT_CRATES_INDEX = 'sparse+https://index.crates.io/'
/** Default crates.io Web API. */
export const DEFAULT_CRATES_API = 'https://crates.io'
/** Default Debian archive. */
export const DEFAULT_DEBIAN_MIRROR: DebianMirror = {
  url: 'http://deb.debian.org/debian',
  suites: ['stable'],
  components: ['main'],
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

/**
 * Registries from the environment: `ARCA_NPM_REGISTRY`, `ARCA_CRATES_INDEX`, `ARCA_CRATES_API`,
 * and `ARCA_DEBIAN_MIRROR` (`<distribution>=<url>?suites=a,b&components=c,d`, several separated by
 * spaces).
 *
 * @example
 * ```ts
 * registriesFromEnv({ ARCA_NPM_REGISTRY: 'http://127.0.0.1:4873' }).npm // 'http://127.0.0.1:4873'
 * ```
 */
export function registriesFromEnv(env: NodeJS.ProcessEnv = process.env): PackageRegistries {
  const debian: Record<string, DebianMirror> = {}
  for (const spec of (env['ARCA_DEBIAN_MIRROR'] ?? '').split(/\s+/).filter((s) => s !== '')) {
    const eq = spec.indexOf('=')
    if (eq <= 0) continue
    const u = new URL(spec.slice(eq + 1))
    const suites = list(u.searchParams.get('suites') ?? 'stable')
    const components = list(u.searchParams.get('components') ?? 'main')
    debian[spec.slice(0, eq)] = {
      url: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`,
      suites,
      components,
    }
  }
  return {
    ...(env['ARCA_NPM_REGISTRY'] ? { npm: env['ARCA_NPM_REGISTRY'] } : {}),
    ...(env['ARCA_CRATES_INDEX'] ? { cratesIndex: env['ARCA_CRATES_INDEX'] } : {}),
    ...(env['ARCA_CRATES_API'] ? { cratesApi: env['ARCA_CRATES_API'] } : {}),
    ...(Object.keys(debian).length > 0 ? { debian } : {}),
  }
}

/** Options of the registry package loaders. */
export interface RegistryLoadOptions {
  /** Where each registry is (default: {@link registriesFromEnv}, then the public services). */
  readonly registries?: PackageRegistries
}

/** The registries of a load: those given, else the environment's. */
export function registriesOf(options: RegistryLoadOptions): PackageRegistries {
  return { ...registriesFromEnv(), ...options.registries }
}

/** Software Heritage's metadata authority of a registry origin: `forge <scheme>://<host>/`. */
export function hostAuthority(origin: string): { type: 'forge'; url: string } {
  const u = new URL(origin)
  return { type: 'forge', url: `${u.protocol}//${u.host}/` }
}
