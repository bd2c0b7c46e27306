/**
 * The metadata readers on what people write in the wild (docs/citation.md): CFF name parts,
 * npm's author strings and repository shorthands, Poetry, CodeMeta's single values and
 * organisations, and files that are not what their name says (each a clear error, no crash,
 * a YAML alias bomb included). Expected values are worked by hand from the inputs.
 */
import { describe, expect, it } from 'vitest'

import { MetadataParseError, parseMetadataFile } from '../../src/metadata/index.js'

describe('metadata readers', () => {
  it('CFF: particles and suffixes join the family name; entities stay whole', () => {
    const m = parseMetadataFile(
      'cff',
      `cff-version: 1.2.0
title: T
version: 1.10
authors:
  - given-names: Ludwig
    name-particle: van
    family-names: Beethoven
    name-suffix: Jr.
    orcid: 0000-0002-1825-0097
  - name: The Team
identifiers:
  - type: doi
    value: https://doi.org/10.5281/zenodo.42
`,
    )
    expect(m.version).toBe('1.10')
    expect(m.authors).toEqual([
      {
        name: 'Ludwig van Beethoven Jr.',
        given: 'Ludwig',
        family: 'van Beethoven Jr.',
        orcid: 'https://orcid.org/0000-0002-1825-0097',
      },
      { name: 'The Team', organization: true },
    ])
    expect(m.doi).toBe('10.5281/zenodo.42')
  })

  it('package.json: author strings and repository shorthands', () => {
    const m = parseMetadataFile(
      'package',
      JSON.stringify({
        name: 'p',
        author: 'Ada Lovelace <ada@example.org> (https://ada.example.org)',
        repository: 'github:user/repo',
        license: { type: 'ISC' },
      }),
    )
    expect(m.authors).toEqual([{ name: 'Ada Lovelace', email: 'ada@example.org' }])
    expect(m.repository).toBe('https://github.com/user/repo')
    expect(m.license).toEqual(['ISC'])
    expect(
      parseMetadataFile(
        'package',
        JSON.stringify({ repository: { url: 'git+ssh://git@gitlab.com/a/b.git' } }),
      ).repository,
    ).toBe('https://gitlab.com/a/b.git')
  })

  it('pyproject.toml: Poetry when there is no [project]', () => {
    const m = parseMetadataFile(
      'pyproject',
      `[tool.poetry]
name = "poe"
version = "0.3.0"
authors = ["Grace Hopper <grace@example.org>"]
license = "MIT"
repository = "https://example.org/poe"
`,
    )
    expect(m).toEqual({
      title: 'poe',
      version: '0.3.0',
      authors: [{ name: 'Grace Hopper', email: 'grace@example.org' }],
      license: ['MIT'],
      repository: 'https://example.org/poe',
    })
  })

  it('codemeta.json: a single author object, an organisation, keywords as text', () => {
    const m = parseMetadataFile(
      'codemeta',
      JSON.stringify({
        name: 'C',
        author: { '@type': 'Organization', name: 'ACME Labs' },
        keywords: 'a, b , c',
        identifier: 'doi:10.1234/abc',
      }),
    )
    expect(m.authors).toEqual([{ name: 'ACME Labs', organization: true }])
    expect(m.keywords).toEqual(['a', 'b', 'c'])
    expect(m.doi).toBe('10.1234/abc')
  })

  it('files that are not what their name says throw a MetadataParseError naming the file', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(9)
          .fill(`*${i === 1 ? 'a' : 'b'.repeat(i - 1)}`)
          .join(',')}]`,
      )
    const cases: [Parameters<typeof parseMetadataFile>[0], string, RegExp][] = [
      ['cff', 'title: [unclosed', /CITATION\.cff is not valid YAML/],
      ['cff', '- a list\n- not a mapping\n', /CITATION\.cff is not a YAML mapping/],
      ['cff', bomb.join('\n'), /CITATION\.cff is not valid YAML/],
      ['codemeta', '{"name": ', /codemeta\.json is not valid JSON/],
      ['codemeta', '[1, 2]', /codemeta\.json is not a JSON object/],
      ['package', 'null', /package\.json is not a JSON object/],
      ['pyproject', '[project\nname = 1', /pyproject\.toml is not valid TOML/],
    ]
    for (const [kind, text, msg] of cases) {
      expect(() => parseMetadataFile(kind, text), kind).toThrow(MetadataParseError)
      expect(() => parseMetadataFile(kind, text), kind).toThrow(msg)
    }
  })
})
