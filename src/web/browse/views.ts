/**
 * Views shared by several browse pages: the origin header with its branch selector and tabs,
 * breadcrumbs, links within a browse context, the permalinks panel.
 *
 * @module
 */

import { html, raw } from 'hono/html'

import { type ReleaseTargetType, swhidString } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { type BrowseContext, contextQuery, qualifiers } from './context.js'
import {
  type Fragment,
  type GitCloneItem,
  originLink,
  type PermalinkItem,
  permalinksPanel,
  show,
  tabs,
  when,
} from './layout.js'

/** The header of origin pages: origin, visit, branch selector and the tabs (`current` selected). */
export function originHeader(
  ctx: BrowseContext,
  current: string,
  snapshotBranches: { name: string; type: string }[],
): Fragment {
  if (!ctx.origin) return ''
  const base = `origin_url=${encodeURIComponent(ctx.origin)}${ctx.visit ? `&visit_id=${ctx.visit.visit}` : ''}`
  const sel = ctx.release
    ? `release=${encodeURIComponent(ctx.release)}`
    : ctx.branch && ctx.branch !== 'HEAD'
      ? `branch=${encodeURIComponent(ctx.branch)}`
      : ''
  const link = (view: string, withSel = true): string =>
    `/browse/origin/${view}/?${base}${withSel && sel ? `&${sel}` : ''}`
  const selector =
    snapshotBranches.length > 0
      ? html`<form method="get" action="/browse/origin/directory/" class="branch-form">
          <input type="hidden" name="origin_url" value="${ctx.origin}" />
          ${ctx.visit ? html`<input type="hidden" name="visit_id" value="${String(ctx.visit.visit)}" />` : ''}
          <label for="branch-select">Branch or release</label>
          <select id="branch-select" name="branch" data-autosubmit>
            ${snapshotBranches.map(
              (b) =>
                html`<option
                  value="${b.name}"
                  ${b.name === (ctx.release ? `refs/tags/${ctx.release}` : (ctx.branch ?? 'HEAD')) ? raw(' selected') : ''}
                >
                  ${b.name}
                </option>`,
            )}
          </select>
          <button type="submit">Go</button>
        </form>`
      : ''
  return html`<section aria-label="Origin">
    <h1>${originLink(ctx.origin)}</h1>
    <p class="muted">
      ${ctx.visit ? html`Visit ${String(ctx.visit.visit)} of ${when(ctx.visit.date)} (${ctx.visitStatus?.status ?? 'created'}) · ` : 'No visit with a snapshot · '}<a
        href="${link('visits', false)}"
        >all visits</a
      >
    </p>
    ${selector}
    ${tabs([
      { label: 'Code', href: link('directory'), current: current === 'directory' },
      { label: 'History', href: link('log'), current: current === 'log' },
      { label: 'Branches', href: link('branches', false), current: current === 'branches' },
      { label: 'Releases', href: link('releases', false), current: current === 'releases' },
      { label: 'Visits', href: link('visits', false), current: current === 'visits' },
      { label: 'Forks', href: link('forks', false), current: current === 'forks' },
    ])}
  </section>`
}

/** The branches and releases of the context's snapshot, for the branch selector. */
export async function branchChoices(
  wctx: WebContext,
  ctx: BrowseContext,
): Promise<{ name: string; type: string }[]> {
  if (!ctx.snapshot) return []
  const page = await wctx.archive.storage.snapshotGetBranches(ctx.snapshot, {
    branchesCount: 500,
    targetTypes: ['revision', 'release', 'alias'],
  })
  return (page?.branches ?? []).map((b) => ({
    name: show(b.name),
    type: b.target?.targetType ?? 'dangling',
  }))
}

