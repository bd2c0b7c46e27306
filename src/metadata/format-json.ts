/**
 * The structured citation formats: CSL-JSON (as Software Heritage writes it: one item of type
 * `software`, its `id` the qualified SWHID), CITATION.cff (Citation File Format 1.2.0, the
 * SWHID as an `swh` identifier) and CodeMeta 3.0 JSON-LD.
 *
 * @module
 */

import { stringify as toYaml } from 'yaml'

import { type CitationInput, citedDate, citedMetadata } from './input.js'
import type { MetadataPerson } from './record.js'

/** Given and family names: the parts given, else the last word of the name as the family. */
function nameParts(p: MetadataPerson): { given?: string; family: string } {
  if (p.family !== undefined)
    return p.given !== undefined ? { given: p.given, family: p.family } : { family: p.family }
  const words = p.name.split(/\s+/)
  if (words.length === 1) return { family: words[0]! }
  return { given: words.slice(0, -1).join(' '), family: words.at(-1)! }
}

function dateParts(date: string): number[] {
  return date.split('-').map((x) => Number(x))
}

const core = (swhid: string): string => swhid.split(';')[0]!

/** The CSL-JSON item (one object, as Software Heritage answers). */
export function toCsl(input: CitationInput): string {
  const m = citedMetadata(input)
  const csl: Record<string, unknown> = { type: 'software' }
  if (input.target) csl['id'] = input.target.swhid
  if (m.title) csl['title'] = m.title
  if (m.description) csl['abstract'] = m.description
  const authors = (m.authors ?? []).map((p) =>
    p.organization ? { literal: p.name } : nameParts(p),
  )
  if (authors.length > 0) csl['author'] = authors
  const date = citedDate(input)
  if (date) csl['issued'] = { 'date-parts': [dateParts(date)] }
  if (m.doi) csl['DOI'] = m.doi
  if (m.repository) csl['source'] = m.repository
  const url = m.url ?? m.repository
  if (url) csl['URL'] = url
  if (m.license && m.license.length > 0) csl['license'] = m.license.join(' and ')
  if (m.version) csl['version'] = m.version
  if (m.keywords && m.keywords.length > 0) csl['keyword'] = m.keywords.join(', ')
  if (input.target && !m.doi) csl['note'] = `SWHID: ${input.target.swhid}`
  return `${JSON.stringify(csl, null, 2)}\n`
}

const SPDX_ID = /^[A-Za-z0-9.+-]+$/
const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/
const CFF_URL = /^(https|http|ftp|sftp):\/\/.+/
const EMAIL = /^[\S]+@[\S]+\.[\S]{2,}$/

function cffPerson(p: MetadataPerson): Record<string, string> {
  const out: Record<string, string> = {}
  if (p.organization) out['name'] = p.name
  else {
    const n = nameParts(p)
    if (n.given !== undefined) out['given-names'] = n.given
    out['family-names'] = n.family
  }
  if (p.email && EMAIL.test(p.email)) out['email'] = p.email
  if (p.affiliation) out['affiliation'] = p.affiliation
  if (p.orcid) out['orcid'] = p.orcid
  return out
}

/**
 * The CITATION.cff. CFF requires authors: without any, the one author is `name: anonymous`
 * (the CFF guide's word for an unknown author). Licenses that are not SPDX-shaped ids are left
 * out (CFF accepts only SPDX ids).
 */
export function toCff(input: CitationInput): string {
  const m = citedMetadata(input)
  const cff: Record<string, unknown> = {
    'cff-version': '1.2.0',
    message: 'If you use this software, please cite it using the metadata from this file.',
    type: 'software',
    title: m.title ?? input.target?.swhid ?? 'Untitled software',
  }
  const authors = (m.authors ?? []).map(cffPerson)
  cff['authors'] = authors.length > 0 ? authors : [{ name: 'anonymous' }]
  if (m.version) cff['version'] = m.version
  if (m.description) cff['abstract'] = m.description
  const date = citedDate(input)
  if (date && FULL_DATE.test(date)) cff['date-released'] = date
  if (m.doi) cff['doi'] = m.doi
  const ids: Record<string, string>[] = []
  if (input.target)
    ids.push({
      type: 'swh',
      value: core(input.target.swhid),
      description: `Archived, with its context: ${input.target.swhid}`,
    })
  if (ids.length > 0) cff['identifiers'] = ids
  const licenses = (m.license ?? []).filter((l) => SPDX_ID.test(l))
  if (licenses.length === 1) cff['license'] = licenses[0]
  else if (licenses.length > 1) cff['license'] = licenses
  // CFF accepts only web URLs here (a `file://` origin is left out).
  if (m.repository && CFF_URL.test(m.repository)) cff['repository-code'] = m.repository
  if (m.url && CFF_URL.test(m.url)) cff['url'] = m.url
  if (m.keywords && m.keywords.length > 0) cff['keywords'] = m.keywords
  return toYaml(cff, { lineWidth: 0 })
}

function codemetaPerson(p: MetadataPerson): Record<string, unknown> {
  const out: Record<string, unknown> = { '@type': p.organization ? 'Organization' : 'Person' }
  if (p.orcid) out['@id'] = p.orcid
  if (p.organization) out['name'] = p.name
  else {
    if (p.given !== undefined) out['givenName'] = p.given
    if (p.family !== undefined) out['familyName'] = p.family
    if (p.given === undefined && p.family === undefined) out['name'] = p.name
  }
  if (p.email) out['email'] = p.email
  if (p.affiliation) out['affiliation'] = { '@type': 'Organization', name: p.affiliation }
  return out
}

/** The CodeMeta 3.0 JSON-LD document; the qualified SWHID is an `identifier`. */
export function toCodemeta(input: CitationInput): string {
  const m = citedMetadata(input)
  const doc: Record<string, unknown> = {
    '@context': 'https://w3id.org/codemeta/3.0',
    '@type': 'SoftwareSourceCode',
  }
  if (m.title) doc['name'] = m.title
  if (m.authors && m.authors.length > 0) doc['author'] = m.authors.map(codemetaPerson)
  if (m.version) doc['version'] = m.version
  if (m.description) doc['description'] = m.description
  if (m.license && m.license.length > 0)
    doc['license'] = m.license.map((l) => (SPDX_ID.test(l) ? `https://spdx.org/licenses/${l}` : l))
  if (m.repository) doc['codeRepository'] = m.repository
  if (m.url) doc['url'] = m.url
  if (m.keywords && m.keywords.length > 0) doc['keywords'] = m.keywords
  const date = citedDate(input)
  if (date) doc['datePublished'] = date
  const ids = [m.doi ? `https://doi.org/${m.doi}` : undefined, input.target?.swhid].filter(
    (x): x is string => x !== undefined,
  )
  if (ids.length > 0) doc['identifier'] = ids
  return `${JSON.stringify(doc, null, 2)}\n`
}
