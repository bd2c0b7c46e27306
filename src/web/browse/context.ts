/**
 * The browsing context of a page: which origin, visit, snapshot, branch or release, revision,
 * root directory and path the viewed object is seen through. It is carried in query parameters
 * (Software Heritage's names: `origin_url`, `visit_id`, `timestamp`, `snapshot`, `branch`,
 * `release`, `revision`, `path`) and gives the contextual SWHID qualifiers.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../../errors.js'
import {
  escapeOrigin,
  isSha1Hex,
  type OriginVisit,
  type OriginVisitStatus,
  percentEncodePath,
  type Snapshot,
  type SnapshotBranch,
  swhidString,
  utf8,
} from '../../model/index.js'
import type { Storage } from '../../storage/index.js'

/** Where the viewed object sits. */
export interface BrowseContext {
  readonly origin: string | null
  readonly visit: OriginVisit | null
  readonly visitStatus: OriginVisitStatus | null
  readonly snapshot: string | null
  /** Selected branch name (text) or release name. */
  readonly branch: string | null
  readonly release: string | null
  /** The revision whose tree is browsed, when there is one. */
  readonly revision: string | null
  /** The release id, when browsing a release. */
  readonly releaseId: string | null
  /** Root directory of the browsed tree. */
  readonly root: string | null
  /** Path below the root (components, raw text from the URL). */
  readonly path: readonly string[]
}

/** A context with nothing in it. */
export const EMPTY_CONTEXT: BrowseContext = {
  origin: null,
  visit: null,
  visitStatus: null,
  snapshot: null,
  branch: null,
  release: null,
  revision: null,
  releaseId: null,
  root: null,
  path: [],
}

/** Splits a `path` query value into components (no empty ones, no `.` or `..`). */
export function splitPath(path: string | undefined): string[] {
  if (!path) return []
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..'))
    throw new InvalidInputError(`Invalid path "${path}": ".." is not allowed`)
  return parts
}

