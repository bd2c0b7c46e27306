/**
 * The API forges of the lister conformance suite: how each forge's API names a page in a
 * request, what one repository looks like in its answer, how it says where the next page is
 * and how it answers errors, all in the shapes the forges document (GitHub REST, GitLab v4,
 * Gitea/Forgejo v1 swagger, Bitbucket Cloud 2.0, SourceHut GraphQL), written here by hand.
 */
import {
  BitbucketLister,
  ForgejoLister,
  GiteaLister,
  GitHubLister,
  GitLabLister,
  type Lister,
  type ListerState,
  SourceHutLister,
} from '../../src/lister/index.js'

/** An answer of the local server: status, headers, JSON body. */
export interface Answer {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body: unknown
}

export interface Forge {
  readonly name: string
  /** Repositories a page holds (default 100). */
  readonly pageSize?: number
  /** The offset a request asks from (the id after which the page starts). */
  cursor(url: URL, body: string): number
  /** One repository in the API's shape. */
  item(id: number): unknown
  /** The page answer: `items`, and `next`, the offset of the next page (null: last page). */
  answer(base: string, items: unknown[], next: number | null): Answer
  make(base: string): Lister
  /** The origin URL a lister lists for repository `id`. */
  origin(base: string, id: number): string
  /** The saved state of a listing whose next page starts at `offset`. */
  state(offset: number): ListerState
  /** The offset a run after a complete one asks first, the last page starting at `last`. */
  relistFrom(last: number): number
  /** Whether the API says which repositories are forks (multiples of 10 here), and of what. */
  readonly forkedFrom: string | null | undefined
  /** The answer to a rate-limited request. */
  rateLimited(): Answer
  /** The body of an error answer (401, 404, 5xx). */
  error(status: number): unknown
}

const linkNext = (url: string | null): Record<string, string> =>
  url === null
    ? { 'content-type': 'application/json' }
    : { 'content-type': 'application/json', link: `<${url}>; rel="next"` }

const retryAfter = (message: unknown): Answer => ({
  status: 429,
  headers: { 'retry-after': '2' },
  body: message,
})

const T0 = Date.parse('2020-01-01T00:00:00Z')
const bbDate = (id: number): string => new Date(T0 + id * 60_000).toISOString()

const gitea = (name: 'gitea' | 'forgejo'): Forge => ({
  name,
  pageSize: 50,
  cursor: (u) => (Number(u.searchParams.get('page') ?? 1) - 1) * 50,
  item: (id) => ({
    id,
    owner: { id: 1, login: 'o', full_name: '' },
    name: `r${id}`,
    full_name: `o/r${id}`,
    private: false,
    fork: id % 10 === 0,
    parent:
      id % 10 === 0
        ? { id: 1, full_name: 'o/r1', clone_url: `https://${name}.example/o/r1.git` }
        : null,
    mirror: false,
    html_url: `https://${name}.example/o/r${id}`,
    clone_url: `https://${name}.example/o/r${id}.git`,
    ssh_url: `git@${name}.example:o/r${id}.git`,
    created_at: '2023-01-01T00:00:00Z',
    updated_at: '2024-03-01T10:00:00+01:00',
  }),
  answer: (base, items, next) => ({
    headers: {
      ...linkNext(
        next === null
          ? null
          : `${base}/api/v1/repos/search?limit=50&order=asc&page=${next / 50 + 1}&sort=id`,
      ),
      'x-total-count': '0',
    },
    body: { ok: true, data: items },
  }),
  make: (base) => (name === 'gitea' ? new GiteaLister(base) : new ForgejoLister(base)),
  origin: (_b, id) => `https://${name}.example/o/r${id}.git`,
  state: (offset) => ({ page: offset / 50 + 1 }),
  relistFrom: (last) => Math.max(0, last - 50),
  forkedFrom: `https://${name}.example/o/r1.git`,
  rateLimited: () => retryAfter({ message: 'rate limited' }),
  error: (status) =>
    status === 401
      ? { message: 'token is required', url: 'https://gitea.example/api/swagger' }
      : status === 404
        ? { errors: [], message: 'The target couldn\u2019t be found.', url: '' }
        : { message: 'internal error', url: '' },
})

