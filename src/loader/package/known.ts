/**
 * Known artifacts, as SWH's package loader finds them (`_get_known_extids`,
 * `resolve_object_from_extids`): a package whose ExtID maps to a release that the previous
 * snapshot of the origin names, and that the archive holds, is not downloaded again.
 *
 * @module
 */

import type { Storage } from '../../storage/index.js'
import type { PackageInfo } from './types.js'

/** Version of the `checksum-<algo>` ExtIDs of archives (SWH's `NodeLoader.extid_version`). */
export const ARCHIVE_CHECKSUM_EXTID_VERSION = 1

/** The ids every branch of `snapshot` targets (empty without a snapshot). */
export async function previousTargets(
  storage: Storage,
  snapshot: string | null,
): Promise<Set<string>> {
  const out = new Set<string>()
  let from: Uint8Array | undefined
  while (snapshot !== null) {
    const page = await storage.snapshotGetBranches(snapshot, {
      branchesCount: 1000,
      ...(from ? { branchesFrom: from } : {}),
    })
    if (!page) break
    for (const b of page.branches)
      if (b.target && b.target.targetType !== 'alias') out.add(b.target.target)
    if (page.nextBranch === null) break
    from = page.nextBranch
  }
  return out
}

/** For each package already loaded, the release its branch keeps. */
export async function knownPackages<Raw>(
  storage: Storage,
  infos: readonly PackageInfo<Raw>[],
  whitelist: ReadonlySet<string>,
): Promise<Map<PackageInfo<Raw>, string>> {
  const groups = new Map<string, { type: string; version: number; values: Uint8Array[] }>()
  for (const i of infos) {
    if (!i.extid) continue
    const k = `${i.extid.type}\0${i.extid.version}`
    const g = groups.get(k) ?? { type: i.extid.type, version: i.extid.version, values: [] }
    g.values.push(i.extid.value)
    groups.set(k, g)
  }
  const targets = new Map<string, string[]>()
  for (const g of groups.values()) {
    for (const e of await storage.extidGetFromExtid(g.type, g.values, { version: g.version })) {
      if (e.target.type !== 'rel' || !whitelist.has(e.target.id)) continue
      const k = `${g.type}\0${g.version}\0${Buffer.from(e.extid).toString('hex')}`
      targets.set(k, [...(targets.get(k) ?? []), e.target.id])
    }
  }
  const candidates = [...new Set([...targets.values()].flat())]
  const missing = new Set(candidates.length ? await storage.releaseMissing(candidates) : [])
  const out = new Map<PackageInfo<Raw>, string>()
  for (const i of infos) {
    if (!i.extid) continue
    const k = `${i.extid.type}\0${i.extid.version}\0${Buffer.from(i.extid.value).toString('hex')}`
    const rel = targets.get(k)?.find((r) => !missing.has(r))
    if (rel) out.set(i, rel)
  }
  return out
}
