// A GitLab-shaped paged server for bench:list, in its own process: GET /api/v4/projects with
// keyset paging (id_after, per_page), TOTAL projects, the next page named by a Link header.
// Prints its port on stdout.
import { createServer } from 'node:http'

const TOTAL = Number(process.argv[2] ?? 100_000)
const server = createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://x')
  const after = Number(u.searchParams.get('id_after') ?? 0)
  const per = Math.min(100, Number(u.searchParams.get('per_page') ?? 20))
  const items = []
  for (let id = after + 1; id <= TOTAL && items.length < per; id++)
    items.push({
      id,
      path_with_namespace: `group${id % 97}/project-${id}`,
      http_url_to_repo: `https://gitlab.example.org/group${id % 97}/project-${id}.git`,
      web_url: `https://gitlab.example.org/group${id % 97}/project-${id}`,
      last_activity_at: new Date(1_700_000_000_000 + id * 1000).toISOString(),
      ...(id % 10 === 0
        ? {
            forked_from_project: { id: 1, http_url_to_repo: 'https://gitlab.example.org/g/p1.git' },
          }
        : {}),
    })
  const headers = { 'content-type': 'application/json' }
  const last = items.at(-1)?.id
  if (last !== undefined && last < TOTAL)
    headers.link = `<http://${req.headers.host}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=${per}&id_after=${last}>; rel="next"`
  res.writeHead(200, headers).end(JSON.stringify(items))
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
