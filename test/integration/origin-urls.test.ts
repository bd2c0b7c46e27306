/**
 * Origin URLs as `arca save` records them, against real git servers: credentials in a URL are
 * used for the fetch only and appear nowhere (CLI output, SQLite file, journal files, Web API,
 * visit statuses), and the spellings of one local path are one origin.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { freePort, type GitServer, startHttpBackend } from '../helpers/git-servers.js'
import { makeHistoryRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const USER = 'arca-user'
const SECRET = 'Tok3n-s3cr3t-xyzzy'
const WRONG = 'Wr0ng-pa55-plugh'

let root: string
let server: GitServer

beforeAll(async () => {
  root = makeTemp('arca-origin-urls-')
  makeHistoryRepo(root, 5, 2, 'private.git')
  server = await startHttpBackend(root, {
    requireAuthPrefix: 'private',
    basicAuth: `${USER}:${SECRET}`,
  })
}, 60_000)

afterAll(async () => {
  await server?.stop()
  removeTemp(root)
})

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

/** Files under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const n = Buffer.from(needle)
  return filesUnder(dir)
    .filter((f) => readFileSync(f).includes(n))
    .map((f) => relative(dir, f))
}

describe('credentials in a repository URL', () => {
  it('are used for the fetch, then appear nowhere: output, graph, journal, API, statuses', async () => {
    const data = makeTemp('arca-data-')
    try {
      const host = new URL(server.url).host
      const origin = `http://${host}/private.git`
      const withCreds = `http://${USER}:${SECRET}@${host}/private.git`

      const plain = arca(['save', '--data', data, withCreds])
      expect(plain.status, plain.stderr).toBe(0)
      expect(plain.stdout).toContain(`origin: ${origin}\n`)
      expect(plain.stdout).toContain('status: full')
      const json = arca(['save', '--json', '--data', data, withCreds])
      expect(json.status, json.stderr).toBe(0)
      expect(JSON.parse(json.stdout)).toMatchObject({ origin, status: 'full', visit: 2 })

      // A wrong password and an unreachable server: both fail, neither shows the password.
      const wrong = arca([
        'save',
        '--json',
        '--data',
        data,
        `http://${USER}:${WRONG}@${host}/private.git`,
      ])
      expect(wrong.status).toBe(2)
      expect(JSON.parse(wrong.stdout)).toMatchObject({ origin, status: 'not_found' })
      expect(JSON.parse(wrong.stdout).message).toMatch(/authentication/)
      const port = await freePort()
      const closed = arca([
        'save',
        '--data',
        data,
        `http://${USER}:${WRONG}@127.0.0.1:${port}/x.git`,
      ])
      expect(closed.status).toBe(2)
      expect(closed.stdout).toContain(`origin: http://127.0.0.1:${port}/x.git\n`)
      expect(closed.stdout).toMatch(/status: (failed|not_found)/)

      for (const r of [plain, json, wrong, closed]) {
        for (const secret of [SECRET, WRONG]) {
          expect(r.stdout).not.toContain(secret)
          expect(r.stderr).not.toContain(secret)
        }
      }
      expect(filesUnder(join(data, 'journal')).length).toBeGreaterThan(0)
      for (const secret of [SECRET, WRONG, `${USER}:`, `${USER}@`]) {
        expect(filesContaining(data, secret), secret).toEqual([])
      }

      const archive = await openArchive({ dataDir: data })
      try {
        const app = createApp(webContext(archive, {}, { exemptNetworks: [] }))
        const get = async (path: string): Promise<string> => {
          const res = await app.request(`http://arca.test${path}`)
          expect(res.status, path).toBe(200)
          return await res.text()
        }
        const origins = await get('/api/1/origins/')
        expect(JSON.parse(origins).map((o: { url: string }) => o.url)).toEqual(
          expect.arrayContaining([origin, `http://127.0.0.1:${port}/x.git`]),
        )
        const visits = await get(`/api/1/origin/${origin}/visits/`)
        expect(
          JSON.parse(visits)
            .map((v: { status: string }) => v.status)
            .sort(),
        ).toEqual(['full', 'full', 'not_found'])
        const statuses = await archive.storage.originVisitStatusGet(origin, 3, { limit: 100 })
        const last = statuses.results.at(-1)!
        expect(last.status).toBe('not_found')
        const shown = [origins, visits, JSON.stringify(statuses.results)].join('\n')
        for (const secret of [SECRET, WRONG, `${USER}:`]) expect(shown).not.toContain(secret)
      } finally {
        await archive.close()
      }
    } finally {
      removeTemp(data)
    }
  })
})

describe('credentials with a protocol v0 server (the git binary fetches)', () => {
  it('are passed to git outside its command line and appear nowhere', async () => {
    const v0 = await startHttpBackend(root, {
      requireAuthPrefix: 'private',
      basicAuth: `${USER}:${SECRET}`,
      v0Only: true,
    })
    const data = makeTemp('arca-data-')
    try {
      const host = new URL(v0.url).host
      const ok = arca([
        'save',
        '--json',
        '--data',
        data,
        `http://${USER}:${SECRET}@${host}/private.git`,
      ])
      expect(ok.status, ok.stderr).toBe(0)
      expect(JSON.parse(ok.stdout)).toMatchObject({
        origin: `http://${host}/private.git`,
        status: 'full',
      })
      const wrong = arca([
        'save',
        '--json',
        '--data',
        data,
        `http://${USER}:${WRONG}@${host}/private.git`,
      ])
      expect(JSON.parse(wrong.stdout).status).toMatch(/not_found|failed/)
      for (const r of [ok, wrong])
        for (const secret of [SECRET, WRONG]) expect(r.stdout + r.stderr).not.toContain(secret)
      for (const secret of [SECRET, WRONG, `${USER}:`])
        expect(filesContaining(data, secret), secret).toEqual([])
    } finally {
      await v0.stop()
      removeTemp(data)
    }
  })
})

describe('local paths', () => {
  it('every spelling of one path is one file:// origin, with a visit each', () => {
    const data = makeTemp('arca-data-')
    try {
      const repo = makeHistoryRepo(root, 3, 1, 'local repo.git')
      const forms = [
        repo,
        `${repo}/`,
        relative(root, repo),
        `./${relative(root, repo)}/../${relative(root, repo)}/`,
      ]
      // A space in the name: the origin is percent-encoded as a WHATWG file URL.
      const origin = pathToFileURL(repo).href
      expect(origin).toMatch(/^file:\/\/\/.*\/local%20repo\.git$/)
      for (const [i, form] of forms.entries()) {
        const r = arca(['save', '--json', '--data', data, form], { cwd: root })
        expect(r.status, r.stderr).toBe(0)
        expect(JSON.parse(r.stdout)).toMatchObject({ origin, visit: i + 1, status: 'full' })
      }
      // Listing the visits works with any spelling too.
      const visits = arca(['visits', '--data', data, `${relative(root, repo)}/`], { cwd: root })
      expect(visits.status, visits.stderr).toBe(0)
      expect(visits.stdout.trim().split('\n')).toHaveLength(forms.length)
      const origins = arca(['visits', '--data', data, origin])
      expect(origins.stdout).toBe(visits.stdout)
    } finally {
      removeTemp(data)
    }
  })
})
