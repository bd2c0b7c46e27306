/**
 * Finds what a citation is made from, as Software Heritage does: the root directory of a
 * SWHID's object (a content needs an `anchor`; a snapshot is cited through its HEAD branch),
 * or of an origin's latest visit's main branch; its intrinsic metadata; and the qualified
 * SWHID of the metadata file used (`source_swhid`). Shared by the API and the browse pages.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../errors.js'
import {
  citation,
  type CitationFormat,
  citationTarget,
  type IntrinsicMetadata,
  readIntrinsicMetadata,
} from '../metadata/index.js'
import {
  type CoreSwhid,
  formatSwhid,
  parseQualifiedSwhid,
  type QualifiedSwhid,
  type SwhidQualifiers,
  swhidString,
  utf8,
} from '../model/index.js'
import { type MaskedView, resolveRoot } from '../storage/index.js'
import { type BrowseContext, originContext, qualifiers } from './browse/context.js'

/** A citation, in Software Heritage's answer shape plus what Arca read. */
export interface CitationAnswer {
  readonly format: CitationFormat
  readonly content: string
  /** Qualified SWHID of the metadata file the citation comes from; null: none was usable. */
  readonly source_swhid: string | null
  /** API URL of that file's bytes. */
  readonly source_url: string | null
  readonly error: null
  /** Why some metadata could not be used, or that the citation falls back on the origin. */
  readonly warning: string | null
  /** The cited object's qualified SWHID. */
  readonly target_swhid: string
  /** Every metadata file found at the root: its name, SWHID and what was wrong with it. */
  readonly metadata_files: readonly { name: string; swhid: string; error: string | null }[]
}

/** What was found for a citation (before it is written in a format). */
export interface CitationSources {
  readonly target: QualifiedSwhid
  readonly targetText: string
  readonly found: IntrinsicMetadata
  readonly origin: string | null
  readonly visitDate: Date | null
}

/** The root directory a SWHID's object is cited through (a snapshot: its main branch). */
async function rootOf(view: MaskedView, s: CoreSwhid): Promise<string | null> {
  const found = await resolveRoot(view.storage, s)
  return 'root' in found ? found.root.directory : null
}

/** Visits searched, newest first, for the one whose snapshot a `visit=` qualifier names. */
const VISITS_SEARCHED = 100

/**
 * The date a citation gives for `origin`: that of its visit that found `snapshot` (the SWHID's
 * `visit=` qualifier; the newest such of the last {@link VISITS_SEARCHED} visits), else that of
 * its latest visit with a snapshot.
 */
async function visitDateOf(
  view: MaskedView,
  origin: string | undefined,
  snapshot: string | undefined,
): Promise<Date | null> {
  if (!origin) return null
  const [o] = await view.storage.originGet([origin])
  if (!o) return null
  if (snapshot) {
    const page = await view.storage.originVisitGet(origin, {
      order: 'desc',
      limit: VISITS_SEARCHED,
    })
    for (const v of page.results) {
      const status = await view.storage.originVisitStatusGetLatest(origin, v.visit)
      if (status?.snapshot === snapshot) return status.date
    }
  }
  const latest = await view.storage.originVisitGetLatest(origin, { requireSnapshot: true })
  return latest?.status?.date ?? latest?.visit.date ?? null
}

async function read(view: MaskedView, root: string, what: string): Promise<IntrinsicMetadata> {
  const found = await readIntrinsicMetadata(view, root)
  if (!found) throw new NotFoundError(`No root directory for ${what} found`)
  return found
}

/** Sources of a citation of a SWHID (qualifiers allowed). */
export async function sourcesOfSwhid(view: MaskedView, text: string): Promise<CitationSources> {
  const q = parseQualifiedSwhid(text)
  // Refuses masked objects (403) and unknown ones (404) before anything is read.
  if (!(await view.storage.objectExists({ type: q.type, id: q.id })))
    throw new NotFoundError(`Object ${swhidString(q.type, q.id)} not found`)
  let base: CoreSwhid = q
  if (q.type === 'cnt' || q.type === 'dir') {
    if (q.qualifiers.anchor) base = q.qualifiers.anchor
    else if (q.type === 'cnt')
      throw new InvalidInputError(
        `No root directory can be found for SWHID ${text} as it targets a content and is lacking a qualified anchor.`,
      )
  }
  const root = await rootOf(view, base)
  if (root === null) throw new NotFoundError(`No root directory for target SWHID ${text} found.`)
  const found = await read(view, root, `target SWHID ${text}`)
  const origin = q.qualifiers.origin ?? null
  return {
    target: q,
    targetText: text,
    found,
    origin,
    visitDate: await visitDateOf(view, origin ?? undefined, q.qualifiers.visit?.id),
  }
}

