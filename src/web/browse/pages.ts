/**
 * The browse pages: home, search, origin views (code, branches, releases, visits, history),
 * directory, content, revision (with its diff), release, snapshot; SWHID resolution; badges;
 * the embeddable viewer. Server-rendered; every page works without JavaScript.
 *
 * @module
 */

import { structuredPatch } from 'diff'
import type { Context } from 'hono'
import { html, raw } from 'hono/html'
import { marked } from 'marked'
import sanitizeHtml from 'sanitize-html'

import { InvalidInputError, isArcaError, NotFoundError } from '../../errors.js'
import { decodeForDisplay, isSha1Hex, utf8 } from '../../model/bytes.js'
import type { Content, OriginVisit, OriginVisitStatus, Revision } from '../../model/objects.js'
import { formatDateRfc3339, splitFullname } from '../../model/person.js'
import {
  formatSwhid,
  parseQualifiedSwhid,
  percentEncodePath,
  swhidString,
} from '../../model/swhid.js'
import type { DirectoryEntryInfo } from '../../storage/interface.js'
import { parseHashQuery } from '../api/routes.js'
import type { WebContext } from '../context.js'
import {
  type BrowseContext,
  contextQuery,
  EMPTY_CONTEXT,
  originContext,
  pathBytes,
  qualifiers,
  splitPath,
} from './context.js'
import { highlightLine, languageOf, renderCodeRows } from './highlight.js'
import {
  type Fragment,
  originLink,
  page,
  permalinksPanel,
  show,
  size,
  tabs,
  visitTypeIcon,
  when,
} from './layout.js'

/** Contents above this size are not displayed inline (raw and download links remain). */
export const DISPLAY_MAX_BYTES = 2 * 1024 * 1024
/** Files of a revision diff, at most. */
export const DIFF_MAX_FILES = 200
/** Contents above this size are not diffed. */
export const DIFF_MAX_BYTES = 256 * 1024

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
}

function imageType(name: string): string | null {
  const ext = name.toLowerCase().split('.').pop() ?? ''
  return IMAGE_TYPES[ext] ?? null
}

const PERMS = (p: number): string => p.toString(8).padStart(6, '0')

function q(c: Context): Record<string, string | undefined> {
  const url = new URL(c.req.url)
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of url.searchParams) out[k] = v
  return out
}

function isBinary(data: Uint8Array): boolean {
  const head = data.subarray(0, 8192)
  if (head.includes(0)) return true
  return (
    !decodeForDisplay(head).ok && decodeForDisplay(head).text.split('\\x').length > head.length / 20
  )
}

async function readContent(ctx: WebContext, c: Content): Promise<Uint8Array> {
  return ctx.archive.objstorage.getBytes(c.sha1Git)
}

/**
 * The value of `p`, or `fallback` when it reads a masked object: for the parts of a page that
 * show a masked object beside visible ones (a README, a diff, a branch's message).
 */
async function orMasked<T, F>(p: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await p
  } catch (e) {
    if (isArcaError(e) && e.code === 'masked') return fallback
    throw e
  }
}

function personName(fullname: Uint8Array | null): string {
  if (!fullname) return ''
  const p = splitFullname(fullname)
  return show(p.name ?? fullname)
}

// ---------------------------------------------------------------------------------------------
// Shared views

