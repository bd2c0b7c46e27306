/**
 * The frame of the pages that take a request through a form (Save Code Now's `/save/` and
 * `/save/bulk/`, Add Forge Now's `/add-forge/`): a heading and its explanation, the outcome of
 * the last post (a notice or an error), the form, then the page's own sections; never cached.
 * Posts are counted in the API's rate-limit scope of the same action, and an error of the
 * archive is shown on the page again with its HTTP status.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { ArcaError, isArcaError } from '../../errors.js'
import { clientIp } from '../client-ip.js'
import type { WebContext } from '../context.js'
import { errorBody } from '../http.js'
import { NEVER_CACHE } from '../save-json.js'
import { type Fragment, page } from './layout.js'

/** The statuses a form page answers with. */
export type FormStatus = 200 | 400 | 403 | 409 | 413 | 429 | 503

/** What a form page shows. */
export interface FormPageInit {
  readonly title: string
  /** What the page is for (a paragraph). */
  readonly intro: Fragment
  /** The outcome of the last post ({@link notice} or {@link failure}), or nothing. */
  readonly message: Fragment
  readonly form: Fragment
  /** What follows the form (the requests made). */
  readonly sections: Fragment
}

/** A form page as the answer, with `status`. */
export function formPage(
  c: Context,
  status: FormStatus,
  p: FormPageInit,
): Response | Promise<Response> {
  const body = html`<h1>${p.title}</h1>
    <p>${p.intro}</p>
    ${p.message} ${p.form} ${p.sections}`
  return c.html(page({ title: p.title, body }), status, { 'Cache-Control': NEVER_CACHE })
}

/** A post that went through. */
export const notice = (text: Fragment | string): Fragment =>
  html`<p class="notice" role="status">${text}</p>`

/** A post refused, and the status to answer it with. */
export interface Failure {
  readonly status: FormStatus
  readonly message: Fragment
}

/** The failure of an error of the archive (others are thrown again: a 500). */
export function failure(e: unknown): Failure {
  if (!isArcaError(e)) throw e
  const { status, body } = errorBody(e)
  return {
    status: (isArcaError(e, 'conflict') ? 409 : status) as FormStatus,
    message: html`<p class="error" role="alert">${String(body['reason'])}</p>`,
  }
}

/** Counts a post of the page in `scope` for the caller's address; throws when throttled. */
export async function countPost(
  wctx: WebContext,
  c: Context,
  scope: string,
  refusal: string,
): Promise<void> {
  const decision = await wctx.limiter.check(scope, {
    ip: clientIp(c, wctx.config.trustProxy),
    token: null,
  })
  if (!decision.allowed) throw new ArcaError('throttled', refusal)
}
