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

import { ArcaError, InvalidInputError, isArcaError } from '../../errors.js'
import type { SaveRequestInfo } from '../../scheduler/index.js'
import { clientIp } from '../client-ip.js'
import type { WebContext } from '../context.js'
import { baseUrl, errorBody } from '../http.js'
import { NEVER_CACHE, saveRequestJson, saveService } from '../save-json.js'
import { type Fragment, listTable, originLink, page, when } from './layout.js'
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

/** Route handlers of the Save Code Now page. */
export function savePages(wctx: WebContext) {
  const render = async (
    c: Context,
    message: Fragment,
    status: 200 | 400 | 403 | 429 | 503,
    form: { visitType: string; originUrl: string } = { visitType: 'git', originUrl: '' },
  ): Promise<Response> => {
    const scn = saveService(wctx)
    const p = q(c)
    const before = p['before'] !== undefined ? Number(p['before']) : undefined
    if (before !== undefined && !(Number.isSafeInteger(before) && before > 0))
      throw new InvalidInputError(`Invalid before "${p['before']}"`)
    const highlight = Number(p['request'] ?? 0)
    const infos = await scn.list({ beforeId: before, limit: PAGE_SIZE })
    const last = infos[infos.length - 1]
    const body = html`<h1>Save code now</h1>
      <p>
        Ask this archive to save a software origin now. Requests for URLs under an authorized
        prefix are accepted and loaded; others wait for a moderator.
      </p>
      ${message}
      <form method="post" action="/save/" class="save-form">
        <label for="visit_type">Origin type</label>
        <select id="visit_type" name="visit_type">
          ${scn.visitTypes.map(
            (t) =>
              html`<option value="${t}" ${t === form.visitType ? html`selected` : ''}>
                ${t}
              </option>`,
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
      <h2>Requests</h2>
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
    return c.html(page({ title: 'Save code now', body }), status, {
      'Cache-Control': NEVER_CACHE,
    })
  }

  const savePage = (c: Context): Promise<Response> => {
    const id = Number(q(c)['request'] ?? 0)
    return render(
      c,
      id > 0
        ? html`<p class="notice" role="status">Request ${String(id)} recorded: see its row below.</p>`
        : '',
      200,
    )
  }

  const saveSubmit = async (c: Context): Promise<Response> => {
    const form = await c.req.parseBody()
    const visitType = typeof form['visit_type'] === 'string' ? form['visit_type'] : ''
    const originUrl = typeof form['origin_url'] === 'string' ? form['origin_url'].trim() : ''
    try {
      const decision = await wctx.limiter.check('swh_save_origin_post', {
        ip: clientIp(c, wctx.config.trustProxy),
        token: null,
      })
      if (!decision.allowed)
        throw new ArcaError(
          'throttled',
          'Too many save requests from your address: try again later.',
        )
      const info = await saveService(wctx).submit({ visitType, originUrl })
      return c.redirect(`/save/?request=${info.request.id}`, 303)
    } catch (e) {
      if (!isArcaError(e)) throw e
      const { status, body } = errorBody(e)
      return render(
        c,
        html`<p class="error" role="alert">${String(body['reason'])}</p>`,
        status as 400,
        { visitType, originUrl },
      )
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
