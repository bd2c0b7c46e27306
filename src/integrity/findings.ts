/**
 * What fsck finds, and the two ways it reports it: a text summary and JSON.
 *
 * Problems:
 * - `corrupt`: a stored object that does not hash to its id (its row was altered), a row that
 *   no longer decodes, or content bytes that do not match the content's hashes or length;
 * - `missing`: a content row whose bytes are not in the content store;
 * - `dangling`: a stored object that references an object the archive does not hold (a
 *   directory's file or sub-directory entry, a revision's root directory or parent, a release's
 *   target, a snapshot branch's target, a visit status's snapshot). Submodule entries (`rev`
 *   entries of directories) point into other repositories and are never dangling.
 *
 * @module
 */

/** Kinds fsck checks (the SWHID core kinds, and visit statuses). */
export type FsckKind =
  'content' | 'directory' | 'revision' | 'release' | 'snapshot' | 'origin_visit_status'

/** A problem found. */
export type FsckProblem = 'corrupt' | 'missing' | 'dangling'

/** One finding. */
export interface FsckFinding {
  readonly kind: FsckKind
  /** The object found broken (for a visit status: its origin's `swh:1:ori:` SWHID). */
  readonly swhid: string
  readonly problem: FsckProblem
  /** A sentence saying what is wrong. */
  readonly detail: string
  /** For `dangling`: the SWHID of the absent object referenced. */
  readonly target?: string
  /** For a visit status: the origin URL and visit number. */
  readonly origin?: string
  readonly visit?: number
}

/** Objects checked, per kind. */
export type FsckCounts = Record<FsckKind, number>

/** The result of a whole fsck run. */
export interface FsckReport {
  readonly clean: boolean
  readonly checked: Readonly<FsckCounts>
  readonly findings: readonly FsckFinding[]
  /** Whether this run continued an interrupted one. */
  readonly resumed: boolean
}

/** Zero counts of every kind. */
export function zeroCounts(): FsckCounts {
  return {
    content: 0,
    directory: 0,
    revision: 0,
    release: 0,
    snapshot: 0,
    origin_visit_status: 0,
  }
}

const SINGULAR: Readonly<Record<FsckKind, string>> = {
  content: 'content',
  directory: 'directory',
  revision: 'revision',
  release: 'release',
  snapshot: 'snapshot',
  origin_visit_status: 'visit status',
}

/** Each kind's name in the plural, as reports and progress lines write it. */
export const FSCK_KIND_PLURAL: Readonly<Record<FsckKind, string>> = {
  content: 'contents',
  directory: 'directories',
  revision: 'revisions',
  release: 'releases',
  snapshot: 'snapshots',
  origin_visit_status: 'visit statuses',
}

/** The text report: one line per finding, then a summary line. */
export function reportText(report: FsckReport): string {
  const lines = report.findings.map((f) => `${f.problem} ${f.swhid}: ${f.detail}`)
  const checked = (Object.keys(FSCK_KIND_PLURAL) as FsckKind[])
    .map(
      (k) =>
        `${report.checked[k].toLocaleString('en')} ${report.checked[k] === 1 ? SINGULAR[k] : FSCK_KIND_PLURAL[k]}`,
    )
    .join(', ')
  const by = (p: FsckProblem): number => report.findings.filter((f) => f.problem === p).length
  lines.push(
    `checked ${checked}${report.resumed ? ' (resumed run)' : ''}`,
    report.clean
      ? 'no problems found'
      : `${report.findings.length} problem${report.findings.length === 1 ? '' : 's'}: ${by('corrupt')} corrupt, ${by('missing')} missing, ${by('dangling')} dangling`,
  )
  return lines.join('\n') + '\n'
}

/** The JSON report: one document. */
export function reportJson(report: FsckReport): string {
  return (
    JSON.stringify({
      clean: report.clean,
      resumed: report.resumed,
      checked: report.checked,
      findings: report.findings,
    }) + '\n'
  )
}