/** Bytes of path components. */
export function pathBytes(parts: readonly string[]): Uint8Array[] {
  return parts.map((p) => utf8(p))
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')

/** Follows aliases (at most 8) to the branch a name leads to. */
export function resolveBranch(snp: Snapshot, name: string): SnapshotBranch | null {
  const byName = new Map(snp.branches.map((b) => [text(b.name), b]))
  let b = byName.get(name) ?? null
  for (let i = 0; i < 8 && b?.target?.targetType === 'alias'; i++)
    b = byName.get(text(b.target.target)) ?? null
  return b
}

/** Query parameters of a browse request. */
export interface ContextParams {
  readonly origin_url?: string | undefined
  readonly visit_id?: string | undefined
  readonly timestamp?: string | undefined
  readonly snapshot?: string | undefined
  readonly branch?: string | undefined
  readonly release?: string | undefined
  readonly revision?: string | undefined
  readonly path?: string | undefined
}

/**
 * Resolves an origin context: the visit (by number, by the closest to a timestamp, or the latest
 * with a snapshot), its snapshot, then the branch (default HEAD) or release, down to a revision
 * and its root directory.
 */
export async function originContext(s: Storage, p: ContextParams): Promise<BrowseContext> {
  const origin = p.origin_url
  if (!origin) throw new InvalidInputError('The origin_url parameter is missing')
  const [o] = await s.originGet([origin])
  if (!o) throw new NotFoundError(`Origin with url ${origin} not found`)
  let visit: OriginVisit | null = null
  let status: OriginVisitStatus | null = null
  if (p.visit_id) {
    if (!/^\d{1,12}$/.test(p.visit_id))
      throw new InvalidInputError(`Invalid visit_id "${p.visit_id}"`)
    visit = await s.originVisitGetByNumber(origin, Number(p.visit_id))
    if (!visit) throw new NotFoundError(`Visit ${p.visit_id} of origin ${origin} not found`)
    status = await s.originVisitStatusGetLatest(origin, visit.visit)
  } else if (p.timestamp) {
    const t = Date.parse(p.timestamp)
    if (Number.isNaN(t)) throw new InvalidInputError(`Invalid timestamp "${p.timestamp}"`)
    let best: { v: OriginVisit; d: number } | null = null
    let token: string | null = null
    do {
      const page = await s.originVisitGet(origin, { limit: 1000, pageToken: token })
      for (const v of page.results) {
        const d = Math.abs(v.date.getTime() - t)
        if (!best || d < best.d) best = { v, d }
      }
      token = page.nextPageToken
    } while (token)
    if (!best) throw new NotFoundError(`Origin ${origin} has no visit`)
    visit = best.v
    status = await s.originVisitStatusGetLatest(origin, visit.visit)
  } else {
    const latest = await s.originVisitGetLatest(origin, { requireSnapshot: true })
    if (latest) {
      visit = latest.visit
      status = latest.status
    }
  }
  const snapshot = p.snapshot && isSha1Hex(p.snapshot) ? p.snapshot : (status?.snapshot ?? null)
  let base: BrowseContext = {
    ...EMPTY_CONTEXT,
    origin,
    visit,
    visitStatus: status,
    snapshot,
    path: splitPath(p.path),
  }
  if (!snapshot) return base
  const [snp] = await s.snapshotGet([snapshot])
  if (!snp) return base
  if (p.revision && isSha1Hex(p.revision)) {
    const [rev] = await s.revisionGet([p.revision])
    if (!rev) throw new NotFoundError(`Revision ${p.revision} not found`)
    return { ...base, revision: rev.id, root: rev.directory }
  }
  if (p.release) {
    const b = snp.branches.find(
      (x) => text(x.name) === `refs/tags/${p.release}` || text(x.name) === p.release,
    )
    if (!b?.target || b.target.targetType !== 'release')
      throw new NotFoundError(`Release ${p.release} not found in the snapshot`)
    const [rel] = await s.releaseGet([b.target.target])
    if (!rel) throw new NotFoundError(`Release ${p.release} not archived`)
    base = { ...base, release: p.release, releaseId: rel.id }
    return withTarget(s, base, rel.targetType, rel.target)
  }
  const name = p.branch ?? 'HEAD'
  let b = resolveBranch(snp, name)
  if (!b && !p.branch)
    b = resolveBranch(snp, 'refs/heads/main') ?? resolveBranch(snp, 'refs/heads/master')
  if (!b?.target || b.target.targetType === 'alias') {
    if (p.branch) throw new NotFoundError(`Branch ${p.branch} not found in the snapshot`)
    return base
  }
  base = { ...base, branch: name }
  return withTarget(s, base, b.target.targetType, b.target.target)
}

async function withTarget(
  s: Storage,
  ctx: BrowseContext,
  type: string,
  target: string | null,
): Promise<BrowseContext> {
  if (target === null) return ctx
  if (type === 'revision') {
    const [rev] = await s.revisionGet([target])
    return rev ? { ...ctx, revision: rev.id, root: rev.directory } : ctx
  }
  if (type === 'directory') return { ...ctx, root: target }
  if (type === 'release') {
    const [rel] = await s.releaseGet([target])
    return rel
      ? withTarget(s, { ...ctx, releaseId: ctx.releaseId ?? rel.id }, rel.targetType, rel.target)
      : ctx
  }
  return ctx
}

/** Query string carrying a context (for links that stay in it). */
export function contextQuery(
  ctx: BrowseContext,
  extra: Record<string, string | null> = {},
): string {
  const q = new URLSearchParams()
  if (ctx.origin) q.set('origin_url', ctx.origin)
  if (ctx.visit) q.set('visit_id', String(ctx.visit.visit))
  if (!ctx.origin && ctx.snapshot) q.set('snapshot', ctx.snapshot)
  if (ctx.release) q.set('release', ctx.release)
  else if (ctx.branch && ctx.branch !== 'HEAD') q.set('branch', ctx.branch)
  else if (!ctx.origin && ctx.revision) q.set('revision', ctx.revision)
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) q.delete(k)
    else q.set(k, v)
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** Contextual qualifiers (`;origin=…;visit=…;anchor=…;path=…`) for an object in `ctx`. */
export function qualifiers(
  ctx: BrowseContext,
  opts: { path?: string; anchor?: boolean; visit?: boolean } = {},
): string {
  let q = ''
  // As swh-model escapes origins (% and ;), plus whitespace and control characters, which would
  // otherwise make the SWHID invalid (the parser decodes them back).
  if (ctx.origin) {
    let origin = ''
    for (const ch of escapeOrigin(ctx.origin)) {
      const code = ch.charCodeAt(0)
      origin += code <= 0x20 || code === 0x7f || /\s/.test(ch) ? encodeURIComponent(ch) : ch
    }
    q += `;origin=${origin}`
  }
  if (ctx.snapshot && opts.visit !== false) q += `;visit=${swhidString('snp', ctx.snapshot)}`
  if (opts.anchor !== false) {
    if (ctx.releaseId) q += `;anchor=${swhidString('rel', ctx.releaseId)}`
    else if (ctx.revision) q += `;anchor=${swhidString('rev', ctx.revision)}`
    else if (ctx.root) q += `;anchor=${swhidString('dir', ctx.root)}`
  }
  if (opts.path !== undefined) q += `;path=${percentEncodePath(utf8(opts.path))}`
  return q
}
