/**
 * The Save Code Now page, `/save/`: a form to request the archival of an origin (posted to the
 * same path, counted in the `swh_save_origin_post` rate-limit scope like the API), and the
 * latest requests with their statuses. Rows still moving are refreshed by the page script from
 * `/save/status/?ids=…` (JSON, the API's shape), which also carries the running load's progress.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { InvalidInputError, isArcaError } from '../../errors.js'
import type { SaveRequestInfo } from '../../scheduler/index.js'
import type { WebContext } from '../context.js'
import { baseUrl } from '../http.js'
import { NEVER_CACHE, saveRequestJson, saveService } from '../save-json.js'
import { countPost, failure, formPage, type FormStatus, notice } from './form-page.js'
import { type Fragment, listTable, originLink, when } from './layout.js'
import { q } from './shared.js'

const PAGE_SIZE = 50

/** Whether a request's row may still change (the script polls those). */
export function isLive(info: SaveRequestInfo): boolean {
  return (
    info.request.status === 'pending' ||
    ['not yet scheduled', 'scheduled', 'running'].includes(info.taskStatus)
  )
}

/** A load's progress for people: `fetch · 120/300 objects · 1.2 MB`. */
export function progressText(p: unknown): string {
  if (typeof p !== 'object' || p === null) return ''
  const o = p as Record<string, unknown>
  const parts: string[] = []
  if (typeof o['phase'] === 'string') parts.push(o['phase'])
  if (typeof o['objects'] === 'number')
    parts.push(`${o['objects']}${typeof o['total'] === 'number' ? `/${o['total']}` : ''} objects`)
  if (typeof o['bytes'] === 'number') parts.push(`${o['bytes']} bytes`)
  return parts.join(' · ')
}

function row(info: SaveRequestInfo, highlight: boolean): Fragment {
  const r = info.request
  return html`<tr
    data-save-id="${String(r.id)}"
    ${isLive(info) ? html`data-live="1"` : ''}
    ${highlight ? html`class="highlight"` : ''}
  >
    <td class="num">${String(r.id)}</td>
    <td>${when(new Date(r.requestDate))}</td>
    <td>${r.visitType}</td>
    <td>${originLink(r.originUrl)}</td>
    <td data-field="save_request_status">${r.status}</td>
    <td data-field="save_task_status">${info.taskStatus}</td>
    <td data-field="visit_status">${info.visitStatus ?? ''}</td>
    <td data-field="progress">${progressText(info.progress)}</td>
    <td data-field="note">${r.note}</td>
  </tr>`
}

/** The form of one request. */
function saveForm(
  visitTypes: readonly string[],
  form: { visitType: string; originUrl: string },
): Fragment {
  return html`<form method="post" action="/save/" class="save-form">
      <label for="visit_type">Origin type</label>
      <select id="visit_type" name="visit_type">
        ${visitTypes.map(
          (t) =>
            html`<option value="${t}" ${t === form.visitType ? html`selected` : ''}>${t}</option>`,
        )}
      </select>
      <label for="origin_url">Origin URL</label>
      <input
        id="origin_url"
        name="origin_url"
        type="url"
        required
        size="60"
        value="${form.originUrl}"
        placeholder="https://example.org/project.git"
      />
      <button type="submit">Submit</button>
    </form>
    <p><a href="/save/bulk/">Save a list of URLs</a> (a file, one URL a line).</p>`
}

/** Save Code Now's explanation, on its pages. */
export const SAVE_INTRO = html`Ask this archive to save a software origin now. Requests for URLs
under an authorized prefix are accepted and loaded; others wait for a moderator.`

/** The latest requests (newest first, `before` an id), highlighting `highlight`. */
export async function latestRequests(
  wctx: WebContext,
  c: Context,
  highlight: number,
): Promise<Fragment> {
  const p = q(c)
  const before = p['before'] !== undefined ? Number(p['before']) : undefined
  if (before !== undefined && !(Number.isSafeInteger(before) && before > 0))
    throw new InvalidInputError(`Invalid before "${p['before']}"`)
  const infos = await saveService(wctx).list({ beforeId: before, limit: PAGE_SIZE })
  const last = infos[infos.length - 1]
  return html`<h2>Requests</h2>
    ${
      infos.length === 0
        ? html`<p class="muted">No save requests yet.</p>`
        : listTable(
            [
              { label: 'Id', num: true },
              'Date',
              'Type',
              'Origin',
              'Request',
              'Loading',
              'Visit',
              'Progress',
              'Note',
            ],
            infos.map((i) => row(i, i.request.id === highlight)),
            'Save requests, newest first',
          )
    }
    ${
      infos.length === PAGE_SIZE && last
        ? html`<p><a href="/save/?before=${String(last.request.id)}">Older requests</a></p>`
        : ''
    }`
}

/** Route handlers of the Save Code Now page. */
export function savePages(wctx: WebContext) {
  const render = async (
    c: Context,
    message: Fragment,
    status: FormStatus,
    form: { visitType: string; originUrl: string } = { visitType: 'git', originUrl: '' },
  ): Promise<Response> => {
    const scn = saveService(wctx)
    return formPage(c, status, {
      title: 'Save code now',
      intro: SAVE_INTRO,
      message,
      form: saveForm(scn.visitTypes, form),
      sections: await latestRequests(wctx, c, Number(q(c)['request'] ?? 0)),
    })
  }

  const savePage = (c: Context): Promise<Response> => {
    const id = Number(q(c)['request'] ?? 0)
    return render(
      c,
      id > 0 ? notice(`Request ${String(id)} recorded: see its row below.`) : '',
      200,
    )
  }

  const saveSubmit = async (c: Context): Promise<Response> => {
    const form = await c.req.parseBody()
    const visitType = typeof form['visit_type'] === 'string' ? form['visit_type'] : ''
    const originUrl = typeof form['origin_url'] === 'string' ? form['origin_url'].trim() : ''
    try {
      await countPost(
        wctx,
        c,
        'swh_save_origin_post',
        'Too many save requests from your address: try again later.',
      )
      const info = await saveService(wctx).submit({ visitType, originUrl })
      return c.redirect(`/save/?request=${info.request.id}`, 303)
    } catch (e) {
      const f = failure(e)
      return render(c, f.message, f.status, { visitType, originUrl })
    }
  }

  const saveStatus = async (c: Context): Promise<Response> => {
    const ids = (q(c)['ids'] ?? '')
      .split(',')
      .filter((s) => s !== '')
      .slice(0, 100)
      .map(Number)
    if (ids.some((id) => !Number.isSafeInteger(id) || id < 1))
      throw new InvalidInputError('ids must be a comma list of request ids')
    const scn = saveService(wctx)
    const base = baseUrl(c, wctx.config)
    const out: Record<string, unknown>[] = []
    for (const id of ids) {
      try {
        const info = await scn.get(id)
        out.push({
          ...saveRequestJson(info, base),
          live: isLive(info),
          progress_text: progressText(info.progress),
        })
      } catch (e) {
        if (!isArcaError(e, 'not_found')) throw e
      }
    }
    return c.json(out, 200, { 'Cache-Control': NEVER_CACHE })
  }

  return { savePage, saveSubmit, saveStatus }
}
