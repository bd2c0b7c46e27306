/**
 * PyPI (or any index serving the JSON simple API of PEP 691): `GET <url>/simple/` with
 * `Accept: application/vnd.pypi.simple.v1+json` answers
 * `{meta: {api-version, _last-serial}, projects: [{name, _last-serial}]}` — every project in
 * one page. Each is listed as `https://pypi.org/project/<name>/` (the index's own host for
 * another index) with visit type `pypi`, as Software Heritage lists them. Incremental: a later
 * run lists only the projects whose `_last-serial` is above the index's serial of the last
 * complete run (PyPI's serials grow with every change); an index without serials is listed
 * whole each time.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** The media type of the JSON simple API, version 1 (PEP 691). */
export const PYPI_SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json'

/** The lister of a Python package index (its base URL, e.g. `https://pypi.org`). */
export class PyPILister implements Lister {
  readonly type = 'pypi'
  readonly url: string

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '').replace(/\/simple$/, '')
  }

  /** The origin of project `name`. */
  origin(name: string): string {
    const host = new URL(this.url).host
    return host === 'pypi.org'
      ? `https://pypi.org/project/${name}/`
      : `${this.url}/project/${name}/`
  }

  initialState(): ListerState {
    return { sinceSerial: null }
  }

  resumeAfterComplete(done: ListerState): ListerState {
    // `done` is the closing state, which holds the serial the index had
    return { sinceSerial: done['serial'] ?? null }
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    // the index is one page; a second, empty one closes the run with the serial seen, so
    // that the complete state says where the next run lists from
    if (state['done'] === 1) return { origins: [], next: null }
    const url = `${this.url}/simple/`
    const res = await http.getJson(url, { accept: PYPI_SIMPLE_JSON })
    const body = res.body as {
      meta?: { 'api-version'?: unknown; '_last-serial'?: unknown }
      projects?: unknown
    } | null
    if (typeof body?.meta?.['api-version'] !== 'string' || !Array.isArray(body.projects))
      throw new CorruptError(`${url}: not a JSON simple index (meta.api-version, projects)`)
    const since = typeof state['sinceSerial'] === 'number' ? state['sinceSerial'] : null
    const origins: ListedOriginInit[] = []
    for (const p of body.projects as unknown[]) {
      const project = p as { name?: unknown; '_last-serial'?: unknown }
      if (typeof project.name !== 'string' || project.name === '')
        throw new CorruptError(`${url}: a project without a name`)
      const serial = project['_last-serial']
      if (since !== null && typeof serial === 'number' && serial <= since) continue
      origins.push({ url: this.origin(project.name), visitType: 'pypi' })
    }
    const serial = body.meta['_last-serial']
    return { origins, next: { done: 1, serial: typeof serial === 'number' ? serial : null } }
  }
}
