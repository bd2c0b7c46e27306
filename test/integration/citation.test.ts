/**
 * Citations of real git repositories (docs/citation.md): repositories made with git holding a
 * CITATION.cff, a codemeta.json, a package.json, a pyproject.toml (several authors, non-ASCII
 * names, broken files) or nothing, loaded by the git loader and cited through
 * `/api/1/raw-intrinsic-metadata/citation/{origin,swhid}/`. The BibTeX is read back with a
 * real BibTeX parser (@retorquere/bibtex-parser), the CITATION.cff validated against the
 * official CFF 1.2.0 JSON schema (as shipped by cffjs, with ajv), the CSL-JSON rendered by
 * citeproc-js (no npm package ships the CSL-JSON schema); expected values are the ones
 * written into the files below, SWHIDs come from git's own ids.
 */
import '@citation-js/plugin-csl'

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { Cite } from '@citation-js/core'
import { parse } from '@retorquere/bibtex-parser'
import { validateCFF } from 'cffjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { originSwhid } from '../../src/storage/proxies/masking.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'

/** BibTeX read back as written (no English sentence-casing of titles). */
const parseBibtex = (s: string) => parse(s, { sentenceCase: false })

const CFF = `cff-version: 1.2.0
message: If you use this software, please cite it as below.
title: "Zürich Tools: résumé & 100% of_things"
version: 2.1.0
date-released: 2024-03-15
doi: 10.5281/zenodo.1234567
license: MIT
repository-code: https://example.org/zurich-tools
abstract: Tools for archiving café menus.
keywords:
  - archiving
  - café
authors:
  - given-names: Jürgen
    family-names: Müller
    orcid: https://orcid.org/0000-0002-1825-0097
    affiliation: Universität Zürich
  - given-names: Ольга
    family-names: Петрова
  - given-names: Zoë
    family-names: O'Brien-Łukasiewicz
    email: zoe@example.org
  - name: Ørsted Software Collective
`

const PACKAGE_JSON = JSON.stringify({
  name: 'zurich-tools-npm',
  version: '0.0.1',
  homepage: 'https://zurich-tools.example.org/',
  keywords: ['npm-only'],
})

const CODEMETA = JSON.stringify({
  '@context': 'https://w3id.org/codemeta/3.0',
  '@type': 'SoftwareSourceCode',
  name: 'Kraków Solver',
  version: '3.0.0-rc.1',
  description: 'A solver.',
  license: 'https://spdx.org/licenses/GPL-3.0-or-later',
  codeRepository: 'git+https://example.org/krakow-solver.git',
  datePublished: '2023-10-10',
  author: [
    {
      '@type': 'Person',
      '@id': 'https://orcid.org/0000-0001-5109-3700',
      givenName: 'Łucja',
      familyName: 'Wójcik',
    },
    { '@type': 'Person', givenName: 'Søren', familyName: 'Kierkegård' },
  ],
})

const BROKEN_CFF = 'cff-version: 1.2.0\ntitle: [unclosed\nauthors:\n  - : :\n'

const PYPROJECT = `[project]
name = "ñandú-py"
version = "1.4"
description = "Birds."
license = { text = "Apache-2.0" }
authors = [{ name = "José Ñúñez", email = "jose@example.org" }, { name = "Ana Lima" }]
keywords = ["birds"]

[project.urls]
Repository = "https://example.org/nandu"
`

interface Answer {
  format: string
  content: string
  source_swhid: string | null
  source_url: string | null
  warning: string | null
  target_swhid: string
  metadata_files: { name: string; swhid: string; error: string | null }[]
}

