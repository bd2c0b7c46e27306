/**
 * The frame every paged JSON lister shares: build the request a state names, fetch it through
 * the polite client, take the repositories out of the answer (checking they are objects), turn
 * each into a listed origin, and compute the state after the page. A forge's lister says only
 * what differs: its request, where the repositories are in the answer, one repository's
 * origin, and how the next page is named. {@link IdKeysetLister} adds the "after the last id
 * seen" paging GitHub and GitLab share; {@link PageNumberLister} the `page=N` paging of Gitea
 * and Forgejo. The field readers at the end name what is wrong in a malformed answer.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import { utf8 } from '../model/index.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { ForgeMetadata } from './forge-metadata.js'
import { type JsonPage, type ListerHttp, nextLink } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** A JSON object of an answer. */
export type JsonObject = Readonly<Record<string, unknown>>

/** The request one page is fetched with: a GET, or a POST of a JSON body (GraphQL). */
export interface PageRequest {
  readonly url: string
  readonly post?: unknown
}

/** A paged JSON listing; subclasses give the forge's request and answer shapes. */
export abstract class PagedJsonLister implements Lister {
  abstract readonly type: string
  readonly url: string
  /** The format name of the forge's repository JSON, recorded with it as metadata. */
  protected readonly metadataFormat: string = 'application/json'
  /** Whether a listing after a complete one starts where that one ended (default yes). */
  protected readonly incremental: boolean = true

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '')
  }

  abstract initialState(): ListerState

  resumeAfterComplete(done: ListerState): ListerState {
    return this.incremental ? done : this.initialState()
  }

  /** The request of the page `state` names. */
  protected abstract request(state: ListerState): PageRequest

  /** The repositories of an answer (default: the answer is a JSON array of them). */
  protected items(res: JsonPage, url: string): readonly unknown[] {
    if (!Array.isArray(res.body)) throw new CorruptError(`${url}: the answer is not a JSON array`)
    return res.body as unknown[]
  }

  /**
   * One repository's origin (throwing CorruptError when a documented field is missing), or
   * null for one not to archive (private).
   */
  protected abstract origin(item: JsonObject, url: string): ListedOriginInit | null

  /** The state after the page (null: the listing is complete). */
  protected abstract next(
    state: ListerState,
    items: readonly JsonObject[],
    res: JsonPage,
  ): ListerState | null

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const req = this.request(state)
    const res =
      req.post === undefined ? await http.getJson(req.url) : await http.postJson(req.url, req.post)
    const items: JsonObject[] = []
    for (const item of this.items(res, req.url)) {
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        throw new CorruptError(`${req.url}: a repository that is not a JSON object`)
      items.push(item as JsonObject)
    }
    const origins: ListedOriginInit[] = []
    const metadata: ForgeMetadata[] = []
    for (const i of items) {
      const o = this.origin(i, req.url)
      if (o === null) continue
      origins.push(o)
      metadata.push({ url: o.url, metadata: utf8(JSON.stringify(i)), format: this.metadataFormat })
    }
    return { origins, next: this.next(state, items, res), metadata }
  }
}

/**
 * Keyset paging on a numeric id: each page asks for the repositories after the last id seen
 * (state `lastSeenId`), ordered by id, the end told by the absence of a `Link` rel="next" (or
 * an empty page). Incremental: a later run asks from the last id seen.
 */
export abstract class IdKeysetLister extends PagedJsonLister {
  /** The field holding the repository's id. */
  protected readonly idField: string = 'id'

  initialState(): ListerState {
    return { lastSeenId: 0 }
  }

  /** The URL of the page after id `after`. */
  protected abstract pageUrl(after: number): string

  protected request(state: ListerState): PageRequest {
    return { url: this.pageUrl(Number(state['lastSeenId'] ?? 0)) }
  }

  protected next(
    state: ListerState,
    items: readonly JsonObject[],
    res: JsonPage,
  ): ListerState | null {
    let last = Number(state['lastSeenId'] ?? 0)
    for (const i of items) last = Math.max(last, i[this.idField] as number)
    const more = items.length > 0 && nextLink(res.header('link')) !== null
    return more ? { lastSeenId: last } : null
  }

  protected override items(res: JsonPage, url: string): readonly unknown[] {
    const items = super.items(res, url)
    for (const i of items)
      if (typeof (i as JsonObject | null)?.[this.idField] !== 'number')
        throw new CorruptError(`${url}: a repository without a numeric ${this.idField}`)
    return items
  }
}

/**
 * Page-number paging (`page=N`, from 1), the end told by the absence of a `Link` rel="next"
 * (or an empty page). The listing must be ordered by creation (id) for a later run to start
 * near its end: it starts one page before the last one, so that up to a page of repositories
 * deleted meanwhile does not shift a new one past it.
 */
export abstract class PageNumberLister extends PagedJsonLister {
  initialState(): ListerState {
    return { page: 1 }
  }

  override resumeAfterComplete(done: ListerState): ListerState {
    if (!this.incremental) return this.initialState()
    return { page: Math.max(1, Number(done['page'] ?? 1) - 1) }
  }

  /** The URL of page `page`. */
  protected abstract pageUrl(page: number): string

  protected request(state: ListerState): PageRequest {
    return { url: this.pageUrl(Number(state['page'] ?? 1)) }
  }

  protected next(
    state: ListerState,
    items: readonly JsonObject[],
    res: JsonPage,
  ): ListerState | null {
    const more = items.length > 0 && nextLink(res.header('link')) !== null
    return more ? { page: Number(state['page'] ?? 1) + 1 } : null
  }
}

/** `item[key]` as a string, or a CorruptError naming it. */
export function needString(item: JsonObject, key: string, url: string): string {
  const v = item[key]
  if (typeof v !== 'string' || v === '')
    throw new CorruptError(`${url}: a repository without a string "${key}"`)
  return v
}

/** An HTTP(S) URL of the answer without its userinfo (`https://user@host/…` → `https://host/…`). */
export function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.href
  } catch {
    return url
  }
}

/** An ISO 8601 date of the answer as ms since the epoch, or undefined (absent or unreadable). */
export function dateMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const t = Date.parse(value)
  return Number.isNaN(t) ? undefined : t
}

/** `{ lastUpdate }` when the date reads, else nothing (to spread into an origin). */
export function lastUpdate(value: unknown): { lastUpdate?: number } {
  const t = dateMs(value)
  return t === undefined ? {} : { lastUpdate: t }
}

/** The fork fields of an origin: `forkedFromUrl` implies `isFork`. */
export function forkFields(
  isFork: unknown,
  parentUrl: unknown,
): { isFork?: boolean; forkedFromUrl?: string } {
  if (typeof parentUrl === 'string' && parentUrl !== '')
    return { isFork: true, forkedFromUrl: parentUrl }
  return typeof isFork === 'boolean' ? { isFork } : {}
}
