/**
 * BibTeX (biblatex-software) citations, shaped as Software Heritage writes them: entry type
 * `@software` for a snapshot or an unversioned work, `@softwareversion` for a directory,
 * revision, release or a versioned work, `@codefragment` for a content; key
 * `swh-<type>-<7 hex>[-L<from>-L<to>]` (`REPLACEME` without a SWHID); persons (`author`,
 * `license`) as `Family, Given` joined by ` and `; fields `abstract`, `date`, `year`, `month`
 * (a bare macro, `oct`), `doi`, `repository`, `title`, `url`, `version`, `swhid` (qualified).
 *
 * @module
 */

import { type CitationInput, citedDate, citedMetadata } from './input.js'
import type { MetadataPerson } from './record.js'

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

/** Fields biblatex reads verbatim (URLs, identifiers): written as they are. */
const VERBATIM = new Set(['url', 'repository', 'swhid', 'doi'])

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
}

/** LaTeX-escapes a text value (non-ASCII letters stay as they are: UTF-8 biblatex). */
export function latexEscape(s: string): string {
  return s.replace(/[\\{}&%$#_~^]/g, (c) => ESCAPES[c]!).replace(/\s+/g, ' ')
}

/** Name lists, written already escaped by {@link bibtexName}. */
const PERSONS = new Set(['author', 'license'])

/** A value in double quotes (braces when it holds a `"`), as pybtex writes them. */
function quote(field: string, value: string): string {
  const v = PERSONS.has(field)
    ? value
    : VERBATIM.has(field)
      ? value.replace(/[{}]/g, '')
      : latexEscape(value)
  return v.includes('"') ? `{${v}}` : `"${v}"`
}

/** One name in BibTeX's `Family, Given` form; an organisation in braces (never split). */
export function bibtexName(p: MetadataPerson): string {
  if (p.organization) return `{${latexEscape(p.name)}}`
  if (p.family !== undefined)
    return p.given !== undefined
      ? `${latexEscape(p.family)}, ${latexEscape(p.given)}`
      : latexEscape(p.family)
  const parts = p.name.split(/\s+/)
  if (parts.length === 1) return latexEscape(parts[0]!)
  return `${latexEscape(parts.at(-1)!)}, ${latexEscape(parts.slice(0, -1).join(' '))}`
}

function entryType(input: CitationInput, versioned: boolean): string {
  const t = input.target?.type
  if (t === 'snp') return 'software'
  if (t === 'cnt') return 'codefragment'
  if (t !== undefined) return 'softwareversion'
  return versioned ? 'softwareversion' : 'software'
}

function entryKey(input: CitationInput): string {
  const t = input.target
  if (!t) return 'REPLACEME'
  let key = `swh-${t.type}-${t.id.slice(0, 7)}`
  if (t.lines) key += `-L${t.lines[0]}${t.lines[1] === null ? '' : `-L${t.lines[1]}`}`
  return key
}

/** The BibTeX entry of a citation. */
export function toBibtex(input: CitationInput): string {
  const m = citedMetadata(input)
  const fields: [string, string][] = []
  const authors = [...new Set((m.authors ?? []).map(bibtexName))]
  if (authors.length > 0) fields.push(['author', authors.join(' and ')])
  if (m.license && m.license.length > 0)
    fields.push(['license', m.license.map(latexEscape).join(' and ')])
  if (m.description) fields.push(['abstract', m.description])
  const date = citedDate(input)
  let month: string | undefined
  if (date) {
    fields.push(['date', date])
    fields.push(['year', date.slice(0, 4)])
    if (date.length >= 7) month = MONTHS[Number(date.slice(5, 7)) - 1]
  }
  const body = fields.map(([k, v]) => `    ${k} = ${quote(k, v)}`)
  if (month) body.push(`    month = ${month}`)
  const rest: [string, string | undefined][] = [
    ['doi', m.doi],
    ['keywords', m.keywords?.join(', ')],
    ['repository', m.repository],
    ['title', m.title],
    ['url', m.url],
    ['version', m.version],
    ['swhid', input.target?.swhid],
  ]
  for (const [k, v] of rest) if (v !== undefined && v !== '') body.push(`    ${k} = ${quote(k, v)}`)
  if (!m.repository && !m.url && input.origin && input.visitDate)
    body.push(`    note = ${quote('note', `Archived from ${input.origin}`)}`)
  return `@${entryType(input, m.version !== undefined)}{${entryKey(input)},\n${body.join(',\n')}\n}\n`
}
