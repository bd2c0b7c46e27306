/**
 * A registry's {@link PackagePlan} as a package source of the package-loader core: the plan is
 * made when the core lists the packages (so a missing package is a `not_found` visit), each
 * version becomes a package with its artifacts and ExtID, the release is read from the
 * unpacked tree (whose intrinsic metadata files — package.json, PKG-INFO, Cargo.toml,
 * debian/control — are archived as its contents).
 *
 * @module
 */

import type { MetadataAuthority } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import type {
  BuiltTree,
  DownloadedArtifact,
  MetadataItem,
  PackageContext,
  PackageInfo,
  PackageSource,
  ReleaseSpec,
} from '../package/types.js'
import type { PackagePlan, PackageVersion } from './types.js'

/** What a plan is made with: the load's network policy, signal and scratch space. */
export interface PlanContext {
  readonly network: NetPolicy | undefined
  readonly signal: AbortSignal | undefined
  /** A fresh scratch directory. */
  readonly scratch: () => string
}

/** Settings of {@link PlanSource}. */
export interface PlanSourceInit {
  readonly visitType: string
  /** The origin recorded. */
  readonly origin: string
  /** Reads the registry. */
  readonly plan: (ctx: PlanContext) => Promise<PackagePlan>
  /** Unpacks a version's artifacts its own way (Debian's `dpkg-source -x`). */
  readonly unpack?: (
    version: PackageVersion,
    artifacts: readonly DownloadedArtifact[],
    dest: string,
    signal: AbortSignal | undefined,
  ) => Promise<void>
}

/**
 * A package source made from a registry plan.
 *
 * @example
 * ```ts
 * const source = new PlanSource({ visitType: 'npm', origin, plan: (c) => npmPlan(origin, c) })
 * await loadPackage(source, { storage, scratchDir })
 * ```
 */
export class PlanSource implements PackageSource<PackageVersion> {
  readonly visitType: string
  readonly origin: string
  readonly #init: PlanSourceInit
  #plan: PackagePlan | null = null

  constructor(init: PlanSourceInit) {
    this.visitType = init.visitType
    this.origin = init.origin
    this.#init = init
    if (init.unpack) {
      const unpack = init.unpack
      this.unpack = (info, artifacts, dest, ctx) =>
        unpack(info.raw, artifacts, dest, ctx.load.signal)
    }
  }

  /** The plan read by the last listing (null before). */
  get plan(): PackagePlan | null {
    return this.#plan
  }

  unpack?: NonNullable<PackageSource<PackageVersion>['unpack']>

  async listPackages(ctx: PackageContext): Promise<readonly PackageInfo<PackageVersion>[]> {
    const plan = await this.#init.plan({
      network: ctx.network,
      signal: ctx.load.signal,
      scratch: () => ctx.load.scratch(this.visitType),
    })
    this.#plan = plan
    return plan.versions.map((v) => ({
      version: v.version,
      branchName: v.branch,
      artifacts: v.artifacts.map((a) => ({
        url: a.url,
        filename: a.filename,
        checksums: a.checksums,
      })),
      extid: v.extid
        ? { type: v.extid.type, version: v.extid.version, value: v.extid.extid }
        : null,
      raw: v,
      ...(v.directoryMetadata ? { directoryMetadata: v.directoryMetadata } : {}),
      ...(v.narChecksums ? { narChecksums: v.narChecksums } : {}),
    }))
  }

  metadataAuthority(): MetadataAuthority | null {
    return this.#plan?.metadataAuthority ?? null
  }

  snapshotMetadata(): readonly MetadataItem[] {
    return this.#plan?.snapshotMetadata ?? []
  }

  defaultVersion(versions: readonly string[]): string | null {
    const d = this.#plan?.defaultVersion ?? ''
    return versions.includes(d) ? d : null
  }

  async buildRelease(
    info: PackageInfo<PackageVersion>,
    tree: BuiltTree,
  ): Promise<ReleaseSpec | null> {
    return info.raw.release(tree.path)
  }
}