/** The SWHID (with context) an origin's latest visit is cited as, from its browse context. */
function contextTarget(ctx: BrowseContext): string | null {
  const q = qualifiers(ctx, { anchor: false })
  if (ctx.releaseId) return `${swhidString('rel', ctx.releaseId)}${q}`
  if (ctx.revision) return `${swhidString('rev', ctx.revision)}${q}`
  if (ctx.root) return `${swhidString('dir', ctx.root)}${q}`
  return null
}

/** Sources of a citation of an origin (its latest visit with a snapshot, main branch). */
export async function sourcesOfOrigin(view: MaskedView, origin: string): Promise<CitationSources> {
  const ctx = await originContext(view.storage, { origin_url: origin })
  return sourcesOfContext(view, ctx, contextTarget(ctx))
}

/** Sources of a citation of an object seen in a browse context (`target`: its SWHID text). */
export async function sourcesOfContext(
  view: MaskedView,
  ctx: BrowseContext,
  target: string | null,
): Promise<CitationSources> {
  if (!ctx.root || target === null)
    throw new NotFoundError(
      `No root directory for the latest visit snapshot main branch of origin ${ctx.origin ?? ''} found.`,
    )
  const found = await read(view, ctx.root, `origin ${ctx.origin ?? ''}`)
  return {
    target: parseQualifiedSwhid(target),
    targetText: target,
    found,
    origin: ctx.origin,
    visitDate: ctx.visitStatus?.date ?? ctx.visit?.date ?? null,
  }
}

/** `source_swhid`: the metadata file, with the cited object's context, as SWH qualifies it. */
function sourceSwhid(s: CitationSources, fileId: string, name: string): string {
  const t = s.target
  const q: { -readonly [K in keyof SwhidQualifiers]: SwhidQualifiers[K] } = {}
  if (t.qualifiers.origin) q.origin = t.qualifiers.origin
  if (t.qualifiers.visit) q.visit = t.qualifiers.visit
  if (t.qualifiers.anchor) q.anchor = t.qualifiers.anchor
  else if (t.type === 'dir' || t.type === 'rev' || t.type === 'rel')
    q.anchor = { type: t.type, id: t.id }
  else if (t.type === 'snp') q.visit = { type: 'snp', id: t.id }
  q.path = utf8(`/${s.found.path}${name}`)
  return formatSwhid({ type: 'cnt', id: fileId, qualifiers: q })
}

/** Writes the citation answer of found sources in `format`. */
export function citationAnswer(
  s: CitationSources,
  format: CitationFormat,
  apiBase: string,
): CitationAnswer {
  const found = s.found
  const warnings = found.files.filter((f) => f.error !== null).map((f) => f.error!)
  if (!found.source)
    warnings.push(
      found.files.length === 0
        ? 'No metadata file (CITATION.cff, codemeta.json, package.json, pyproject.toml) at the root directory: the citation is made from the origin URL and the visit date.'
        : 'No usable metadata file: the citation is made from the origin URL and the visit date.',
    )
  const content = citation(
    {
      metadata: found.metadata,
      target: citationTarget(s.targetText),
      origin: s.origin,
      visitDate: s.visitDate,
    },
    format,
  )
  const src = found.source
  return {
    format,
    content,
    source_swhid: src ? sourceSwhid(s, src.id, src.name) : null,
    source_url: src ? `${apiBase}/api/1/content/sha1_git:${src.id}/raw/` : null,
    error: null,
    warning: warnings.length > 0 ? warnings.join('\n') : null,
    target_swhid: s.targetText,
    metadata_files: found.files.map((f) => ({
      name: f.name,
      swhid: swhidString('cnt', f.id),
      error: f.error,
    })),
  }
}
