/**
 * Dates and names git accepts but that do not fit, as Software Heritage shows them. Real git
 * objects written with `git hash-object --literally` (odd offsets: -0000, 24 hours or more, a
 * CR after the offset; odd timestamps: `+ts`, a double space, a fraction, year 10000) and a
 * tree holding a file and a sub-directory of the same name are loaded by the git loader; the
 * Web API then answers as swh-model's rules give, worked by hand:
 *
 * - offsets are read as `[+-]HHMM`; an offset of 24 hours or more is shown in UTC (Python's
 *   fixed offsets, as RFC 3339's, are under a day); `-0000` is shown `+00:00`;
 * - a person line git reads but swh's model cannot is read as dulwich reads it (`+1700000000`,
 *   a leading space), a fraction or a year past 9999 cannot be shown (`null`);
 * - every such case is named in `date_warnings`;
 * - of a file and a directory named alike, the directory keeps the name and the file is
 *   renamed `<name>_<first 10 hex digits of its id>` (swh-model's
 *   `Directory.from_possibly_duplicated_entries`).
 *
 * 1700000000 is 2023-11-14T22:13:20Z.
 */
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { git, writeLiteral } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'

/** [committer date text as written, committer_date shown, warning pattern or null]. */
const CASES: [string, string | null, RegExp | null][] = [
  ['1700000000 +0100', '2023-11-14T23:13:20+01:00', null],
  ['1700000000 -0000', '2023-11-14T22:13:20+00:00', /negative zero/],
  ['1700000000 +2359', '2023-11-15T22:12:20+23:59', null],
  ['1700000000 +5030', '2023-11-14T22:13:20+00:00', /24 hours or more/],
  ['1700000000 -9959', '2023-11-14T22:13:20+00:00', /24 hours or more/],
  ['1700000000 +0160', '2023-11-14T22:13:20+00:00', /not an offset/],
  ['1700000000 +0200\r', '2023-11-15T00:13:20+02:00', /not in the \[\+-\]HHMM form/],
  ['+1700000000 +0200', '2023-11-15T00:13:20+02:00', /canonical form/],
  [' 1700000000 +0200', '2023-11-15T00:13:20+02:00', /canonical form/],
  ['1700000000.5 +0200', null, /not <seconds> <offset>/],
  ['253402300800 +0000', null, /outside years 1–9999/],
]

describe('odd dates and names, as Software Heritage shows them', () => {
  let root: string
  let data: string
  let archive: Archive
  let app: ReturnType<typeof createApp>
  const commits: string[] = []
  let tree: string
  let blob: string
  let subTree: string
  let tag: string
  const get = async (path: string): Promise<any> => {
    const res = await app.request(`${BASE}${path}`)
    expect(res.status, path).toBe(200)
    return res.json()
  }

  beforeAll(async () => {
    root = makeTemp('arca-odd-')
    data = makeTemp('arca-odd-data-')
    const repo = join(root, 'odd')
    git(root, ['init', '-q', '-b', 'main', repo])
    blob = writeLiteral(repo, 'blob', Buffer.from('a file named sub\n'))
    const inner = writeLiteral(repo, 'blob', Buffer.from('inside the directory\n'))
    const entry = (mode: string, name: string, oid: string) =>
      Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])
    subTree = writeLiteral(repo, 'tree', entry('100644', 'inner', inner))
    // Git order: the file `sub`, then `sub.c`, then the directory `sub` (sorted as `sub/`).
    tree = writeLiteral(
      repo,
      'tree',
      Buffer.concat([
        entry('100644', 'sub', blob),
        entry('100644', 'sub.c', inner),
        entry('40000', 'sub', subTree),
      ]),
    )
    let parent: string | null = null
    for (const [when] of CASES) {
      const body =
        `tree ${tree}\n${parent ? `parent ${parent}\n` : ''}` +
        `author Ada <ada@example.org> 1700000000 +0100\n` +
        `committer Charles <charles@example.org> ${when}\n\nodd date\n`
      parent = writeLiteral(repo, 'commit', Buffer.from(body, 'latin1'))
      commits.push(parent)
    }
    git(repo, ['update-ref', 'refs/heads/main', parent!])
    tag = writeLiteral(
      repo,
      'tag',
      Buffer.from(
        `object ${parent!}\ntype commit\ntag odd\ntagger Ada <ada@example.org> 1700000000 +9959\n\nodd tag\n`,
      ),
    )
    git(repo, ['update-ref', 'refs/tags/odd', tag])
    const writer = await openArchive({ dataDir: data, writer: 'loader' })
    const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    expect(r.status, r.message ?? '').toBe('full')
    await writer.close()
    archive = await openArchive({ dataDir: data })
    app = createApp(webContext(archive, {}, { exemptNetworks: [] }))
  }, 120_000)

  afterAll(async () => {
    await archive?.close()
    removeTemp(root)
    removeTemp(data)
  })

  it('shows each committer date by swh-model rules and names what it changed', async () => {
    for (const [i, [when, shown, warning]] of CASES.entries()) {
      const rev = await get(`/api/1/revision/${commits[i]}/`)
      const what = JSON.stringify(when)
      expect(rev.id, what).toBe(commits[i])
      expect(rev.committer_date, what).toBe(shown)
      expect(rev.date, what).toBe('2023-11-14T23:13:20+01:00')
      if (warning === null) expect(rev, what).not.toHaveProperty('date_warnings')
      else {
        expect(Object.keys(rev.date_warnings), what).toEqual(['committer_date'])
        expect(rev.date_warnings.committer_date, what).toMatch(warning)
      }
    }
  })

  it('a release date likewise (tagger offset +9959: 24 hours or more, shown in UTC)', async () => {
    const rel = await get(`/api/1/release/${tag}/`)
    expect(rel.date).toBe('2023-11-14T22:13:20+00:00')
    expect(rel.date_warnings).toEqual({ date: expect.stringMatching(/24 hours or more/) })
  })

  it('a file and a directory of one name: the file is renamed <name>_<10 hex>', async () => {
    const entries = await get(`/api/1/directory/${tree}/`)
    const names = entries.map((e: any) => [e.name, e.type, e.target])
    expect(names).toEqual(
      expect.arrayContaining([
        ['sub', 'dir', subTree],
        [`sub_${blob.slice(0, 10)}`, 'file', blob],
        ['sub.c', 'file', expect.any(String)],
      ]),
    )
    expect(names).toHaveLength(3)
    const sub = await get(`/api/1/directory/${tree}/sub/`)
    expect(sub).toMatchObject({ type: 'dir', target: subTree })
    const file = await get(`/api/1/directory/${tree}/sub_${blob.slice(0, 10)}/`)
    expect(file).toMatchObject({ type: 'file', target: blob })
    // The SWHID stays git's: the directory answers under the tree's id.
    const rev = await get(`/api/1/revision/${commits[0]}/`)
    expect(rev.directory).toBe(tree)
  })
})
