/**
 * SourceHut (git.sr.ht or hg.sr.ht, or an instance of them): its GraphQL API (`POST /query`,
 * a personal access token as Bearer) has no listing of a whole instance, so the lister lists
 * one user's repositories: the lister URL is the user's page (`https://git.sr.ht/~user`). It
 * asks `user(username) { repositories(cursor) { results { … } cursor } }`, following the
 * opaque `cursor` until it is null. Each public repository is listed as
 * `https://HOST/~owner/name`, visit type `git` (or `hg` on an hg.sr.ht host), with its
 * `updated` date. GraphQL errors (`{"errors": [...]}`, an answer of HTTP 200) end the run with
 * the forge's message. The cursor is opaque and the listing newest first, so a later run lists
 * again from the start (not incremental).
 *
 * @module
 */

import { CorruptError, InvalidInputError, NotFoundError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { JsonPage } from './http.js'
import type { ListerState } from './interface.js'
import {
  type JsonObject,
  lastUpdate,
  needString,
  PagedJsonLister,
  type PageRequest,
} from './paged.js'

const QUERY = `query repositories($username: String!, $cursor: Cursor) {
  user(username: $username) {
    repositories(cursor: $cursor) {
      cursor
      results { name updated visibility owner { canonicalName } }
    }
  }
}`

interface Answer {
  data?: { user?: { repositories?: { cursor?: unknown; results?: unknown } } | null } | null
  errors?: { message?: unknown }[]
}

/** The lister of one SourceHut user's repositories (`https://git.sr.ht/~user`). */
export class SourceHutLister extends PagedJsonLister {
  readonly type = 'sourcehut'
  protected override readonly incremental = false
  readonly #origin: string
  readonly #username: string
  readonly #visitType: 'git' | 'hg'

  constructor(url: string) {
    super(url)
    let u: URL
    try {
      u = new URL(this.url)
    } catch {
      throw new InvalidInputError(`sourcehut: "${url}" is not a URL`)
    }
    const m = /^\/~([^/]+)$/.exec(u.pathname)
    if (!m)
      throw new InvalidInputError(
        `sourcehut: "${url}" is not a user's page (https://git.sr.ht/~user)`,
      )
    this.#origin = u.origin
    this.#username = decodeURIComponent(m[1]!)
    this.#visitType = u.hostname.startsWith('hg.') ? 'hg' : 'git'
  }

  initialState(): ListerState {
    return { cursor: null }
  }

  protected request(state: ListerState): PageRequest {
    return {
      url: `${this.#origin}/query`,
      post: {
        query: QUERY,
        variables: { username: this.#username, cursor: state['cursor'] ?? null },
      },
    }
  }

  #repositories(res: JsonPage, url: string): { cursor?: unknown; results?: unknown } {
    const a = res.body as Answer | null
    const said = a?.errors?.[0]?.message
    if (Array.isArray(a?.errors) && a.errors.length > 0)
      throw new CorruptError(`${url}: GraphQL error${typeof said === 'string' ? `: ${said}` : ''}`)
    if (a?.data?.user === null) throw new NotFoundError(`${url}: no user "${this.#username}"`)
    const repos = a?.data?.user?.repositories
    if (typeof repos !== 'object' || repos === null)
      throw new CorruptError(`${url}: the answer has no data.user.repositories`)
    return repos
  }

  protected override items(res: JsonPage, url: string): readonly unknown[] {
    const results = this.#repositories(res, url).results
    if (!Array.isArray(results))
      throw new CorruptError(`${url}: the answer has no repositories.results array`)
    return results as unknown[]
  }

  protected origin(r: JsonObject, url: string): ListedOriginInit | null {
    if (r['visibility'] !== 'PUBLIC') return null
    const owner = r['owner'] as JsonObject | null | undefined
    const canonical = owner ? needString(owner, 'canonicalName', url) : `~${this.#username}`
    return {
      url: `${this.#origin}/${canonical}/${needString(r, 'name', url)}`,
      visitType: this.#visitType,
      ...lastUpdate(r['updated']),
    }
  }

  protected next(
    _s: ListerState,
    _items: readonly JsonObject[],
    res: JsonPage,
  ): ListerState | null {
    const cursor = this.#repositories(res, '').cursor
    if (cursor === null || cursor === undefined) return null
    if (typeof cursor !== 'string')
      throw new CorruptError(`${this.url}: a cursor that is not a string`)
    return { cursor }
  }
}