function originHeader(
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
    ])}
  </section>`
}

async function branchChoices(
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

function crumbs(
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

function dirLinkFor(ctx: BrowseContext): (path: string[]) => string {
  return (path) => {
    const p = path.join('/')
    if (ctx.origin) return `/browse/origin/directory/${contextQuery(ctx, p ? { path: p } : {})}`
    return `/browse/directory/${ctx.root}/${path.map(encodeURIComponent).join('/')}${path.length ? '/' : ''}${contextQuery(ctx)}`
  }
}

function contentLinkFor(ctx: BrowseContext, entryTarget: string, path: string[]): string {
  if (ctx.origin) return `/browse/origin/content/${contextQuery(ctx, { path: path.join('/') })}`
  return `/browse/content/sha1_git:${entryTarget}/${contextQuery(ctx, { path: path.join('/'), root: ctx.root })}`
}

function contextPermalinks(
  ctx: BrowseContext,
  here: { dir?: string; cnt?: string; path: string },
): Fragment {
  const items = []
  if (here.cnt) {
    items.push({
      label: 'Content',
      core: swhidString('cnt', here.cnt),
      contextual: swhidString('cnt', here.cnt) + qualifiers(ctx, { path: `/${here.path}` }),
      lines: true,
    })
  }
  if (here.dir) {
    const dirPath = here.path ? `/${here.path}/` : '/'
    items.push({
      label: 'Directory',
      core: swhidString('dir', here.dir),
      contextual: swhidString('dir', here.dir) + qualifiers(ctx, { path: dirPath }),
    })
  }
  if (ctx.revision)
    items.push({
      label: 'Revision',
      core: swhidString('rev', ctx.revision),
      contextual: swhidString('rev', ctx.revision) + qualifiers(ctx, { anchor: false }),
    })
  if (ctx.releaseId)
    items.push({
      label: 'Release',
      core: swhidString('rel', ctx.releaseId),
      contextual: swhidString('rel', ctx.releaseId) + qualifiers(ctx, { anchor: false }),
    })
  if (ctx.snapshot)
    items.push({
      label: 'Snapshot',
      core: swhidString('snp', ctx.snapshot),
      contextual:
        swhidString('snp', ctx.snapshot) + qualifiers(ctx, { anchor: false, visit: false }),
    })
  const badges = []
  if (ctx.origin) badges.push({ label: 'Origin', url: `/badge/origin/${ctx.origin}/` })
  const first = items[0]
  if (first) badges.push({ label: first.label, url: `/badge/${first.core}/` })
  return permalinksPanel(items, badges)
}

// ---------------------------------------------------------------------------------------------
// Directory and content

async function renderDirectory(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  header: Fragment,
): Promise<Response> {
  const s = wctx.archive.storage
  if (!ctx.root) throw new NotFoundError('This context has no directory to show')
  let dirId = ctx.root
  if (ctx.path.length > 0) {
    const entry = await s.directoryEntryGetByPath(ctx.root, pathBytes(ctx.path))
    if (!entry) throw new NotFoundError(`Path /${ctx.path.join('/')} not found`)
    if (entry.type === 'file') return renderContentEntry(c, wctx, ctx, entry.target, header)
    if (entry.type !== 'dir')
      throw new NotFoundError(
        `Path /${ctx.path.join('/')} is a submodule (revision ${entry.target})`,
      )
    dirId = entry.target
  }
  const entries = (await s.directoryLs(dirId)) ?? []
  const dirLink = dirLinkFor(ctx)
  const rows = entries.map((e: DirectoryEntryInfo) => {
    const name = show(e.name)
    const path = [...ctx.path, name]
    const href =
      e.type === 'dir'
        ? dirLink(path)
        : e.type === 'file'
          ? contentLinkFor(ctx, e.target, path)
          : `/browse/revision/${e.target}/`
    const kind =
      e.type === 'dir'
        ? 'directory'
        : e.type === 'rev'
          ? 'submodule'
          : e.perms === 0o120000
            ? 'symlink'
            : 'file'
    return html`<tr>
      <td><a href="${href}">${name}${e.type === 'dir' ? '/' : ''}</a></td>
      <td>${kind}</td>
      <td class="num">${e.type === 'file' ? size(e.length) : ''}</td>
      <td class="mono">${PERMS(e.perms)}</td>
    </tr>`
  })
  const readme = entries.find(
    (e) => e.type === 'file' && /^readme(\.(md|markdown|txt|rst))?$/i.test(show(e.name)),
  )
  let readmeHtml: Fragment = ''
  const readmeCnt =
    readme && (readme.length ?? 0) <= 512 * 1024
      ? await orMasked(
          s
            .contentGet([readme.target])
            .then(async ([cnt]) => (cnt ? { bytes: await readContent(wctx, cnt) } : null)),
          'masked' as const,
        )
      : null
  if (readme && readmeCnt === 'masked') {
    readmeHtml = html`<section class="readme" aria-label="${show(readme.name)}">
      <h2>${show(readme.name)}</h2>
      <p class="muted">This file is masked (takedown): it is not shown.</p>
    </section>`
  } else if (readme && readmeCnt !== null && readmeCnt !== 'masked') {
    const bytes = readmeCnt.bytes
    const text = decodeForDisplay(bytes).text
    const name = show(readme.name)
    const body = /\.(md|markdown)$/i.test(name)
      ? sanitizeHtml(await marked.parse(text, { async: true }), {
          allowedTags: sanitizeHtml.defaults.allowedTags.concat([
            'img',
            'h1',
            'h2',
            'details',
            'summary',
          ]),
          allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'title'], '*': ['id'] },
          allowedSchemes: ['http', 'https', 'mailto'],
          allowedSchemesByTag: { img: ['https', 'http'] },
        })
      : `<pre>${text.replace(/[&<>]/g, (x) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[x]!)}</pre>`
    readmeHtml = html`<section class="readme" aria-label="${name}">
      <h2>${name}</h2>
      ${raw(body)}
    </section>`
  }
  const body = html`${header}
    <div class="layout">
      <div>
        ${crumbs(ctx, dirLink)}
        <table>
          <caption class="skip">
            Directory listing
          </caption>
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th class="num">Size</th>
              <th>Permissions</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
        ${readmeHtml}
      </div>
      ${contextPermalinks(ctx, { dir: dirId, path: ctx.path.join('/') })}
    </div>`
  return c.html(
    page({
      title: ctx.origin ? `${ctx.origin} /${ctx.path.join('/')}` : `Directory ${dirId}`,
      body,
    }),
  )
}

async function renderContentEntry(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  sha1Git: string,
  header: Fragment,
): Promise<Response> {
  const [cnt] = await wctx.archive.storage.contentGet([sha1Git])
  if (!cnt) throw new NotFoundError(`Content ${sha1Git} not found`)
  return renderContent(c, wctx, ctx, cnt, header, false)
}

async function renderContent(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  cnt: Content,
  header: Fragment,
  embed: boolean,
): Promise<Response> {
  const name = ctx.path.length > 0 ? ctx.path[ctx.path.length - 1]! : cnt.sha1Git
  const rawUrl = `/browse/content/sha1_git:${cnt.sha1Git}/raw/?filename=${encodeURIComponent(name)}`
  const download = `/api/1/content/sha1_git:${cnt.sha1Git}/raw/?filename=${encodeURIComponent(name)}`
  let view: Fragment
  let language: string | null = null
  const img = imageType(name)
  if (cnt.status !== 'visible') view = html`<p>This content is not available.</p>`
  else if (img) view = html`<p><img class="content" src="${rawUrl}" alt="${name}" /></p>`
  else if (cnt.length > DISPLAY_MAX_BYTES)
    view = html`<p>
      This file is too large to be displayed (${size(cnt.length)}). Use the raw or download links.
    </p>`
  else {
    const bytes = await readContent(wctx, cnt)
    if (isBinary(bytes)) view = html`<p>Binary content (${size(cnt.length)}), not displayed.</p>`
    else {
      const text = decodeForDisplay(bytes).text
      const h = await renderCodeRows(text, name)
      language = h.language
      view = html`<div class="code" data-lines="${String(h.lines)}">
        <table>
          <tbody>
            ${raw(h.rows)}
          </tbody>
        </table>
      </div>`
    }
  }
  const dirLink = ctx.root ? dirLinkFor(ctx) : null
  const body = html`${header}
    <div class="layout">
      <div>
        ${dirLink ? crumbs(ctx, dirLink, name) : html`<h1>Content ${cnt.sha1Git}</h1>`}
        <p class="muted">
          ${size(cnt.length)}${language ? ` · ${language}` : ''} ·
          <a class="button" href="${rawUrl}">Raw</a>
          <a class="button" href="${download}" download="${name}">Download</a>
        </p>
        ${view}
      </div>
      ${embed ? '' : contextPermalinks(ctx, { cnt: cnt.sha1Git, path: ctx.path.join('/') })}
    </div>`
  return c.html(page({ title: name, body, embed }))
}

// ---------------------------------------------------------------------------------------------
// Revision diff

interface FileChange {
  path: string
  /** `masked`: a masked directory or file, not shown. */
  kind: 'added' | 'removed' | 'modified' | 'masked'
  from: string | null
  to: string | null
}

async function treeChanges(
  wctx: WebContext,
  from: string | null,
  to: string | null,
  prefix: string,
  out: FileChange[],
): Promise<void> {
  if (out.length >= DIFF_MAX_FILES || from === to) return
  const s = wctx.archive.storage
  const lists = await orMasked(
    Promise.all([
      from ? s.directoryLs(from).then((l) => l ?? []) : [],
      to ? s.directoryLs(to).then((l) => l ?? []) : [],
    ]),
    null,
  )
  if (lists === null) {
    out.push({ path: prefix || '/', kind: 'masked', from, to })
    return
  }
  const [a, b] = lists
  const key = (e: DirectoryEntryInfo): string => Buffer.from(e.name).toString('latin1')
  const am = new Map(a.map((e) => [key(e), e]))
  const bm = new Map(b.map((e) => [key(e), e]))
  const names = [...new Set([...am.keys(), ...bm.keys()])].sort()
  for (const n of names) {
    if (out.length >= DIFF_MAX_FILES) return
    const x = am.get(n)
    const y = bm.get(n)
    const path = prefix + show(Buffer.from(n, 'latin1'))
    if (x && y && x.target === y.target && x.type === y.type) continue
    const xd = x?.type === 'dir' ? x.target : null
    const yd = y?.type === 'dir' ? y.target : null
    if (xd || yd) await treeChanges(wctx, xd, yd, path + '/', out)
    const xf = x && x.type === 'file' ? x.target : null
    const yf = y && y.type === 'file' ? y.target : null
    if (xf || yf)
      out.push({ path, kind: xf && yf ? 'modified' : xf ? 'removed' : 'added', from: xf, to: yf })
  }
}

async function fileDiff(wctx: WebContext, ch: FileChange): Promise<Fragment> {
  const s = wctx.archive.storage
  const load = async (id: string | null): Promise<string | null> => {
    if (!id) return ''
    const [cnt] = await s.contentGet([id])
    if (!cnt || cnt.length > DIFF_MAX_BYTES) return null
    const bytes = await readContent(wctx, cnt)
    return isBinary(bytes) ? null : decodeForDisplay(bytes).text
  }
  const both =
    ch.kind === 'masked' ? null : await orMasked(Promise.all([load(ch.from), load(ch.to)]), null)
  if (both === null) return html`<p class="muted">Masked (takedown): not shown.</p>`
  const [a, b] = both
  if (a === null || b === null) return html`<p class="muted">Binary or large file: not diffed.</p>`
  const patch = structuredPatch(ch.path, ch.path, a, b, '', '', { context: 3 })
  const lang = languageOf(ch.path)
  const rows: string[] = []
  for (const h of patch.hunks) {
    rows.push(
      `<tr class="hunk"><td class="ln"></td><td>@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@</td></tr>`,
    )
    for (const l of h.lines) {
      const cls = l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : ''
      rows.push(
        `<tr class="${cls}"><td class="ln">${l[0] === ' ' ? '' : l[0]}</td><td class="hljs">${highlightLine(l.slice(1), lang)}</td></tr>`,
      )
    }
  }
  return html`<div class="code diff">
    <table>
      <tbody>
        ${raw(rows.join(''))}
      </tbody>
    </table>
  </div>`
}

// ---------------------------------------------------------------------------------------------
// Handlers

/** Route handlers of the browse pages. */
export function browseHandlers(wctx: WebContext) {
  const s = wctx.archive.storage

  const home = async (c: Context): Promise<Response> => {
    const counters = await s.statCounters()
    const recent = await s.originVisitStatusGetRecent(20, { statuses: ['full', 'partial'] })
    const body = html`<h1>Arca source-code archive</h1>
      <form action="/browse/search/" method="get" role="search" class="panel">
        <label for="home-q"><b>Search archived origins</b> (URL or part of it)</label><br />
        <input
          type="search"
          id="home-q"
          name="q"
          style="width:70%"
          placeholder="e.g. github.com/python"
        />
        <label><input type="checkbox" name="with_visit" value="true" /> only visited</label>
        <button type="submit">Search</button>
      </form>
      <h2>Archive</h2>
      <div class="counters" aria-label="Archive counters">
        <div><b>${counters.content.toLocaleString('en')}</b>source files</div>
        <div><b>${counters.directory.toLocaleString('en')}</b>directories</div>
        <div><b>${counters.revision.toLocaleString('en')}</b>commits</div>
        <div><b>${counters.release.toLocaleString('en')}</b>releases</div>
        <div><b>${counters.origin.toLocaleString('en')}</b>projects</div>
        <div><b>${counters.origin_visit.toLocaleString('en')}</b>visits</div>
      </div>
      <h2>Latest visits</h2>
      ${
        recent.length === 0
          ? html`<p class="muted">Nothing archived yet: run <code>arca save URL</code>.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Origin</th>
                  <th>Type</th>
                  <th>Date</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                ${recent.map(
                  (r) =>
                    html`<tr>
                      <td>
                        <a
                          href="/browse/origin/directory/?origin_url=${encodeURIComponent(r.origin)}&amp;visit_id=${String(r.visit)}"
                          >${r.origin}</a
                        >
                      </td>
                      <td>${visitTypeIcon(r.type)}</td>
                      <td>${when(r.date)}</td>
                      <td class="status-${r.status}">${r.status}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`
    return c.html(page({ title: 'Home', body }))
  }

  const search = async (c: Context): Promise<Response> => {
    const p = q(c)
    const query = p['q'] ?? ''
    const withVisit = p['with_visit'] === 'true' || p['with_visit'] === 'on'
    const token = p['page_token'] ?? null
    const history = (p['prev'] ?? '').split('.').filter(Boolean)
    const PER = 100
    const [res, total] = await Promise.all([
      s.originSearch(query, { limit: PER, pageToken: token, withVisit }),
      s.originSearchCount(query, { withVisit }),
    ])
    const rows: Fragment[] = []
    for (const r of res.results) {
      const latest = r.hasVisits ? await s.originVisitGetLatest(r.url) : null
      rows.push(
        html`<tr>
          <td>
            <a href="/browse/origin/directory/?origin_url=${encodeURIComponent(r.url)}">${r.url}</a>
          </td>
          <td>${r.visitTypes.map(visitTypeIcon)}</td>
          <td>
            ${latest ? html`<a href="/browse/origin/visits/?origin_url=${encodeURIComponent(r.url)}">${when(latest.status.date)}</a> <span class="status-${latest.status.status}">${latest.status.status}</span>` : html`<span class="never">never visited</span>`}
          </td>
        </tr>`,
      )
    }
    const base = (extra: Record<string, string>): string => {
      const u = new URLSearchParams({
        q: query,
        ...(withVisit ? { with_visit: 'true' } : {}),
        ...extra,
      })
      return `/browse/search/?${u.toString()}`
    }
    const nextHref = res.nextPageToken
      ? base({ page_token: res.nextPageToken, prev: [...history, token ?? '0'].join('.') })
      : null
    const prevToken = history.length > 0 ? history[history.length - 1]! : null
    const prevHref = token
      ? base({
          ...(prevToken && prevToken !== '0' ? { page_token: prevToken } : {}),
          ...(history.length > 1 ? { prev: history.slice(0, -1).join('.') } : {}),
        })
      : null
    const start = history.length * PER
    const body = html`<h1>Search results for “${query}”</h1>
      <form action="/browse/search/" method="get">
        <input type="hidden" name="q" value="${query}" /><label
          ><input
            type="checkbox"
            name="with_visit"
            value="true"
            ${withVisit ? raw(' checked') : ''}
          />
          only origins with at least one visit</label
        >
        <button type="submit">Filter</button>
      </form>
      <p id="total">
        ${String(total)} origin${total === 1 ? '' : 's'}
        found${total > 0 ? `, showing ${start + 1}–${start + res.results.length}` : ''}.
      </p>
      <table>
        <thead>
          <tr>
            <th>Origin</th>
            <th>Visit types</th>
            <th>Latest visit</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        ${prevHref ? html`<a class="button" rel="prev" href="${prevHref}">Previous</a>` : ''}${nextHref ? html`<a class="button" rel="next" href="${nextHref}">Next</a>` : ''}
      </nav>`
    return c.html(page({ title: `Search ${query}`, body, search: query }))
  }

  const originDirectory = async (c: Context): Promise<Response> => {
    const p = q(c)
    let ctx = await originContext(s, p)
    if (p['branch']?.startsWith('refs/tags/')) {
      // The branch selector may point at a release.
      const snpId = ctx.snapshot
      if (snpId)
        ctx = await originContext(s, {
          ...p,
          branch: undefined,
          release: p['branch'].slice('refs/tags/'.length),
        }).catch(() => ctx)
    }
    const header = originHeader(ctx, 'directory', await branchChoices(wctx, ctx))
    if (!ctx.root) {
      return c.html(
        page({
          title: ctx.origin ?? 'Origin',
          body: html`${header}
            <p>No archived code for this context yet.</p>`,
        }),
      )
    }
    return renderDirectory(c, wctx, ctx, header)
  }

  const originContent = async (c: Context): Promise<Response> => {
    const ctx = await originContext(s, q(c))
    if (!ctx.root) throw new NotFoundError('This origin has no archived code')
    const entry = await s.directoryEntryGetByPath(ctx.root, pathBytes(ctx.path))
    if (!entry || entry.type !== 'file')
      throw new NotFoundError(`File /${ctx.path.join('/')} not found`)
    return renderContentEntry(
      c,
      wctx,
      ctx,
      entry.target,
      originHeader(ctx, 'directory', await branchChoices(wctx, ctx)),
    )
  }

  const originLog = async (c: Context): Promise<Response> => {
    const p = q(c)
    const ctx = await originContext(s, p)
    const header = originHeader(ctx, 'log', await branchChoices(wctx, ctx))
    return renderLog(c, ctx, header, p)
  }

  const renderLog = async (
    c: Context,
    ctx: BrowseContext,
    header: Fragment,
    p: Record<string, string | undefined>,
  ): Promise<Response> => {
    if (!ctx.revision)
      return c.html(
        page({
          title: 'History',
          body: html`${header}
            <p>No revision in this context.</p>`,
        }),
      )
    const PER = 50
    const offset = Math.max(0, Math.min(100_000, Number(p['offset'] ?? 0) || 0))
    const revs: Revision[] = []
    let i = 0
    for await (const r of s.revisionLog([ctx.revision], { limit: offset + PER + 1 })) {
      if (i++ >= offset) revs.push(r)
    }
    const more = revs.length > PER
    const rows = revs.slice(0, PER).map((r) => {
      const msg = r.message === null ? '' : show(r.message).split('\n')[0]!
      return html`<tr>
        <td>
          <a class="mono" href="/browse/revision/${r.id}/${contextQuery(ctx)}"
            >${r.id.slice(0, 10)}</a
          >
        </td>
        <td>${msg}</td>
        <td>${personName(r.author?.fullname ?? null)}</td>
        <td>${r.committerDate ? formatDateRfc3339(r.committerDate) : ''}</td>
      </tr>`
    })
    const url = (o: number): string =>
      `${new URL(c.req.url).pathname}${contextQuery(ctx, { offset: String(o) })}`
    const body = html`${header}
      <h2>History</h2>
      <table>
        <thead>
          <tr>
            <th>Revision</th>
            <th>Message</th>
            <th>Author</th>
            <th>Date</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <nav class="pager">
        ${offset > 0 ? html`<a class="button" rel="prev" href="${url(Math.max(0, offset - PER))}">Newer</a>` : ''}${more ? html`<a class="button" rel="next" href="${url(offset + PER)}">Older</a>` : ''}
      </nav>`
    return c.html(page({ title: 'History', body }))
  }

  const branchTable = async (c: Context, kind: 'branches' | 'releases'): Promise<Response> => {
    const p = q(c)
    const ctx = await originContext(s, { ...p, branch: undefined, release: undefined })
    const header = originHeader(ctx, kind, await branchChoices(wctx, ctx))
    if (!ctx.snapshot)
      return c.html(
        page({
          title: kind,
          body: html`${header}
            <p>No snapshot.</p>`,
        }),
      )
    const from = p['branches_from']
    const pageData = await s.snapshotGetBranches(ctx.snapshot, {
      branchesCount: 100,
      ...(from ? { branchesFrom: utf8(from) } : {}),
      targetTypes:
        kind === 'releases'
          ? ['release']
          : ['revision', 'alias', 'directory', 'content', 'snapshot'],
    })
    const rows: Fragment[] = []
    for (const b of pageData?.branches ?? []) {
      const name = show(b.name)
      const t = b.target
      if (!t) {
        rows.push(
          html`<tr>
            <td>${name}</td>
            <td>dangling</td>
            <td></td>
            <td></td>
          </tr>`,
        )
        continue
      }
      if (t.targetType === 'alias') {
        rows.push(
          html`<tr>
            <td>${name}</td>
            <td>alias</td>
            <td>→ ${show(t.target)}</td>
            <td></td>
          </tr>`,
        )
        continue
      }
      let message = ''
      let date = ''
      if (t.targetType === 'revision') {
        const [r] = await orMasked(s.revisionGet([t.target]), [null])
        if (r) {
          message = r.message === null ? '' : show(r.message).split('\n')[0]!
          date = r.committerDate ? formatDateRfc3339(r.committerDate) : ''
        }
      } else if (t.targetType === 'release') {
        const [r] = await orMasked(s.releaseGet([t.target]), [null])
        if (r) {
          message = r.message === null ? '' : show(r.message).split('\n')[0]!
          date = r.date ? formatDateRfc3339(r.date) : ''
        }
      }
      const view =
        kind === 'releases'
          ? `/browse/origin/directory/?origin_url=${encodeURIComponent(ctx.origin!)}&release=${encodeURIComponent(name.replace(/^refs\/tags\//, ''))}`
          : `/browse/origin/directory/?origin_url=${encodeURIComponent(ctx.origin!)}&branch=${encodeURIComponent(name)}`
      rows.push(
        html`<tr>
          <td><a href="${view}">${name}</a></td>
          <td>${t.targetType}</td>
          <td>${message}</td>
          <td>${date}</td>
        </tr>`,
      )
    }
    const next = pageData?.nextBranch
      ? `${new URL(c.req.url).pathname}?origin_url=${encodeURIComponent(ctx.origin!)}&branches_from=${encodeURIComponent(show(pageData.nextBranch))}`
      : null
    const body = html`${header}
      <h2>${kind === 'releases' ? 'Releases' : 'Branches'}</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Target</th>
            <th>Message</th>
            <th>Date</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      ${next ? html`<nav class="pager"><a class="button" rel="next" href="${next}">Next</a></nav>` : ''}`
    return c.html(page({ title: kind, body }))
  }

  const originVisits = async (c: Context): Promise<Response> => {
    const p = q(c)
    const origin = p['origin_url']
    if (!origin) throw new InvalidInputError('The origin_url parameter is missing')
    if ((await s.originGet([origin]))[0] === null)
      throw new NotFoundError(`Origin with url ${origin} not found`)
    const visits: { v: OriginVisit; st: OriginVisitStatus | null }[] = []
    let token: string | null = null
    do {
      const pg = await s.originVisitGet(origin, { limit: 1000, pageToken: token, order: 'desc' })
      for (const v of pg.results)
        visits.push({ v, st: await s.originVisitStatusGetLatest(origin, v.visit) })
      token = visits.length >= 2000 ? null : pg.nextPageToken
    } while (token)
    const ctx = {
      ...EMPTY_CONTEXT,
      origin,
      visit: visits[0]?.v ?? null,
      visitStatus: visits[0]?.st ?? null,
    }
    const header = originHeader(ctx, 'visits', [])
    // Calendar heatmap of the year of the latest visit: one cell per day, coloured by status.
    const year = visits[0] ? visits[0].v.date.getUTCFullYear() : new Date().getUTCFullYear()
    const byDay = new Map<string, string>()
    const rank = (st: string): number =>
      ({ full: 4, partial: 3, failed: 2, not_found: 2, ongoing: 1, created: 0 })[st] ?? 0
    for (const { v, st } of visits) {
      if (v.date.getUTCFullYear() !== year) continue
      const day = v.date.toISOString().slice(0, 10)
      const status = st?.status ?? 'created'
      const cur = byDay.get(day)
      if (!cur || rank(status) > rank(cur)) byDay.set(day, status)
    }
    const jan1 = Date.UTC(year, 0, 1)
    const offset = new Date(jan1).getUTCDay()
    const cells: Fragment[] = []
    for (let i = 0; i < offset; i++) cells.push(html`<span style="visibility:hidden"></span>`)
    for (let d = 0; d < 366; d++) {
      const date = new Date(jan1 + d * 86400000)
      if (date.getUTCFullYear() !== year) break
      const day = date.toISOString().slice(0, 10)
      const st = byDay.get(day)
      cells.push(html`<span class="${st ?? ''}" title="${day}${st ? `: ${st}` : ''}"></span>`)
    }
    const rows = visits.map(
      ({ v, st }) =>
        html`<tr>
          <td>${String(v.visit)}</td>
          <td>${when(v.date)}</td>
          <td>${visitTypeIcon(v.type)}</td>
          <td class="status-${st?.status ?? 'created'}">${st?.status ?? 'created'}</td>
          <td>
            ${st?.snapshot ? html`<a href="/browse/origin/directory/?origin_url=${encodeURIComponent(origin)}&amp;visit_id=${String(v.visit)}">browse</a> <span class="mono muted">${st.snapshot.slice(0, 10)}</span>` : ''}
          </td>
        </tr>`,
    )
    const body = html`${header}
      <h2>Visits in ${String(year)}</h2>
      <div class="cal" role="img" aria-label="Calendar of visits in ${String(year)}">${cells}</div>
      <p class="muted">Green: full; yellow: partial; red: failed or not found.</p>
      <table>
        <thead>
          <tr>
            <th>Visit</th>
            <th>Date</th>
            <th>Type</th>
            <th>Status</th>
            <th>Snapshot</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`
    return c.html(page({ title: `Visits of ${origin}`, body }))
  }

  const directory = async (c: Context): Promise<Response> => {
    const id = c.req.param('id') ?? ''
    if (!isSha1Hex(id)) throw new InvalidInputError(`Invalid directory id "${id}"`)
    const url = new URL(c.req.url)
    const prefix = `/browse/directory/${id}/`
    const rest = decodeURIComponent(
      url.pathname.slice(url.pathname.indexOf(prefix) + prefix.length),
    )
    const p = q(c)
    let ctx: BrowseContext = { ...EMPTY_CONTEXT, root: id, path: splitPath(rest) }
    if (p['origin_url']) {
      const oc = await originContext(s, p).catch(() => null)
      if (oc) ctx = { ...oc, root: id, path: ctx.path }
    } else if (p['revision'] && isSha1Hex(p['revision'])) ctx = { ...ctx, revision: p['revision'] }
    if ((await s.directoryMissing([id])).length > 0)
      throw new NotFoundError(`Directory ${id} not found`)
    return renderDirectory(c, wctx, ctx, '')
  }

  const content = async (c: Context): Promise<Response> => {
    const { algo, hash } = parseHashQuery(c.req.param('q') ?? '')
    const [cnt] = await s.contentGet([hash], algo)
    if (!cnt) throw new NotFoundError(`Content with ${algo} ${hash} not found`)
    const p = q(c)
    let ctx: BrowseContext = { ...EMPTY_CONTEXT, path: splitPath(p['path']) }
    if (p['origin_url']) {
      const oc = await originContext(s, p).catch(() => null)
      if (oc) ctx = { ...oc, path: ctx.path }
    } else {
      if (p['revision'] && isSha1Hex(p['revision'])) {
        const [r] = await s.revisionGet([p['revision']])
        if (r) ctx = { ...ctx, revision: r.id, root: r.directory }
      }
      if (p['root'] && isSha1Hex(p['root'])) ctx = { ...ctx, root: p['root'] }
      if (p['snapshot'] && isSha1Hex(p['snapshot'])) ctx = { ...ctx, snapshot: p['snapshot'] }
    }
    return renderContent(c, wctx, ctx, cnt, '', false)
  }

  const contentRaw = async (c: Context): Promise<Response> => {
    const { algo, hash } = parseHashQuery(c.req.param('q') ?? '')
    const [cnt] = await s.contentGet([hash], algo)
    if (!cnt) throw new NotFoundError(`Content with ${algo} ${hash} not found`)
    const name = q(c)['filename'] ?? cnt.sha1Git
    const img = imageType(name)
    const bytes = await readContent(wctx, cnt)
    // Archived bytes are served inert: images as images, everything else as plain text or
    // octet-stream, never as HTML, and sandboxed.
    const type = img ?? (isBinary(bytes) ? 'application/octet-stream' : 'text/plain; charset=utf-8')
    return new Response(new Uint8Array(bytes), {
      headers: {
        'Content-Type': type,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
      },
    })
  }

  const revision = async (c: Context): Promise<Response> => {
    const id = c.req.param('id') ?? ''
    if (!isSha1Hex(id)) throw new InvalidInputError(`Invalid revision id "${id}"`)
    const [r] = await s.revisionGet([id])
    if (!r) throw new NotFoundError(`Revision ${id} not found`)
    const p = q(c)
    let ctx: BrowseContext = { ...EMPTY_CONTEXT, revision: r.id, root: r.directory }
    if (p['origin_url']) {
      const oc = await originContext(s, p).catch(() => null)
      if (oc) ctx = { ...oc, revision: r.id, root: r.directory, releaseId: null }
    }
    if (c.req.path.endsWith('/log/'))
      return renderLog(c, ctx, html`<h1>History of revision ${r.id}</h1>`, p)
    const parent = r.parents[0] ? ((await s.revisionGet([r.parents[0]]))[0] ?? null) : null
    const changes: FileChange[] = []
    await treeChanges(wctx, parent?.directory ?? null, r.directory, '', changes)
    const diffs: Fragment[] = []
    for (const ch of changes) {
      diffs.push(
        html`<section aria-label="${ch.path}">
          <h3 class="mono">
            ${{ added: 'A', removed: 'D', modified: 'M', masked: 'X' }[ch.kind]} ${ch.path}
          </h3>
          ${await fileDiff(wctx, ch)}
        </section>`,
      )
    }
    const person = (label: string, fullname: Uint8Array | null, date: string | null): Fragment =>
      fullname
        ? html`<tr>
            <th>${label}</th>
            <td>${show(fullname)}${date ? html` <span class="muted">${date}</span>` : ''}</td>
          </tr>`
        : ''
    const body = html`<div class="layout">
      <div>
        <h1>Revision <span class="mono">${r.id}</span></h1>
        <table>
          ${person('Author', r.author?.fullname ?? null, r.date ? formatDateRfc3339(r.date) : null)}
          ${person('Committer', r.committer?.fullname ?? null, r.committerDate ? formatDateRfc3339(r.committerDate) : null)}
          <tr>
            <th>Parents</th>
            <td>
              ${r.parents.length === 0 ? 'none' : r.parents.map((pid) => html`<a class="mono" href="/browse/revision/${pid}/">${pid.slice(0, 10)}</a> `)}
            </td>
          </tr>
          <tr>
            <th>Directory</th>
            <td>
              <a class="mono" href="/browse/directory/${r.directory}/?revision=${r.id}"
                >${r.directory}</a
              >
            </td>
          </tr>
          ${r.extraHeaders.map(
            ([k, v]) =>
              html`<tr>
                <th>${show(k)}</th>
                <td><pre>${show(v)}</pre></td>
              </tr>`,
          )}
        </table>
        <h2>Message</h2>
        <pre>${show(r.message)}</pre>
        <h2>
          Changes${parent ? html` against <a class="mono" href="/browse/revision/${parent.id}/">${parent.id.slice(0, 10)}</a>` : ''}
        </h2>
        ${changes.length >= DIFF_MAX_FILES ? html`<p class="muted">Only the first ${String(DIFF_MAX_FILES)} changed files are shown.</p>` : ''}
        ${changes.length === 0 ? html`<p class="muted">No changed files.</p>` : diffs}
      </div>
      ${contextPermalinks(ctx, { dir: r.directory, path: '' })}
    </div>`
    return c.html(page({ title: `Revision ${r.id.slice(0, 10)}`, body }))
  }

  const release = async (c: Context): Promise<Response> => {
    const id = c.req.param('id') ?? ''
    if (!isSha1Hex(id)) throw new InvalidInputError(`Invalid release id "${id}"`)
    const [r] = await s.releaseGet([id])
    if (!r) throw new NotFoundError(`Release ${id} not found`)
    const target = r.target
      ? `/browse/${{ content: 'content/sha1_git:', directory: 'directory/', revision: 'revision/', release: 'release/', snapshot: 'snapshot/' }[r.targetType]}${r.target}/`
      : null
    const ctx: BrowseContext = { ...EMPTY_CONTEXT, releaseId: r.id }
    const body = html`<div class="layout">
      <div>
        <h1>Release ${show(r.name)}</h1>
        <table>
          <tr>
            <th>Identifier</th>
            <td class="mono">${r.id}</td>
          </tr>
          ${
            r.author
              ? html`<tr>
                  <th>Author</th>
                  <td>
                    ${show(r.author.fullname)}
                    ${r.date ? html`<span class="muted">${formatDateRfc3339(r.date)}</span>` : ''}
                  </td>
                </tr>`
              : ''
          }
          <tr>
            <th>Target</th>
            <td>
              ${r.targetType}
              ${target ? html`<a class="mono" href="${target}">${r.target ?? ''}</a>` : ''}
            </td>
          </tr>
        </table>
        <h2>Message</h2>
        <pre>${show(r.message)}</pre>
      </div>
      ${contextPermalinks(ctx, { path: '' })}
    </div>`
    return c.html(page({ title: `Release ${show(r.name)}`, body }))
  }

  const snapshot = async (c: Context): Promise<Response> => {
    const id = c.req.param('id') ?? ''
    if (!isSha1Hex(id)) throw new InvalidInputError(`Invalid snapshot id "${id}"`)
    const from = q(c)['branches_from']
    const pg = await s.snapshotGetBranches(id, {
      branchesCount: 200,
      ...(from ? { branchesFrom: utf8(from) } : {}),
    })
    if (!pg) throw new NotFoundError(`Snapshot ${id} not found`)
    const counts = (await s.snapshotCountBranches(id)) ?? {}
    const rows = pg.branches.map((b) => {
      const t = b.target
      const href =
        !t || t.targetType === 'alias'
          ? null
          : `/browse/${{ content: 'content/sha1_git:', directory: 'directory/', revision: 'revision/', release: 'release/', snapshot: 'snapshot/' }[t.targetType]}${t.target}/`
      return html`<tr>
        <td>${show(b.name)}</td>
        <td>${t ? t.targetType : 'dangling'}</td>
        <td class="mono">
          ${t ? (href ? html`<a href="${href}">${t.target}</a>` : show(t.target as Uint8Array)) : ''}
        </td>
      </tr>`
    })
    const ctx: BrowseContext = { ...EMPTY_CONTEXT, snapshot: id }
    const next = pg.nextBranch
      ? `/browse/snapshot/${id}/?branches_from=${encodeURIComponent(show(pg.nextBranch))}`
      : null
    const body = html`<div class="layout">
      <div>
        <h1>Snapshot <span class="mono">${id}</span></h1>
        <p class="muted">
          ${Object.entries(counts)
            .map(([k, v]) => `${v} ${k === 'null' ? 'dangling' : k}`)
            .join(', ')}
        </p>
        <table>
          <thead>
            <tr>
              <th>Branch</th>
              <th>Target type</th>
              <th>Target</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
        ${next ? html`<nav class="pager"><a class="button" rel="next" href="${next}">Next</a></nav>` : ''}
      </div>
      ${contextPermalinks(ctx, { path: '' })}
    </div>`
    return c.html(page({ title: `Snapshot ${id.slice(0, 10)}`, body }))
  }

  /** `/<swhid>` and `/browse/<swhid>/`: redirect to the object's page, qualifiers applied. */
  const resolve = async (c: Context, text: string): Promise<Response> => {
    const sw = parseQualifiedSwhid(text.replace(/\/+$/, ''))
    // A masked object's permalink answers 403 itself (unknown ones still lead to the page).
    await s.objectExists({ type: sw.type, id: sw.id })
    const qs = sw.qualifiers
    const params = new URLSearchParams()
    if (qs.origin) params.set('origin_url', qs.origin)
    if (qs.visit) params.set('snapshot', qs.visit.id)
    const path =
      qs.path !== undefined
        ? Buffer.from(qs.path)
            .toString('utf8')
            .replace(/^\/+|\/+$/g, '')
        : ''
    if (qs.anchor?.type === 'rev') params.set('revision', qs.anchor.id)
    if (qs.anchor?.type === 'rel') params.set('release_id', qs.anchor.id)
    if (qs.anchor?.type === 'dir') params.set('root', qs.anchor.id)
    const hash = qs.lines
      ? `#L${qs.lines[0]}${qs.lines[1] !== null && qs.lines[1] !== qs.lines[0] ? `-L${qs.lines[1]}` : ''}`
      : ''
    let target: string
    switch (sw.type) {
      case 'cnt':
        if (path) params.set('path', path)
        target = `/browse/content/sha1_git:${sw.id}/`
        break
      case 'dir':
        if (qs.anchor?.type === 'dir' && path) {
          params.delete('root')
          target = `/browse/directory/${qs.anchor.id}/${path.split('/').map(encodeURIComponent).join('/')}/`
        } else target = `/browse/directory/${sw.id}/`
        break
      case 'rev':
        target = `/browse/revision/${sw.id}/`
        break
      case 'rel':
        target = `/browse/release/${sw.id}/`
        break
      case 'snp':
        target = `/browse/snapshot/${sw.id}/`
        break
    }
    const query = params.toString()
    return c.redirect(`${target}${query ? `?${query}` : ''}${hash}`, 302)
  }

  const badge = async (c: Context, what: string): Promise<Response> => {
    let label = 'Software Heritage'
    let value: string
    let color: string
    if (what.startsWith('origin/')) {
      const url = what
        .slice('origin/'.length)
        .replace(/\/+$/, '')
        .replace(/^([a-z][a-z0-9+.-]*):\/(?!\/)/i, '$1://')
      const latest = (await s.originGet([url]))[0]
        ? await s.originVisitGetLatest(url, { requireSnapshot: true })
        : null
      value = latest ? 'archived' : 'not archived'
      color = latest ? '#e37b22' : '#9f9f9f'
    } else {
      let swhid = what.replace(/\/+$/, '')
      const m = /^(content|directory|revision|release|snapshot)\/([0-9a-f]{40})$/.exec(swhid)
      if (m)
        swhid = swhidString(
          (
            {
              content: 'cnt',
              directory: 'dir',
              revision: 'rev',
              release: 'rel',
              snapshot: 'snp',
            } as const
          )[m[1] as 'content'],
          m[2]!,
        )
      const sw = parseQualifiedSwhid(swhid)
      await s.objectExists({ type: sw.type, id: sw.id }) // 403 when masked
      label = 'SWHID'
      value = formatSwhid({ type: sw.type, id: sw.id })
      color = '#0074d9'
    }
    const w1 = 7 * label.length + 12
    const w2 = 6.5 * value.length + 12
    const esc = (x: string): string =>
      x.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!)
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w1 + w2}" height="20" role="img" aria-label="${esc(label)}: ${esc(value)}"><title>${esc(label)}: ${esc(value)}</title><rect width="${w1}" height="20" fill="#555"/><rect x="${w1}" width="${w2}" height="20" fill="${color}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="6" y="14">${esc(label)}</text><text x="${w1 + 6}" y="14">${esc(value)}</text></g></svg>`
    return c.body(svg, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=300' })
  }

  const embed = async (c: Context, text: string): Promise<Response> => {
    const sw = parseQualifiedSwhid(text.replace(/\/+$/, ''))
    if (sw.type === 'cnt') {
      const [cnt] = await s.contentGet([sw.id])
      if (!cnt) throw new NotFoundError(`Content ${sw.id} not found`)
      const path = sw.qualifiers.path
        ? Buffer.from(sw.qualifiers.path).toString('utf8').replace(/^\/+/, '')
        : ''
      return renderContent(
        c,
        wctx,
        { ...EMPTY_CONTEXT, path: splitPath(path) },
        cnt,
        html`<p class="muted">
          <a href="/${formatSwhid(sw)}/" target="_blank">${formatSwhid(sw)}</a>
        </p>`,
        true,
      )
    }
    if (sw.type === 'dir') {
      const entries = await s.directoryLs(sw.id)
      if (!entries) throw new NotFoundError(`Directory ${sw.id} not found`)
      const body = html`<p class="muted">
          <a href="/${formatSwhid(sw)}/" target="_blank">${formatSwhid(sw)}</a>
        </p>
        <table>
          <tbody>
            ${entries.map(
              (e) =>
                html`<tr>
                  <td>${show(e.name)}${e.type === 'dir' ? '/' : ''}</td>
                  <td class="num">${e.type === 'file' ? size(e.length) : ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
      return c.html(page({ title: formatSwhid(sw), body, embed: true }))
    }
    return c.redirect(`/${formatSwhid(sw)}/`, 302)
  }

  return {
    home,
    search,
    originDirectory,
    originContent,
    originLog,
    originBranches: (c: Context) => branchTable(c, 'branches'),
    originReleases: (c: Context) => branchTable(c, 'releases'),
    originVisits,
    directory,
    content,
    contentRaw,
    revision,
    release,
    snapshot,
    resolve,
    badge,
    embed,
  }
}

void percentEncodePath
