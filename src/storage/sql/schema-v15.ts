/**
 * Migration 15 (docs/metadata.md): raw extrinsic metadata, with the authorities and fetchers
 * it names. A metadata row keeps its authority and fetcher by their natural keys, so reading by
 * target and authority is one index range, in (discovery date, id) order.
 *
 * @module
 */

/** Statements of migration 15 (BYTES, INT8 and WITHOUT ROWID rendered per dialect). */
export const V15_EXTRINSIC_METADATA: readonly string[] = [
  `CREATE TABLE metadata_authority (
     type TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (type, url)
   ) WITHOUT ROWID`,
  `CREATE TABLE metadata_fetcher (
     name TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (name, version)
   ) WITHOUT ROWID`,
  `CREATE TABLE raw_extrinsic_metadata (
     id BYTES PRIMARY KEY, target TEXT NOT NULL, discovery_date INT8 NOT NULL,
     authority_type TEXT NOT NULL, authority_url TEXT NOT NULL,
     fetcher_name TEXT NOT NULL, fetcher_version TEXT NOT NULL,
     format TEXT NOT NULL, metadata BYTES NOT NULL,
     origin TEXT, visit INT8, snapshot TEXT, release TEXT, revision TEXT, path BYTES,
     directory TEXT
   ) WITHOUT ROWID`,
  `CREATE INDEX raw_extrinsic_metadata_target
     ON raw_extrinsic_metadata (target, authority_type, authority_url, discovery_date, id)`,
]
