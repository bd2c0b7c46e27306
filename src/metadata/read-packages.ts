/**
 * Readers of the package manifests that carry citation facts: npm's `package.json` and
 * Python's `pyproject.toml` (PEP 621 `[project]`, or Poetry's `[tool.poetry]`). Each maps its
 * file onto {@link SoftwareMetadata}; invalid files throw a {@link MetadataParseError}.
 *
 * @module
 */

import { parse as parseToml } from 'smol-toml'

import { jsonObject, MetadataParseError } from './read-cff-codemeta.js'
import type { MetadataPerson, SoftwareMetadata } from './record.js'
import {
  compact,
  isObj,
  type Obj,
  person,
  personFromText,
  repositoryUrl,
  text,
  texts,
} from './values.js'

function npmPerson(p: unknown): MetadataPerson | undefined {
  if (isObj(p)) return person({ name: text(p['name']), email: text(p['email']) })
  return personFromText(p)
}

function list<T>(v: unknown, one: (p: unknown) => T | undefined): T[] | undefined {
  const l = Array.isArray(v) ? v : v === undefined ? [] : [v]
  const out = l.map(one).filter((x): x is T => x !== undefined)
  return out.length > 0 ? out : undefined
}

/** Maps a package.json (its text) onto the record; `author` first, then `contributors`. */
export function readPackageJson(src: string): SoftwareMetadata {
  const d = jsonObject(src, 'package.json')
  const repo = isObj(d['repository']) ? d['repository']['url'] : d['repository']
  const lic = isObj(d['license']) ? d['license']['type'] : d['license']
  const authors = [...(list(d['author'], npmPerson) ?? [])]
  return compact<SoftwareMetadata>({
    title: text(d['name']),
    authors: authors.length > 0 ? authors : undefined,
    version: text(d['version']),
    description: text(d['description']),
    license: texts(lic),
    repository: repositoryUrl(repo),
    url: text(d['homepage']),
    keywords: texts(d['keywords']),
  })
}

function tomlObject(src: string, what: string): Obj {
  try {
    return parseToml(src)
  } catch (err) {
    const first = (err as Error).message.split('\n')[0]
    throw new MetadataParseError(`${what} is not valid TOML: ${first}`)
  }
}

function pepPerson(p: unknown): MetadataPerson | undefined {
  if (!isObj(p)) return undefined
  return person({ name: text(p['name']), email: text(p['email']) })
}

function urlOf(urls: unknown, keys: readonly string[]): string | undefined {
  if (!isObj(urls)) return undefined
  const lower = new Map(Object.entries(urls).map(([k, v]) => [k.toLowerCase(), v]))
  for (const k of keys) {
    const v = text(lower.get(k))
    if (v !== undefined) return v
  }
  return undefined
}

/** Maps a pyproject.toml (its text) onto the record. */
export function readPyproject(src: string): SoftwareMetadata {
  const d = tomlObject(src, 'pyproject.toml')
  const project = isObj(d['project']) ? d['project'] : {}
  const tool = isObj(d['tool']) ? d['tool'] : {}
  const poetry = isObj(tool['poetry']) ? tool['poetry'] : {}
  const lic = project['license']
  const pepLicense = isObj(lic) ? text(lic['text']) : text(lic)
  const urls = project['urls']
  return compact<SoftwareMetadata>({
    title: text(project['name']) ?? text(poetry['name']),
    authors: list(project['authors'], pepPerson) ?? list(poetry['authors'], personFromText),
    version: text(project['version']) ?? text(poetry['version']),
    description: text(project['description']) ?? text(poetry['description']),
    license: texts(pepLicense ?? poetry['license']),
    repository: repositoryUrl(
      urlOf(urls, ['repository', 'source', 'source code', 'code']) ?? poetry['repository'],
    ),
    url: urlOf(urls, ['homepage', 'home']) ?? text(poetry['homepage']),
    keywords: texts(project['keywords']) ?? texts(poetry['keywords']),
  })
}
