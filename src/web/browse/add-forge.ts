/**
 * The Add Forge Now page, `/add-forge/`: the requests made (public fields: id, date, forge
 * type and URL, status; newest first, 50 a screen) and a form to make one. Making a request
 * needs an API token (as the API's `create/` needs an authenticated caller): the form takes it
 * in a password field, checks it and never echoes it, and the submitter's email, which only
 * moderators see (the requests' table here shows the public fields). Posts count in the
 * `swh_add_forge_now_post` rate-limit scope, as the API's.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { ForbiddenError, InvalidInputError } from '../../errors.js'
import { addForgeService } from '../add-forge-json.js'
import type { WebContext } from '../context.js'
import { countPost, failure, formPage, type FormStatus, notice } from './form-page.js'
import { type Fragment, listTable, when } from './layout.js'
import { q } from './shared.js'

const PAGE_SIZE = 50

interface FormValues {
  forge_type: string
  forge_url: string
  forge_contact_email: string
  forge_contact_name: string
  forge_contact_comment: string
  submitter_email: string
}

const EMPTY: FormValues = {
  forge_type: 'gitlab',
  forge_url: '',
  forge_contact_email: '',
  forge_contact_name: '',
  forge_contact_comment: '',
  submitter_email: '',
}

/** Route handlers of the Add Forge Now page. */
export function addForgePages(wctx: WebContext) {
  const render = async (
    c: Context,
    message: Fragment,
    status: FormStatus,
    form: FormValues = EMPTY,
  ): Promise<Response> => {
    const afn = addForgeService(wctx)
    const p = q(c)
    const pageNo = p['page'] !== undefined ? Number(p['page']) : 1
    if (!(Number.isSafeInteger(pageNo) && pageNo > 0))
      throw new InvalidInputError(`Invalid page "${p['page']}"`)
    const highlight = Number(p['request'] ?? 0)
    const { requests, total } = await afn.store.list({
      offset: (pageNo - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    })
    const field = (name: keyof FormValues, label: string, type: string, required: boolean) =>
      html`<label for="${name}">${label}</label>
        <input
          id="${name}"
          name="${name}"
          type="${type}"
          ${required ? html`required` : ''}
          size="60"
          value="${form[name]}"
        />`
    return formPage(c, status, {
      title: 'Add forge now',
      intro: html`Ask this archive to list a whole forge and archive every repository on it, kept
      fresh afterwards. A moderator checks each request with the forge's administrator.`,
      message,
      form: html`<form method="post" action="/add-forge/" class="save-form">
        <label for="forge_type">Forge type</label>
        <select id="forge_type" name="forge_type">
          ${afn.listerTypes.map(
            (t) =>
              html`<option value="${t}" ${t === form.forge_type ? html`selected` : ''}>
                ${t}
              </option>`,
          )}
        </select>
        ${field('forge_url', 'Forge URL', 'url', true)}
        ${field('forge_contact_name', 'Forge administrator name', 'text', true)}
        ${field('forge_contact_email', 'Forge administrator email', 'email', true)}
        ${field('forge_contact_comment', 'Where the contact was found', 'text', false)}
        ${field('submitter_email', 'Your email (seen by moderators only)', 'email', true)}
        <label for="token">Your API token</label>
        <input id="token" name="token" type="password" required size="60" autocomplete="off" />
        <button type="submit">Submit</button>
      </form>`,
      sections: html`<h2>Requests</h2>
      ${
        requests.length === 0
          ? html`<p class="muted">No add-forge requests yet.</p>`
          : listTable(
              [{ label: 'Id', num: true }, 'Date', 'Type', 'Forge', 'Status'],
              requests.map(
                (r) =>
                  html`<tr
                    data-forge-id="${String(r.id)}"
                    ${r.id === highlight ? html`class="highlight"` : ''}
                  >
                    <td class="num">${String(r.id)}</td>
                    <td>${when(new Date(r.submissionDate))}</td>
                    <td>${r.forgeType}</td>
                    <td>${r.forgeUrl}</td>
                    <td data-field="status">${r.status}</td>
                  </tr>`,
              ),
              'Add-forge requests, newest first',
            )
      }
      ${
        pageNo * PAGE_SIZE < total
          ? html`<p><a href="/add-forge/?page=${String(pageNo + 1)}">Older requests</a></p>`
          : ''
      }`,
    })
  }

  const addForgePage = (c: Context): Promise<Response> => {
    const id = Number(q(c)['request'] ?? 0)
    return render(
      c,
      id > 0 ? notice(`Request ${String(id)} recorded: see its row below.`) : '',
      200,
    )
  }

  const addForgeSubmit = async (c: Context): Promise<Response> => {
    const raw = await c.req.parseBody()
    const text = (name: string): string => (typeof raw[name] === 'string' ? raw[name].trim() : '')
    const form: FormValues = {
      forge_type: text('forge_type'),
      forge_url: text('forge_url'),
      forge_contact_email: text('forge_contact_email'),
      forge_contact_name: text('forge_contact_name'),
      forge_contact_comment: text('forge_contact_comment'),
      submitter_email: text('submitter_email'),
    }
    try {
      await countPost(
        wctx,
        c,
        'swh_add_forge_now_post',
        'Too many requests from your address: try again later.',
      )
      const secret = text('token')
      const token = secret === '' ? null : await wctx.tokens.verify(secret)
      if (!token || !token.scopes.includes('api'))
        throw new ForbiddenError(
          'You must be authenticated to create a new add-forge request: give a valid API token',
        )
      for (const [name, value] of Object.entries(form))
        if (value === '' && name !== 'forge_contact_comment')
          throw new InvalidInputError(`${name}: this field is required`)
      const r = await addForgeService(wctx).create({
        forgeType: form.forge_type,
        forgeUrl: form.forge_url,
        forgeContactEmail: form.forge_contact_email,
        forgeContactName: form.forge_contact_name,
        forgeContactComment: form.forge_contact_comment,
        submitterName: token.name,
        submitterEmail: form.submitter_email,
      })
      return c.redirect(`/add-forge/?request=${r.id}`, 303)
    } catch (e) {
      const f = failure(e)
      return render(c, f.message, f.status, form)
    }
  }

  return { addForgePage, addForgeSubmit }
}
