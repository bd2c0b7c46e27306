/**
 * The Debian loader (visit type `deb`): one visit of `deb://<distribution>/packages/<name>`,
 * the source package's versions read from the configured mirror's indices (`plan.ts`), each
 * unpacked by `dpkg-source -x` (`extract.ts`) and loaded by the package-loader core.
 *
 * @module
 */

import { mkdirSync, rmdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

import { CorruptError } from '../../errors.js'
import type { LoadResult } from '../core/types.js'
import { loadPackage, type PackageLoadOptions } from '../package/index.js'
import { registriesOf, type RegistryLoadOptions } from '../pkginfo/registries.js'
import { PlanSource } from '../pkginfo/source.js'
import { dpkgSourceExtract } from './extract.js'
import { debianOrigin, debianPlan } from './plan.js'

/** Options of {@link loadDebian}. */
export type DebianLoadOptions = PackageLoadOptions & RegistryLoadOptions

/**
 * Loads (visits) the Debian source package of `url`.
 *
 * @example
 * ```ts
 * await loadDebian('deb://Debian/packages/hello', { storage, scratchDir })
 * ```
 */
export function loadDebian(url: string, options: DebianLoadOptions): Promise<LoadResult> {
  debianOrigin(url)
  const mirrors = registriesOf(options).debian
  const source = new PlanSource({
    visitType: 'deb',
    origin: url,
    plan: (c) =>
      debianPlan(url, {
        ...(mirrors ? { mirrors } : {}),
        ...(c.network ? { network: c.network } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
      }),
    async unpack(_version, artifacts, dest, signal) {
      // dpkg-source reads the files a .dsc names beside it, by name: link each download
      // under its own name into one folder of the scratch space
      const files = `${dest}.files`
      mkdirSync(files)
      for (const a of artifacts) symlinkSync(a.path, join(files, a.filename))
      const dsc = artifacts.find((a) => a.filename.endsWith('.dsc'))
      if (!dsc) throw new CorruptError('The source package has no .dsc file')
      // dpkg-source makes the tree's folder itself
      rmdirSync(dest)
      await dpkgSourceExtract(files, dsc.filename, dest, signal)
    },
  })
  return loadPackage(source, options)
}

/** Whether `url` is a Debian origin (`deb://…/packages/…`; no request made). */
export function probeDebian(url: string): Promise<boolean> {
  return Promise.resolve(/^deb:\/\/[^/]+\/packages\/[^/]+$/.test(url))
}
