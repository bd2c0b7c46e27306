/**
 * Small normalisations shared by the metadata readers: text values, DOIs, ORCIDs, licenses,
 * repository URLs and dates, each tolerant of what people write in the wild.
 *
 * @module
 */

import type { MetadataPerson } from './record.js'

/** A plain JSON-ish object. */
export type Obj = Readonly<Record<string, unknown>>

/** True for a non-array object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
}

/** A non-empty trimmed text (numbers become text: `version: 1.0` in YAML), else undefined. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v !== 'string') return undefined
  const t = v.trim()
  return t === '' ? undefined : t
}

/** The first text of a value or list of values. */
export function firstText(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const t = text(x)
      if (t !== undefined) return t
    }
    return undefined
  }
  return text(v)
}

/** A list of texts (a single value, a list, or a comma-separated text when `split`). */
export function texts(v: unknown, split = false): string[] | undefined {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]
  const out: string[] = []
  for (const x of list) {
    const t = text(x)
    if (t === undefined) continue
    for (const part of split ? t.split(',') : [t]) {
      const p = part.trim()
      if (p !== '' && !out.includes(p)) out.push(p)
    }
  }
  return out.length > 0 ? out : undefined
}

/** A bare DOI (`10.x/y`) from a DOI, a `doi:` name or a doi.org URL. */
export function doi(v: unknown): string | undefined {
  const t = text(v)
  if (t === undefined) return undefined
  const m = /^(?:doi:\s*|https?:\/\/(?:dx\.)?doi\.org\/)?(10\.\d{4,9}\/\S+)$/i.exec(t)
  return m ? m[1] : undefined
}

/** An ORCID as its URL, from a bare `0000-0000-0000-0000` or any orcid.org URL. */
export function orcid(v: unknown): string | undefined {
  const t = text(v)
  if (t === undefined) return undefined
  const m = /^(?:https?:\/\/(?:www\.)?orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])\/?$/i.exec(t)
  return m ? `https://orcid.org/${m[1]!.toUpperCase()}` : undefined
}

/** A license: an SPDX id from a spdx.org URL, else the text as given. */
export function license(v: unknown): string | undefined {
  const t = text(v)
  if (t === undefined) return undefined
  const m = /^https?:\/\/spdx\.org\/licenses\/([^/]+?)(?:\.html)?\/?$/.exec(t)
  return m ? m[1] : t
}

/** A browsable repository URL from what package managers accept (`git+https:….git`, `github:a/b`). */
export function repositoryUrl(v: unknown): string | undefined {
  let t = text(v)
  if (t === undefined) return undefined
  const short = /^(github|gitlab|bitbucket):([\w.-]+\/[\w.-]+)$/.exec(t)
  if (short) {
    const host = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' }
    return `https://${host[short[1] as keyof typeof host]}/${short[2]}`
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(t)) return `https://github.com/${t}`
  t = t.replace(/^git\+/, '').replace(/^git:\/\/(github\.com|gitlab\.com)\//, 'https://$1/')
  const ssh = /^(?:ssh:\/\/)?git@([\w.-]+)[:/](.+)$/.exec(t)
  if (ssh) t = `https://${ssh[1]}/${ssh[2]}`
  return t
}

/** A date as `YYYY-MM-DD` (YAML may give a Date; a longer ISO text is cut to its day). */
export function isoDate(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().slice(0, 10)
  const t = text(v)
  if (t === undefined) return undefined
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(t)
  if (!m) return undefined
  return [m[1], m[2], m[3]].filter((x) => x !== undefined).join('-')
}

/** A person from its parts; the full name is made from them when not given. */
export function person(p: {
  name?: string | undefined
  given?: string | undefined
  family?: string | undefined
  orcid?: string | undefined
  email?: string | undefined
  affiliation?: string | undefined
  organization?: boolean
}): MetadataPerson | undefined {
  const name = p.name ?? ([p.given, p.family].filter(Boolean).join(' ') || undefined)
  if (name === undefined) return undefined
  const out: Record<string, unknown> = { name }
  for (const k of ['given', 'family', 'orcid', 'email', 'affiliation'] as const) {
    if (p[k] !== undefined) out[k] = p[k]
  }
  if (p.organization) out['organization'] = true
  return out as unknown as MetadataPerson
}

/** `Name <email> (url)`, as npm and Poetry write an author. */
export function personFromText(v: unknown): MetadataPerson | undefined {
  const t = text(v)
  if (t === undefined) return undefined
  const m = /^([^<(]*?)\s*(?:<([^>]*)>)?\s*(?:\(([^)]*)\))?$/.exec(t)
  const name = text(m?.[1]) ?? t
  return person({ name, email: text(m?.[2]) })
}

/** Drops undefined fields (so records merge and compare cleanly). */
export function compact<T extends object>(o: { [K in keyof T]?: T[K] | undefined }): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out as T
}
