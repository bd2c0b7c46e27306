/**
 * What the Add Forge Now tests share: a GitLab-shaped forge server and the
 * field sets written out by hand from Software Heritage's `add_forge_now/api_views.py`.
 */
import { readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'

export type Json = Record<string, unknown>

/** GitLab's `GET /api/v4/projects` (keyset paging by id): projects 1..3, two per page. */
export function gitlab() {
  const asked: string[] = []
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    asked.push(u.pathname + u.search)
    if (u.pathname !== '/api/v4/projects') return void res.writeHead(404).end('{}')
    const after = Number(u.searchParams.get('id_after') ?? 0)
    const ids = [1, 2, 3].filter((id) => id > after).slice(0, 2)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (ids.length === 2 && ids[1]! < 3)
      headers['link'] =
        `<http://${req.headers.host}/api/v4/projects?id_after=${ids[1]}&pagination=keyset>; rel="next"`
    res.writeHead(200, headers).end(
      JSON.stringify(
        ids.map((id) => ({
          id,
          http_url_to_repo: `https://gitlab.afn.example/g/p${id}.git`,
          last_activity_at: '2025-01-02T03:04:05.000Z',
        })),
      ),
    )
  })
  return { server, asked }
}

export const MODERATOR_FIELDS = [
  'forge_contact_comment',
  'forge_contact_email',
  'forge_contact_name',
  'forge_domain',
  'forge_type',
  'forge_url',
  'id',
  'last_moderator',
  'last_modified_date',
  'lister_task_id',
  'status',
  'submission_date',
  'submitter_email',
  'submitter_forward_username',
  'submitter_name',
]
export const PUBLIC_FIELDS = ['forge_type', 'forge_url', 'id', 'status', 'submission_date']
/** The submitter's email: recorded, shown to moderators, never in public answers. */
export const SUBMITTER_EMAIL = 'alice.submitter@people.example.net'

/** Every file under `dir`, at any depth. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}
