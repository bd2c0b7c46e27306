/**
 * A full walk of an archive's graph from every origin's visits: each reachable object must be
 * present (no dangling edge) and, with `rehash`, hash to its id (contents: their bytes are read
 * back and all four hashes and the length recomputed).
 *
 * Objects are visited once (their ids are remembered: about 60 bytes each, so a walk of
 * 10 million objects needs some 600 MB; walk smaller archives or parts with `origins`).
 *
 * @module
 */

import { type Reference, references, swhidString, verify } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { Storage } from '../storage/index.js'

/** A problem found by {@link walkArchive}. */
export interface WalkProblem {
  /** The object that is missing or corrupt. */
  readonly swhid: string
  /** What references it (for a missing object). */
  readonly from: string | null
  readonly problem: 'missing' | 'corrupt'
  readonly detail: string
}

/** What a walk saw. */
export interface WalkReport {
  readonly objects: Record<'cnt' | 'dir' | 'rev' | 'rel' | 'snp' | 'ori', number>
  readonly problems: WalkProblem[]
}

/** Options of {@link walkArchive}. */
export interface WalkOptions {
  /** Recompute ids and content hashes (default true). */
  readonly rehash?: boolean
  /** Objects per storage call. */
  readonly batch?: number
  /** Stop after this many problems. */
  readonly maxProblems?: number
  readonly signal?: AbortSignal
  readonly onProgress?: (objects: number) => void
}

type Kind = Reference['type']

/** Walks the archive; see the module documentation. */
export async function walkArchive(
  storage: Storage,
  objstorage: ObjStorage,
  options: WalkOptions = {},
): Promise<WalkReport> {
  const rehash = options.rehash ?? true
  const batch = options.batch ?? 500
  const maxProblems = options.maxProblems ?? 1000
  const objects = { cnt: 0, dir: 0, rev: 0, rel: 0, snp: 0, ori: 0 }
  const problems: WalkProblem[] = []
  const seen = new Set<string>()
  const queues: Record<Kind, { id: string; from: string | null }[]> = {
    snp: [],
    rel: [],
    rev: [],
    dir: [],
    cnt: [],
  }
  const push = (kind: Kind, id: string, from: string | null): void => {
    const key = kind + id
    if (seen.has(key)) return
    seen.add(key)
    queues[kind].push({ id, from })
  }
  /** Queues what an object references. */
  const pushRefs = (refs: readonly Reference[], from: string): void => {
    for (const ref of refs) push(ref.type, ref.id, from)
  }
  const problem = (p: WalkProblem): void => {
    if (problems.length < maxProblems) problems.push(p)
  }

  // Origins, their visits and statuses, down to snapshots.
  let token: string | null = null
  do {
    const page = await storage.originList({ pageToken: token, limit: 500 })
    for (const o of page.results) {
      objects.ori++
      let vtoken: string | null = null
      do {
        const visits = await storage.originVisitGet(o.url, { pageToken: vtoken, limit: 500 })
        for (const v of visits.results) {
          const statuses = await storage.originVisitStatusGet(o.url, v.visit, { limit: 1000 })
          for (const s of statuses.results) {
            if (s.snapshot) push('snp', s.snapshot, `${o.url} visit ${v.visit}`)
          }
        }
        vtoken = visits.nextPageToken
      } while (vtoken)
    }
    token = page.nextPageToken
  } while (token)

  const done = (): boolean => problems.length >= maxProblems
  for (;;) {
    options.signal?.throwIfAborted()
    const kind = (['snp', 'rel', 'rev', 'dir', 'cnt'] as const).find((k) => queues[k].length > 0)
    if (!kind || done()) break
    const items = queues[kind].splice(0, batch)
    const ids = items.map((i) => i.id)
    const missing = (p: { id: string; from: string | null }): void =>
      problem({
        swhid: swhidString(kind, p.id),
        from: p.from,
        problem: 'missing',
        detail: `referenced by ${p.from ?? '?'} but not in the archive`,
      })
    const corrupt = (id: string, e: unknown): void =>
      problem({
        swhid: swhidString(kind, id),
        from: null,
        problem: 'corrupt',
        detail: (e as Error).message,
      })
    switch (kind) {
      case 'snp': {
        const got = await storage.snapshotGet(ids)
        got.forEach((s, i) => {
          if (!s) return missing(items[i]!)
          objects.snp++
          if (rehash) {
            try {
              verify.snapshot(s)
            } catch (e) {
              corrupt(s.id, e)
            }
          }
          pushRefs(references(s), swhidString('snp', s.id))
        })
        break
      }
      case 'rel': {
        const got = await storage.releaseGet(ids)
        got.forEach((r, i) => {
          if (!r) return missing(items[i]!)
          objects.rel++
          if (rehash) {
            try {
              verify.release(r)
            } catch (e) {
              corrupt(r.id, e)
            }
          }
          pushRefs(references(r), swhidString('rel', r.id))
        })
        break
      }
      case 'rev': {
        const got = await storage.revisionGet(ids)
        got.forEach((r, i) => {
          if (!r) return missing(items[i]!)
          objects.rev++
          if (rehash) {
            try {
              verify.revision(r)
            } catch (e) {
              corrupt(r.id, e)
            }
          }
          pushRefs(references(r), swhidString('rev', r.id))
        })
        break
      }
      case 'dir': {
        const got = await storage.directoryGet(ids)
        got.forEach((d, i) => {
          if (!d) return missing(items[i]!)
          objects.dir++
          if (rehash) {
            try {
              verify.directory(d)
            } catch (e) {
              corrupt(d.id, e)
            }
          }
          pushRefs(references(d), swhidString('dir', d.id))
        })
        break
      }
      case 'cnt': {
        const got = await storage.contentGet(ids)
        for (let i = 0; i < got.length; i++) {
          const c = got[i]
          if (!c) {
            // A skipped content (too large, unreadable) is a legitimate target.
            if ((await storage.skippedContentFind(ids[i]!)).length > 0) continue
            missing(items[i]!)
            continue
          }
          objects.cnt++
          if (rehash) {
            try {
              verify.content(c, await objstorage.getBytes(c.sha1Git))
            } catch (e) {
              corrupt(c.sha1Git, e)
            }
          }
        }
        break
      }
    }
    options.onProgress?.(objects.cnt + objects.dir + objects.rev + objects.rel + objects.snp)
  }
  return { objects, problems }
}
