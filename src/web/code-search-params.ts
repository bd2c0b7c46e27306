/**
 * The code search parameters of a query string (`q`, `type`, `origin`, `path`, `lang`), shared
 * by the API route and the browse page (docs/code-search.md).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import type { CodeSearchOptions, CodeSearchType } from '../storage/index.js'

const TYPES: readonly CodeSearchType[] = ['literal', 'word', 'regexp']

/** The search options of a request's query string (shared with the browse page). */
export function codeSearchParams(get: (name: string) => string | undefined): {
  query: string
  options: CodeSearchOptions
} {
  const query = get('q') ?? ''
  if (query === '') throw new InvalidInputError('Missing query parameter "q"')
  const type = (get('type') ?? 'literal') as CodeSearchType
  if (!TYPES.includes(type))
    throw new InvalidInputError(`Invalid type "${type}" (one of ${TYPES.join(', ')})`)
  const opt = (name: string): string | undefined => {
    const v = get(name)
    return v === undefined || v === '' ? undefined : v
  }
  const origin = opt('origin')
  const path = opt('path')
  const lang = opt('lang')
  return {
    query,
    options: {
      type,
      ...(origin ? { origin } : {}),
      ...(path ? { path } : {}),
      ...(lang ? { language: lang } : {}),
    },
  }
}
