/**
 * Intrinsic metadata of archived trees (CITATION.cff, codemeta.json, package.json,
 * pyproject.toml) and the citations made from it (BibTeX, CSL-JSON, CITATION.cff, CodeMeta).
 *
 * @module
 */

export {
  citation,
  CITATION_FORMATS,
  CITATION_MEDIA_TYPES,
  type CitationFormat,
  parseCitationFormat,
} from './cite.js'
export {
  indexOriginMetadata,
  type IndexOutcome,
  latestRootDirectory,
  type MetadataIndexTarget,
} from './index-origin.js'
export {
  type CitationInput,
  type CitationTarget,
  citationTarget,
  citedMetadata,
  fallbackMetadata,
} from './input.js'
export {
  MAX_METADATA_FILE_BYTES,
  type MetadataSource,
  parseMetadataFile,
  readIntrinsicMetadata,
} from './read.js'
export { MetadataParseError } from './read-cff-codemeta.js'
export {
  type IntrinsicMetadata,
  isEmptyMetadata,
  mergeMetadata,
  METADATA_FILE_KINDS,
  METADATA_FILE_NAMES,
  type MetadataFile,
  type MetadataFileKind,
  type MetadataPerson,
  type SoftwareMetadata,
} from './record.js'
