/**
 * The bulk save page, `/save/bulk/`: Save Code Now's page frame with a form to upload a list
 * of origin URLs (a text file of `URL [VISIT_TYPE]` lines, or a JSON array), each made a save
 * request as `/save/` makes one (`../save-bulk.ts`), and the outcome of each in a table:
 * accepted (linking to its request) or rejected with the reason. The upload counts in the
 * `swh_save_origin` rate-limit scope, each URL in `swh_save_origin_post`, as the API's.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { InvalidInputError } from '../../errors.js'
import { clientIp } from '../client-ip.js'
import type { WebContext } from '../context.js'
import { BULK_MAX_URLS, type BulkOutcome, bulkSave, parseBulk } from '../save-bulk.js'
import { saveService } from '../save-json.js'
import { countPost, failure, formPage, type FormStatus, notice } from './form-page.js'
import { type Fragment, listTable, originLink } from './layout.js'
import { latestRequests, SAVE_INTRO } from './save.js'

/** The upload form; `visitType` is the default type chosen ('' to detect). */
function uploadForm(visitTypes: readonly string[], visitType: string): Fragment {
  return html`<form
      method="post"
      action="/save/bulk/"
      enctype="multipart/form-data"
      class="save-form"
    >
      <label for="list">List of origin URLs</label>
      <input id="list" name="list" type="file" required accept=".txt,.json,text/plain,application/json" />
      <label for="visit_type">Origin type of lines that give none</label>
      <select id="visit_type" name="visit_type">
        <option value="" ${visitType === '' ? html`selected` : ''}>detect</option>
        ${visitTypes.map(
          (t) => html`<option value="${t}" ${t === visitType ? html`selected` : ''}>${t}</option>`,
        )}
      </select>
      <button type="submit">Upload</button>
    </form>
    <p class="muted">
      One <code>URL [ORIGIN_TYPE]</code> a line (blank lines and <code>#</code> comments skipped),
      or a JSON array; at most ${String(BULK_MAX_URLS)} URLs. <a href="/save/">Save one URL</a>.
    </p>`
}

function outcomeRow(o: BulkOutcome): Fragment {
  const id = o.request?.request.id
  return html`<tr data-line="${String(o.line)}" data-status="${o.status}">
    <td class="num">${String(o.line)}</td>
    <td>${o.originUrl === null ? '' : originLink(o.originUrl)}</td>
    <td>${o.visitType ?? ''}</td>
    <td data-field="status">${o.status}</td>
    <td data-field="detail">
      ${
        id !== undefined
          ? html`<a href="/save/?request=${String(id)}">request ${String(id)}</a>
              (${o.request!.request.status})`
          : (o.reason ?? '')
      }
    </td>
  </tr>`
}

/** Route handlers of the bulk save page. */
export function saveBulkPages(wctx: WebContext) {
  const render = async (
    c: Context,
    status: FormStatus,
    message: Fragment,
    results: Fragment = '',
    visitType = '',
  ): Promise<Response> =>
    formPage(c, status, {
      title: 'Save code now',
      intro: SAVE_INTRO,
      message,
      form: uploadForm(saveService(wctx).visitTypes, visitType),
      sections: html`${results} ${await latestRequests(wctx, c, 0)}`,
    })

  const saveBulkPage = (c: Context): Promise<Response> => render(c, 200, '')

  const saveBulkSubmit = async (c: Context): Promise<Response> => {
    const form = await c.req.parseBody()
    const visitType = typeof form['visit_type'] === 'string' ? form['visit_type'] : ''
    try {
      const scn = saveService(wctx)
      await countPost(
        wctx,
        c,
        'swh_save_origin',
        'Too many save requests from your address: try again later.',
      )
      const file = form['list']
      if (!(file instanceof File)) throw new InvalidInputError('list: choose a file to upload')
      const entries = parseBulk(new Uint8Array(await file.arrayBuffer()), file.type)
      const r = await bulkSave(
        {
          scn,
          limiter: wctx.limiter,
          caller: { ip: clientIp(c, wctx.config.trustProxy), token: null },
          requester: 'anonymous',
          defaultType: visitType === '' ? undefined : visitType,
          detect: wctx.detectVisitType,
        },
        entries,
      )
      const accepted = r.outcomes.filter((o) => o.status === 'accepted').length
      const table = html`<h2>Uploaded list</h2>
        ${listTable(
          [{ label: 'Line', num: true }, 'Origin', 'Type', 'Outcome', 'Request or reason'],
          r.outcomes.map(outcomeRow),
          'The outcome of each URL of the list',
        )}`
      return await render(
        c,
        200,
        notice(
          `${accepted} URL(s) accepted, ${r.outcomes.length - accepted} rejected: see the list below.`,
        ),
        table,
        visitType,
      )
    } catch (e) {
      const f = failure(e)
      return render(c, f.status, f.message, '', visitType)
    }
  }

  return { saveBulkPage, saveBulkSubmit }
}