describe('citations of real repositories', () => {
  let root: string
  let data: string
  let archive: Archive
  let app: ReturnType<typeof createApp>
  const repos: Record<string, { origin: string; head: string; tree: string; snapshot: string }> = {}
  const blob = (repo: string, path: string) => git(repo, ['rev-parse', `HEAD:${path}`])

  const call = (path: string) => Promise.resolve(app.request(`${BASE}${path}`))
  const cite = async (q: Record<string, string>, kind: 'origin' | 'swhid' = 'origin') => {
    const res = await call(
      `/api/1/raw-intrinsic-metadata/citation/${kind}/?${new URLSearchParams(q).toString()}`,
    )
    return { status: res.status, body: (await res.json()) as Answer }
  }

  beforeAll(async () => {
    root = makeTemp('arca-cite-')
    data = makeTemp('arca-cite-data-')
    const make = (name: string, files: Record<string, string>) => {
      const repo = join(root, name)
      git(root, ['init', '-q', '-b', 'main', repo])
      for (const [f, t] of Object.entries(files)) writeFileSync(join(repo, f), t)
      git(repo, ['add', '.'])
      git(repo, ['commit', '-q', '-m', `${name}`])
      return repo
    }
    const made = {
      cff: make('zurich-tools', {
        'CITATION.cff': CFF,
        'package.json': PACKAGE_JSON,
        'README.md': '# hi\n',
      }),
      codemeta: make('krakow', { 'codemeta.json': CODEMETA, 'CITATION.cff': BROKEN_CFF }),
      pyproject: make('nandu', { 'pyproject.toml': PYPROJECT, 'package.json': '{"name": ' }),
      bare: make('bare-project', { 'main.c': 'int main(void) { return 0; }\n' }),
      revisited: make('revisited', { 'lib.c': 'int f(void) { return 1; }\n' }),
    }
    const writer = await openArchive({ dataDir: data, writer: 'loader' })
    for (const [k, repo] of Object.entries(made)) {
      const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
      expect(r.status).toBe('full')
      repos[k] = {
        origin: r.origin,
        head: git(repo, ['rev-parse', 'HEAD']),
        tree: git(repo, ['rev-parse', 'HEAD^{tree}']),
        snapshot: r.snapshot!,
      }
    }
    // a later visit of `revisited`, on a day of its own, that found another snapshot
    const later = new Date('2031-02-03T04:05:06Z')
    const [v2] = await writer.storage.originVisitAdd([
      { origin: repos['revisited']!.origin, date: later, type: 'git' },
    ])
    await writer.storage.originVisitStatusAdd([
      {
        origin: repos['revisited']!.origin,
        visit: v2!.visit,
        date: later,
        type: 'git',
        status: 'full',
        snapshot: repos['cff']!.snapshot,
        metadata: null,
      },
    ])
    await writer.close()
    archive = await openArchive({ dataDir: data })
    const ctx = webContext(archive, {}, { disabled: true })
    app = createApp(ctx, (a) => mountBrowse(a, ctx))
  }, 120_000)

  afterAll(async () => {
    await archive?.close()
    removeTemp(root)
    removeTemp(data)
  })

  it('BibTeX of an origin with a CITATION.cff, read back by a BibTeX parser', async () => {
    const r = repos['cff']!
    const { status, body } = await cite({ origin_url: r.origin, citation_format: 'bibtex' })
    expect(status).toBe(200)
    expect(body.format).toBe('bibtex')
    expect(body.warning).toBeNull()
    const cffId = blob(join(root, 'zurich-tools'), 'CITATION.cff')
    const ctxq = `;origin=${r.origin};visit=swh:1:snp:${r.snapshot}`
    expect(body.target_swhid).toBe(`swh:1:rev:${r.head}${ctxq}`)
    expect(body.source_swhid).toBe(
      `swh:1:cnt:${cffId}${ctxq};anchor=swh:1:rev:${r.head};path=/CITATION.cff`,
    )
    expect(body.source_url).toBe(`${BASE}/api/1/content/sha1_git:${cffId}/raw/`)
    const lib = parseBibtex(body.content)
    expect(lib.errors).toEqual([])
    expect(lib.entries).toHaveLength(1)
    const e = lib.entries[0]!
    expect(e.type).toBe('softwareversion')
    expect(e.key).toBe(`swh-rev-${r.head.slice(0, 7)}`)
    expect(e.fields.title).toBe('Zürich Tools: résumé & 100% of_things')
    expect(e.fields.version).toBe('2.1.0')
    expect(e.fields.date).toBe('2024-03-15')
    expect(e.fields.year).toBe('2024')
    expect(e.fields.month).toBe('3')
    expect(e.fields.doi).toBe('10.5281/zenodo.1234567')
    expect(e.fields.repository).toBe('https://example.org/zurich-tools')
    expect(e.fields.abstract).toBe('Tools for archiving café menus.')
    expect(e.fields.license).toBe('MIT')
    expect(e.fields.swhid).toBe(`swh:1:rev:${r.head}${ctxq}`)
    // CITATION.cff has no url: the package.json's homepage fills it (field-wise precedence)
    expect(e.fields.url).toBe('https://zurich-tools.example.org/')
    expect(e.fields.keywords).toEqual(['archiving', 'café'])
    expect(e.fields.author).toEqual([
      { lastName: 'Müller', firstName: 'Jürgen' },
      { lastName: 'Петрова', firstName: 'Ольга' },
      { lastName: "O'Brien-Łukasiewicz", firstName: 'Zoë' },
      { name: 'Ørsted Software Collective' },
    ])
  })

  it('CITATION.cff output is valid against the CFF 1.2.0 schema and says what the file said', async () => {
    const r = repos['cff']!
    const { status, body } = await cite({ origin_url: r.origin, citation_format: 'cff' })
    expect(status).toBe(200)
    const doc = parseYaml(body.content) as Record<string, unknown>
    expect(() => validateCFF(structuredClone(doc))).not.toThrow()
    expect(doc['title']).toBe('Zürich Tools: résumé & 100% of_things')
    expect(doc['version']).toBe('2.1.0')
    expect(doc['date-released']).toBe('2024-03-15')
    expect(doc['license']).toBe('MIT')
    expect(doc['doi']).toBe('10.5281/zenodo.1234567')
    expect(doc['authors']).toEqual([
      {
        'given-names': 'Jürgen',
        'family-names': 'Müller',
        affiliation: 'Universität Zürich',
        orcid: 'https://orcid.org/0000-0002-1825-0097',
      },
      { 'given-names': 'Ольга', 'family-names': 'Петрова' },
      { 'given-names': 'Zoë', 'family-names': "O'Brien-Łukasiewicz", email: 'zoe@example.org' },
      { name: 'Ørsted Software Collective' },
    ])
    expect(doc['identifiers']).toEqual([
      {
        type: 'swh',
        value: `swh:1:rev:${r.head}`,
        description: `Archived, with its context: ${body.target_swhid}`,
      },
    ])
  })

  it('a broken CITATION.cff is reported and the codemeta.json used instead', async () => {
    const r = repos['codemeta']!
    for (const format of ['bibtex', 'cff', 'csl', 'codemeta']) {
      const { status, body } = await cite({ origin_url: r.origin, citation_format: format })
      expect(status, format).toBe(200)
      expect(body.warning, format).toMatch(/CITATION\.cff is not valid YAML/)
      const codemetaId = blob(join(root, 'krakow'), 'codemeta.json')
      expect(body.source_swhid, format).toContain(`swh:1:cnt:${codemetaId};`)
      expect(body.metadata_files.map((f) => [f.name, f.error !== null])).toEqual([
        ['CITATION.cff', true],
        ['codemeta.json', false],
      ])
    }
    const bib = parseBibtex(
      (await cite({ origin_url: r.origin, citation_format: 'bibtex' })).body.content,
    )
    const e = bib.entries[0]!
    expect(e.fields.title).toBe('Kraków Solver')
    expect(e.fields.version).toBe('3.0.0-rc.1')
    expect(e.fields.license).toBe('GPL-3.0-or-later')
    expect(e.fields.repository).toBe('https://example.org/krakow-solver.git')
    expect(e.fields.author).toEqual([
      { lastName: 'Wójcik', firstName: 'Łucja' },
      { lastName: 'Kierkegård', firstName: 'Søren' },
    ])
    const csl = JSON.parse(
      (await cite({ origin_url: r.origin, citation_format: 'csl-json' })).body.content,
    ) as Record<string, unknown>
    expect(csl['type']).toBe('software')
    expect(csl['title']).toBe('Kraków Solver')
    expect(csl['author']).toEqual([
      { given: 'Łucja', family: 'Wójcik' },
      { given: 'Søren', family: 'Kierkegård' },
    ])
    expect(csl['issued']).toEqual({ 'date-parts': [[2023, 10, 10]] })
    // No npm package ships the CSL-JSON schema: the item is read by citeproc-js (through
    // citation-js) and rendered in APA, whose software rule must see every field.
    const apa = String(
      new Cite([csl]).format('bibliography', { format: 'text', template: 'apa', lang: 'en-US' }),
    )
    for (const part of [
      'Wójcik, Ł.',
      'Kierkegård, S.',
      '(2023)',
      'Kraków Solver',
      '(Version 3.0.0-rc.1)',
      '[Computer software]',
    ])
      expect(apa).toContain(part)
    const cm = JSON.parse(
      (await cite({ origin_url: r.origin, citation_format: 'codemeta' })).body.content,
    ) as Record<string, unknown>
    expect(cm['name']).toBe('Kraków Solver')
    expect(cm['license']).toEqual(['https://spdx.org/licenses/GPL-3.0-or-later'])
    expect((cm['author'] as { '@id'?: string }[])[0]!['@id']).toBe(
      'https://orcid.org/0000-0001-5109-3700',
    )
  })

  it('pyproject.toml (a broken package.json beside it) cited by a directory SWHID', async () => {
    const r = repos['pyproject']!
    const target = `swh:1:dir:${r.tree}`
    const { status, body } = await cite(
      { target_swhid: target, citation_format: 'bibtex' },
      'swhid',
    )
    expect(status).toBe(200)
    expect(body.warning).toMatch(/package\.json is not valid JSON/)
    const e = parseBibtex(body.content).entries[0]!
    expect(e.type).toBe('softwareversion')
    expect(e.key).toBe(`swh-dir-${r.tree.slice(0, 7)}`)
    expect(e.fields.title).toBe('ñandú-py')
    expect(e.fields.version).toBe('1.4')
    expect(e.fields.license).toBe('Apache-2.0')
    expect(e.fields.repository).toBe('https://example.org/nandu')
    expect(e.fields.swhid).toBe(target)
    expect(e.fields.author).toEqual([
      { lastName: 'Ñúñez', firstName: 'José' },
      { lastName: 'Lima', firstName: 'Ana' },
    ])
    const pyId = blob(join(root, 'nandu'), 'pyproject.toml')
    expect(body.source_swhid).toBe(`swh:1:cnt:${pyId};anchor=${target};path=/pyproject.toml`)
  })

  it('a content is cited through its anchor; without one it is 400', async () => {
    const r = repos['cff']!
    const readme = blob(join(root, 'zurich-tools'), 'README.md')
    const target = `swh:1:cnt:${readme};origin=${r.origin};anchor=swh:1:rev:${r.head};path=/README.md`
    const ok = await cite({ target_swhid: target, citation_format: 'bibtex' }, 'swhid')
    expect(ok.status).toBe(200)
    const e = parseBibtex(ok.body.content).entries[0]!
    expect(e.type).toBe('codefragment')
    expect(e.fields.swhid).toBe(target)
    expect(e.fields.title).toBe('Zürich Tools: résumé & 100% of_things')
    const bad = await cite(
      { target_swhid: `swh:1:cnt:${readme}`, citation_format: 'bibtex' },
      'swhid',
    )
    expect(bad.status).toBe(400)
  })

  it('a snapshot is cited through its HEAD branch', async () => {
    const r = repos['cff']!
    const target = `swh:1:snp:${r.snapshot}`
    const { status, body } = await cite(
      { target_swhid: target, citation_format: 'bibtex' },
      'swhid',
    )
    expect(status).toBe(200)
    const e = parseBibtex(body.content).entries[0]!
    expect(e.type).toBe('software')
    expect(e.fields.version).toBe('2.1.0')
    const cffId = blob(join(root, 'zurich-tools'), 'CITATION.cff')
    expect(body.source_swhid).toBe(`swh:1:cnt:${cffId};visit=${target};path=/CITATION.cff`)
  })

  it('no metadata: cited from the origin URL and the visit date', async () => {
    const r = repos['bare']!
    const { status, body } = await cite({ origin_url: r.origin, citation_format: 'bibtex' })
    expect(status).toBe(200)
    expect(body.source_swhid).toBeNull()
    expect(body.warning).toMatch(/No metadata file/)
    const e = parseBibtex(body.content).entries[0]!
    expect(e.fields.title).toBe('bare-project')
    expect(e.fields.year).toBe(String(new Date().getUTCFullYear()))
    const visit = (await (await call(`/api/1/origin/${r.origin}/visit/latest/`)).json()) as {
      date: string
    }
    expect(e.fields.date).toBe(visit.date.slice(0, 10))
    const cff = parseYaml(
      (await cite({ origin_url: r.origin, citation_format: 'cff' })).body.content,
    )
    expect(() => validateCFF(cff)).not.toThrow()
  })

  it("a SWHID's visit qualifier picks the date of the visit that found that snapshot", async () => {
    const r = repos['revisited']!
    const first = (await (await call(`/api/1/origin/${r.origin}/visit/1/`)).json()) as {
      date: string
    }
    const dateOf = async (swhid: string) => {
      const { status, body } = await cite(
        { target_swhid: swhid, citation_format: 'bibtex' },
        'swhid',
      )
      expect(status).toBe(200)
      return parseBibtex(body.content).entries[0]!.fields.date
    }
    const dir = `swh:1:dir:${r.tree};origin=${r.origin}`
    expect(await dateOf(`${dir};visit=swh:1:snp:${r.snapshot}`)).toBe(first.date.slice(0, 10))
    // without the qualifier, or naming a snapshot no visit found: the latest visit's date
    expect(await dateOf(dir)).toBe('2031-02-03')
    expect(await dateOf(`${dir};visit=swh:1:snp:${'5'.repeat(40)}`)).toBe('2031-02-03')
  })

  it('bad parameters are 400, unknown objects and origins 404, masked ones 403', async () => {
    const r = repos['cff']!
    expect((await cite({ origin_url: r.origin, citation_format: 'ris' })).status).toBe(400)
    expect((await cite({ origin_url: r.origin })).status).toBe(400)
    expect((await cite({ citation_format: 'bibtex' })).status).toBe(400)
    expect(
      (await cite({ target_swhid: 'swh:1:rev:zz', citation_format: 'bibtex' }, 'swhid')).status,
    ).toBe(400)
    expect(
      (await cite({ origin_url: 'https://nowhere.example/x', citation_format: 'bibtex' })).status,
    ).toBe(404)
    expect(
      (
        await cite(
          { target_swhid: `swh:1:rev:${'0'.repeat(40)}`, citation_format: 'bibtex' },
          'swhid',
        )
      ).status,
    ).toBe(404)
    const backend = archive.backend
    await backend.maskSet('cite-1', 'takedown', [originSwhid(r.origin)], 'restricted')
    expect((await cite({ origin_url: r.origin, citation_format: 'bibtex' })).status).toBe(403)
    await backend.maskSet('cite-1', 'lifted', [originSwhid(r.origin)], null)
    await backend.maskSet('cite-2', 'takedown', [`swh:1:dir:${r.tree}`], 'restricted')
    expect(
      (await cite({ target_swhid: `swh:1:dir:${r.tree}`, citation_format: 'bibtex' }, 'swhid'))
        .status,
    ).toBe(403)
    await backend.maskSet('cite-2', 'lifted', [`swh:1:dir:${r.tree}`], null)
    // A masked CITATION.cff is not read: the citation comes from the package.json beside it.
    const cffId = blob(join(root, 'zurich-tools'), 'CITATION.cff')
    await backend.maskSet('cite-3', 'takedown', [`swh:1:cnt:${cffId}`], 'restricted')
    const withheld = await cite({ origin_url: r.origin, citation_format: 'bibtex' })
    expect(withheld.status).toBe(200)
    expect(withheld.body.content).not.toContain('Zürich')
    expect(parseBibtex(withheld.body.content).entries[0]!.fields.title).toBe('zurich-tools-npm')
    await backend.maskSet('cite-3', 'lifted', [`swh:1:cnt:${cffId}`], null)
  })

  it('browse pages carry a Cite panel with every format, working without scripts', async () => {
    const r = repos['cff']!
    const o = encodeURIComponent(r.origin)
    const unescape = (s: string) =>
      s
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&')
    const readme = blob(join(root, 'zurich-tools'), 'README.md')
    const pages = [
      `/browse/origin/directory/?origin_url=${o}`,
      `/browse/origin/content/?origin_url=${o}&path=README.md`,
      `/browse/revision/${r.head}/?origin_url=${o}`,
      `/browse/directory/${r.tree}/`,
      `/browse/content/sha1_git:${readme}/?origin_url=${o}&path=README.md`,
    ]
    for (const p of pages) {
      const res = await call(p)
      expect(res.status, p).toBe(200)
      const page = await res.text()
      expect(page, p).toContain('<h2 id="cite-title">Cite</h2>')
      for (const f of ['bibtex', 'cff', 'csl', 'codemeta'])
        expect(page, p).toContain(`data-copy="cite-${f}"`)
      expect(page, p).toMatch(/<details open class="cite-format">/)
      const pre = /<pre id="cite-bibtex" class="cite">([\s\S]*?)<\/pre>/.exec(page)
      const bib = parseBibtex(unescape(pre![1]!))
      expect(bib.errors, p).toEqual([])
      expect(bib.entries[0]!.fields.title, p).toBe('Zürich Tools: résumé & 100% of_things')
      const cff = /<pre id="cite-cff" class="cite">([\s\S]*?)<\/pre>/.exec(page)
      expect(() => validateCFF(parseYaml(unescape(cff![1]!))), p).not.toThrow()
    }
    const content = await (await call(pages[1]!)).text()
    const bib = parseBibtex(
      unescape(/<pre id="cite-bibtex" class="cite">([\s\S]*?)<\/pre>/.exec(content)![1]!),
    )
    expect(bib.entries[0]!.type).toBe('codefragment')
    expect(bib.entries[0]!.fields.swhid).toBe(
      `swh:1:cnt:${readme};origin=${r.origin};visit=swh:1:snp:${r.snapshot};anchor=swh:1:rev:${r.head};path=/README.md`,
    )
  })

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await (await call('/api/1/openapi.json')).json()) as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/raw-intrinsic-metadata/citation/origin/',
        '/raw-intrinsic-metadata/citation/swhid/',
      ]),
    )
  })
})
