/**
 * The citation formats and the one function that writes a citation in any of them; each
 * format lives in its own module.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { toBibtex } from './format-bibtex.js'
import { toCff, toCodemeta, toCsl } from './format-json.js'
import type { CitationInput } from './input.js'

/** The citation formats: Software Heritage's two (`bibtex`, `csl`) and Arca's others. */
export const CITATION_FORMATS = ['bibtex', 'csl', 'csl-json', 'cff', 'codemeta'] as const

/** One citation format name (`csl-json` is another name of `csl`). */
export type CitationFormat = (typeof CITATION_FORMATS)[number]

/** Media type of each format's text. */
export const CITATION_MEDIA_TYPES: Readonly<Record<CitationFormat, string>> = {
  bibtex: 'application/x-bibtex',
  csl: 'application/vnd.citationstyles.csl+json',
  'csl-json': 'application/vnd.citationstyles.csl+json',
  cff: 'application/x-yaml',
  codemeta: 'application/ld+json',
}

/** Checks a `citation_format` value (400 naming the allowed ones). */
export function parseCitationFormat(v: string | undefined): CitationFormat {
  if (v === undefined || v === '')
    throw new InvalidInputError(
      `The citation_format parameter is missing: one of ${CITATION_FORMATS.join(', ')}`,
    )
  const f = v.toLowerCase()
  if (!(CITATION_FORMATS as readonly string[]).includes(f))
    throw new InvalidInputError(
      `Invalid citation_format "${v}": expected one of ${CITATION_FORMATS.join(', ')}`,
    )
  return f as CitationFormat
}

/**
 * Writes a citation.
 *
 * @example
 * ```ts
 * citation({ metadata: { title: 'Arca', version: '1.0' }, target: null }, 'bibtex')
 * // '@softwareversion{REPLACEME,\n    title = "Arca",\n    version = "1.0"\n}\n'
 * ```
 */
export function citation(input: CitationInput, format: CitationFormat): string {
  switch (format) {
    case 'bibtex':
      return toBibtex(input)
    case 'csl':
    case 'csl-json':
      return toCsl(input)
    case 'cff':
      return toCff(input)
    case 'codemeta':
      return toCodemeta(input)
  }
}