/** The breadcrumbs of a path of the context (ending with `fileName` for a file). */
export function crumbs(
  ctx: BrowseContext,
  dirLink: (path: string[]) => string,
  fileName?: string,
): Fragment {
  const parts: Fragment[] = [
    html`<a href="${dirLink([])}"
      >${ctx.origin ? 'root' : ctx.root ? ctx.root.slice(0, 10) : 'root'}</a
    >`,
  ]
  const dirs = fileName === undefined ? ctx.path : ctx.path.slice(0, -1)
  dirs.forEach((p, i) =>
    parts.push(html`/ <a href="${dirLink(ctx.path.slice(0, i + 1))}">${p}</a>`),
  )
  if (fileName !== undefined) parts.push(html`/ <span aria-current="page">${fileName}</span>`)
  return html`<nav class="crumbs" aria-label="Breadcrumbs">${parts}</nav>`
}

/** Links to the directories of the context, by path. */
export function dirLinkFor(ctx: BrowseContext): (path: string[]) => string {
  return (path) => {
    const p = path.join('/')
    if (ctx.origin) return `/browse/origin/directory/${contextQuery(ctx, p ? { path: p } : {})}`
    return `/browse/directory/${ctx.root}/${path.map(encodeURIComponent).join('/')}${path.length ? '/' : ''}${contextQuery(ctx)}`
  }
}

/** The link to a file of the context. */
export function contentLinkFor(ctx: BrowseContext, entryTarget: string, path: string[]): string {
  if (ctx.origin) return `/browse/origin/content/${contextQuery(ctx, { path: path.join('/') })}`
  return `/browse/content/sha1_git:${entryTarget}/${contextQuery(ctx, { path: path.join('/'), root: ctx.root })}`
}

/** The permalinks panel (SWHIDs, with and without context, and badges) of what is shown. */
export function contextPermalinks(
  ctx: BrowseContext,
  here: { dir?: string; cnt?: string; path: string },
): Fragment {
  const items: PermalinkItem[] = []
  const add = (
    label: string,
    type: 'cnt' | 'dir' | 'rev' | 'rel' | 'snp',
    id: string,
    contextQualifiers: string,
    lines = false,
  ): void => {
    const core = swhidString(type, id)
    items.push({ label, core, contextual: core + contextQualifiers, lines })
  }
  if (here.cnt) add('Content', 'cnt', here.cnt, qualifiers(ctx, { path: `/${here.path}` }), true)
  if (here.dir)
    add('Directory', 'dir', here.dir, qualifiers(ctx, { path: here.path ? `/${here.path}/` : '/' }))
  if (ctx.revision) add('Revision', 'rev', ctx.revision, qualifiers(ctx, { anchor: false }))
  if (ctx.releaseId) add('Release', 'rel', ctx.releaseId, qualifiers(ctx, { anchor: false }))
  if (ctx.snapshot)
    add('Snapshot', 'snp', ctx.snapshot, qualifiers(ctx, { anchor: false, visit: false }))
  const badges = []
  if (ctx.origin) badges.push({ label: 'Origin', url: `/badge/origin/${ctx.origin}/` })
  const first = items[0]
  if (first) badges.push({ label: first.label, url: `/badge/${first.core}/` })
  // What git can clone: the origin, and the revision, release or snapshot shown.
  const clones: GitCloneItem[] = []
  if (ctx.origin) clones.push({ label: 'Origin', path: `/git/${ctx.origin}` })
  for (const it of items) {
    if (/^swh:1:(rev|rel|snp):/.test(it.core))
      clones.push({ label: it.label, path: `/git/${it.core}` })
  }
  return permalinksPanel(items, badges, clones)
}

const BROWSE_PREFIX: Readonly<Record<ReleaseTargetType, string>> = {
  content: 'content/sha1_git:',
  directory: 'directory/',
  revision: 'revision/',
  release: 'release/',
  snapshot: 'snapshot/',
}

/** The browse page of an object by its type (`content`, `directory`, …) and id. */
export function objectHref(type: ReleaseTargetType, id: string): string {
  return `/browse/${BROWSE_PREFIX[type]}${id}/`
}