export const forges: Forge[] = [
  {
    name: 'github',
    cursor: (u) => Number(u.searchParams.get('since') ?? 0),
    item: (id) => ({
      id,
      node_id: `R_${id}`,
      name: `r${id}`,
      full_name: `o/r${id}`,
      html_url: `https://github.example/o/r${id}`,
      fork: id % 10 === 0,
      url: `https://api.github.example/repos/o/r${id}`,
    }),
    answer: (base, items, next) => ({
      headers: linkNext(next === null ? null : `${base}/repositories?since=${next}`),
      body: items,
    }),
    make: (base) => new GitHubLister(base),
    origin: (_b, id) => `https://github.example/o/r${id}`,
    state: (offset) => ({ lastSeenId: offset }),
    relistFrom: (last) => last,
    forkedFrom: undefined,
    rateLimited: () => ({
      status: 403,
      headers: {
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3),
      },
      body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com' },
    }),
    error: (status) => ({
      message: status === 401 ? 'Bad credentials' : status === 404 ? 'Not Found' : 'Server Error',
      documentation_url: 'https://docs.github.com/rest',
    }),
  },
  {
    name: 'gitlab',
    cursor: (u) => Number(u.searchParams.get('id_after') ?? 0),
    item: (id) => ({
      id,
      path_with_namespace: `g/p${id}`,
      http_url_to_repo: `https://gitlab.example/g/p${id}.git`,
      web_url: `https://gitlab.example/g/p${id}`,
      last_activity_at: '2024-03-01T10:00:00.000Z',
      ...(id % 10 === 0
        ? { forked_from_project: { id: 1, http_url_to_repo: 'https://gitlab.example/g/p1.git' } }
        : {}),
    }),
    answer: (base, items, next) => ({
      headers: linkNext(
        next === null
          ? null
          : `${base}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&id_after=${next}`,
      ),
      body: items,
    }),
    make: (base) => new GitLabLister(base),
    origin: (_b, id) => `https://gitlab.example/g/p${id}.git`,
    state: (offset) => ({ lastSeenId: offset }),
    relistFrom: (last) => last,
    forkedFrom: 'https://gitlab.example/g/p1.git',
    rateLimited: () => ({
      status: 429,
      headers: { 'retry-after': '2', 'ratelimit-remaining': '0', 'ratelimit-limit': '600' },
      body: { message: 'Retry later' },
    }),
    error: (status) => ({
      message: status === 401 ? '401 Unauthorized' : status === 404 ? '404 Not Found' : '500',
    }),
  },
  gitea('gitea'),
  gitea('forgejo'),
  {
    name: 'bitbucket',
    cursor: (u) => {
      const t = Date.parse(u.searchParams.get('after') ?? '')
      return Number.isNaN(t) || t < T0 ? 0 : (t - T0) / 60_000
    },
    item: (id) => ({
      type: 'repository',
      full_name: `ws/r${id}`,
      scm: id % 7 === 0 ? 'hg' : 'git',
      is_private: false,
      created_on: bbDate(id),
      updated_on: '2024-03-01T10:00:00.123456+00:00',
      links: {
        clone: [
          {
            name: 'https',
            href: `https://someone@bitbucket.example/ws/r${id}${id % 7 === 0 ? '' : '.git'}`,
          },
          { name: 'ssh', href: `git@bitbucket.example:ws/r${id}.git` },
        ],
      },
      ...(id % 10 === 0
        ? {
            parent: {
              type: 'repository',
              full_name: 'ws/r1',
              links: { html: { href: 'https://bitbucket.example/ws/r1' } },
            },
          }
        : {}),
    }),
    answer: (base, items, next) => ({
      headers: { 'content-type': 'application/json' },
      body: {
        pagelen: 100,
        values: items,
        ...(next === null
          ? {}
          : {
              next: `${base}/2.0/repositories?pagelen=100&after=${encodeURIComponent(bbDate(next))}`,
            }),
      },
    }),
    make: (base) => new BitbucketLister(base),
    origin: (_b, id) => `https://bitbucket.example/ws/r${id}${id % 7 === 0 ? '' : '.git'}`,
    state: (offset) => ({ after: bbDate(offset) }),
    relistFrom: (last) => last,
    // the parent's page URL, with .git as the fork (r10, git) is a git repository
    forkedFrom: 'https://bitbucket.example/ws/r1.git',
    rateLimited: () =>
      retryAfter({
        type: 'error',
        error: { message: 'Rate limit for this resource has been exceeded' },
      }),
    error: (status) => ({
      type: 'error',
      error: {
        message:
          status === 401
            ? 'Access denied. You must have write or admin access.'
            : status === 404
              ? 'Resource not found'
              : 'Something went wrong',
      },
    }),
  },
  {
    name: 'sourcehut',
    cursor: (_u, body) => {
      const c = (JSON.parse(body) as { variables?: { cursor?: string | null } }).variables?.cursor
      return typeof c === 'string' ? Number(c.slice(1)) : 0
    },
    item: (id) => ({
      name: `r${id}`,
      updated: '2024-03-01T10:00:00Z',
      visibility: 'PUBLIC',
      owner: { canonicalName: '~u' },
    }),
    answer: (_base, items, next) => ({
      headers: { 'content-type': 'application/json' },
      body: {
        data: {
          user: { repositories: { cursor: next === null ? null : `c${next}`, results: items } },
        },
      },
    }),
    make: (base) => new SourceHutLister(`${base}/~u`),
    origin: (base, id) => `${base}/~u/r${id}`,
    state: (offset) => ({ cursor: `c${offset}` }),
    relistFrom: () => 0,
    forkedFrom: null,
    rateLimited: () => retryAfter({ errors: [{ message: 'rate limited' }] }),
    error: (status) => ({
      errors: [
        {
          message:
            status === 401
              ? 'Authorization header is required. Expected \u2018Authorization: Bearer <token>\u2019'
              : status === 404
                ? 'Not Found'
                : 'internal server error',
        },
      ],
    }),
  },
]
