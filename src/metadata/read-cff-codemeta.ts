/**
 * Readers of the two citation files Software Heritage reads: `CITATION.cff` (YAML, Citation
 * File Format 1.2.0) and `codemeta.json` (CodeMeta 2/3 JSON-LD, read as plain JSON with its
 * usual compact keys). Each maps its file onto {@link SoftwareMetadata}; invalid files throw
 * a {@link MetadataParseError} naming what was wrong.
 *
 * @module
 */

import { parse as parseYaml } from 'yaml'

import type { MetadataPerson, SoftwareMetadata } from './record.js'
import {
  compact,
  doi,
  firstText,
  isObj,
  isoDate,
  license,
  type Obj,
  orcid,
  person,
  personFromText,
  repositoryUrl,
  text,
  texts,
} from './values.js'

/** A metadata file that is not what its name says (invalid JSON, YAML or TOML). */
export class MetadataParseError extends Error {
  override readonly name = 'MetadataParseError'
}

/** Parses YAML to an object, or throws a {@link MetadataParseError}. */
export function yamlObject(src: string, what: string): Obj {
  let doc: unknown
  try {
    // The failsafe schema keeps every scalar as written: `version: 1.10` stays "1.10" (the core
    // schema would make it the number 1.1), dates stay text.
    doc = parseYaml(src, { maxAliasCount: 100, schema: 'failsafe' })
  } catch (err) {
    throw new MetadataParseError(`${what} is not valid YAML: ${(err as Error).message}`)
  }
  if (!isObj(doc)) throw new MetadataParseError(`${what} is not a YAML mapping`)
  return doc
}

/** Parses JSON to an object, or throws a {@link MetadataParseError}. */
export function jsonObject(src: string, what: string): Obj {
  let doc: unknown
  try {
    doc = JSON.parse(src)
  } catch (err) {
    throw new MetadataParseError(`${what} is not valid JSON: ${(err as Error).message}`)
  }
  if (!isObj(doc)) throw new MetadataParseError(`${what} is not a JSON object`)
  return doc
}

function cffPerson(p: unknown): MetadataPerson | undefined {
  if (!isObj(p)) return undefined
  const family = [text(p['name-particle']), text(p['family-names'])].filter(Boolean).join(' ')
  const suffix = text(p['name-suffix'])
  const entity = text(p['name'])
  const common = {
    orcid: orcid(p['orcid']),
    email: text(p['email']),
    affiliation: text(p['affiliation']),
  }
  if (entity !== undefined && p['family-names'] === undefined && p['given-names'] === undefined)
    return person({ name: entity, organization: true, ...common })
  return person({
    given: text(p['given-names']),
    family: family === '' ? undefined : suffix ? `${family} ${suffix}` : family,
    ...common,
  })
}

function people<T>(v: unknown, one: (p: unknown) => T | undefined): T[] | undefined {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v]
  const out = list.map(one).filter((x): x is T => x !== undefined)
  return out.length > 0 ? out : undefined
}

/** Maps a CITATION.cff (its text) onto the record. */
export function readCff(src: string): SoftwareMetadata {
  const d = yamlObject(src, 'CITATION.cff')
  const ids = Array.isArray(d['identifiers']) ? d['identifiers'] : []
  const idDoi = ids.filter(isObj).find((i) => text(i['type']) === 'doi')
  return compact<SoftwareMetadata>({
    title: text(d['title']),
    authors: people(d['authors'], cffPerson),
    version: text(d['version']),
    description: text(d['abstract']),
    license: texts(d['license'])?.map((l) => license(l)!),
    repository: repositoryUrl(d['repository-code']) ?? repositoryUrl(d['repository']),
    url: text(d['url']),
    keywords: texts(d['keywords']),
    dateReleased: isoDate(d['date-released']),
    doi: doi(d['doi']) ?? doi(idDoi?.['value']),
  })
}

function nameOf(v: unknown): string | undefined {
  if (isObj(v)) return firstText(v['name']) ?? firstText(v['@id'])
  return firstText(v)
}

function codemetaPerson(p: unknown): MetadataPerson | undefined {
  if (typeof p === 'string') return personFromText(p)
  if (!isObj(p)) return undefined
  const type = text(p['@type']) ?? text(p['type'])
  const id = text(p['@id']) ?? text(p['id']) ?? text(p['identifier'])
  const affiliations = Array.isArray(p['affiliation']) ? p['affiliation'] : [p['affiliation']]
  return person({
    name: firstText(p['name']),
    given: texts(p['givenName'])?.join(' '),
    family: texts(p['familyName'])?.join(' '),
    orcid: orcid(id),
    email: firstText(p['email']),
    affiliation: affiliations.map(nameOf).find((x) => x !== undefined),
    organization: type === 'Organization' || type === 'schema:Organization',
  })
}

function codemetaLicense(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v]
  const out = list.map((l) => license(isObj(l) ? (l['@id'] ?? l['url'] ?? l['name']) : l))
  const ok = out.filter((x): x is string => x !== undefined)
  return ok.length > 0 ? ok : undefined
}

/** Maps a codemeta.json (its text) onto the record. */
export function readCodemeta(src: string): SoftwareMetadata {
  const d = jsonObject(src, 'codemeta.json')
  const idList = [d['identifier'], d['@id'], d['id']].flatMap((x): unknown[] =>
    Array.isArray(x) ? (x as unknown[]) : [x],
  )
  const ids = idList.map((x: unknown): unknown =>
    isObj(x) ? (x['value'] ?? x['@id'] ?? x['propertyID']) : x,
  )
  return compact<SoftwareMetadata>({
    title: firstText(d['name']),
    authors: people(d['author'], codemetaPerson),
    version: firstText(d['softwareVersion']) ?? firstText(d['version']),
    description: firstText(d['description']),
    license: codemetaLicense(d['license']),
    repository: repositoryUrl(firstText(d['codeRepository'])),
    url: firstText(d['url']),
    keywords: texts(d['keywords'], typeof d['keywords'] === 'string'),
    dateReleased: isoDate(firstText(d['datePublished'])),
    doi: ids.map(doi).find((x) => x !== undefined),
  })
}
