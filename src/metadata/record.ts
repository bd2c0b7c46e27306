/**
 * The normalised record of a software's intrinsic metadata: what CITATION.cff, codemeta.json,
 * package.json and pyproject.toml say, mapped onto one shape (CodeMeta's terms), and the files
 * it was read from.
 *
 * @module
 */

/** A person or an organisation credited (author). */
export interface MetadataPerson {
  /** The full name as written (always set: from the parts when only they are given). */
  readonly name: string
  readonly given?: string
  readonly family?: string
  /** ORCID as a URL (`https://orcid.org/0000-…`). */
  readonly orcid?: string
  readonly email?: string
  readonly affiliation?: string
  /** An organisation (CFF entity, CodeMeta `Organization`): its name is not split. */
  readonly organization?: boolean
}

/** The normalised record. Absent means the files did not say. */
export interface SoftwareMetadata {
  readonly title?: string
  readonly authors?: readonly MetadataPerson[]
  readonly version?: string
  readonly description?: string
  /** SPDX license identifiers (`MIT`, `GPL-3.0-or-later`), or the text given when not one. */
  readonly license?: readonly string[]
  /** Where the source code is (CodeMeta `codeRepository`, CFF `repository-code`). */
  readonly repository?: string
  /** Home page (CodeMeta `url`, CFF `url`). */
  readonly url?: string
  readonly keywords?: readonly string[]
  /** Date of the release (ISO 8601 `YYYY-MM-DD`). */
  readonly dateReleased?: string
  /** DOI, bare (`10.5281/zenodo.1234`). */
  readonly doi?: string
}

/** The metadata files Arca reads, in precedence order (first wins, field by field). */
export const METADATA_FILE_KINDS = ['cff', 'codemeta', 'package', 'pyproject'] as const

/** Which kind of metadata file. */
export type MetadataFileKind = (typeof METADATA_FILE_KINDS)[number]

/** Root-directory names of each kind (exact names, as Software Heritage looks them up). */
export const METADATA_FILE_NAMES: Readonly<Record<MetadataFileKind, readonly string[]>> = {
  cff: ['CITATION.cff', 'citation.cff'],
  codemeta: ['codemeta.json', 'CODEMETA.json'],
  package: ['package.json'],
  pyproject: ['pyproject.toml'],
}

/** One metadata file found at the root, read or not. */
export interface MetadataFile {
  readonly kind: MetadataFileKind
  /** Its name in the directory. */
  readonly name: string
  /** Its content's sha1_git. */
  readonly id: string
  /** Why it could not be used (invalid JSON/YAML/TOML, too large, withheld), or null. */
  readonly error: string | null
}

/** What was read from a root directory. */
export interface IntrinsicMetadata {
  /** The directory read (the root, or its only subdirectory, as Software Heritage does). */
  readonly directory: string
  /** Path of that directory below the root: `''`, or `'<only subdirectory>/'`. */
  readonly path: string
  readonly metadata: SoftwareMetadata
  /** Every metadata file found, in precedence order. */
  readonly files: readonly MetadataFile[]
  /** The file the record mostly comes from (the first usable one), or null when none is. */
  readonly source: MetadataFile | null
}

/** True when the record says nothing. */
export function isEmptyMetadata(m: SoftwareMetadata): boolean {
  return Object.values(m).every((v) => v === undefined)
}

/**
 * Merges records field by field: the first record that has a field gives it (so a
 * CITATION.cff's authors win over a package.json's, and the package.json still gives the
 * keywords a CITATION.cff lacks).
 */
export function mergeMetadata(records: readonly SoftwareMetadata[]): SoftwareMetadata {
  const out: Record<string, unknown> = {}
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (v !== undefined && out[k] === undefined) out[k] = v
    }
  }
  return out
}
