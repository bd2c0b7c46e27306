/**
 * Versioned schema of the graph store, rendered for SQLite and PostgreSQL from one definition.
 * Migrations are numbered and applied in order, each in a transaction, recorded in
 * `schema_migration`. Never edit a released migration: add a new one.
 *
 * Design for billions of objects: ids are 20-byte blobs (not hex text); directory entries,
 * revision parents and extra headers are packed blobs inside their object's row (see
 * `../codec.ts`), so there is one row per object; snapshot branches have a row each (snapshots
 * are paged by branch name); only the lookups the API needs are indexed.
 *
 * @module
 */

import type { Dialect, Migration } from './executor.js'
import { V15_EXTRINSIC_METADATA } from './schema-v15.js'

function render(dialect: Dialect, sql: string): string {
  if (dialect === 'sqlite') return sql.replace(/\bBYTES\b/g, 'BLOB').replace(/\bINT8\b/g, 'INTEGER')
  return sql
    .replace(/\bBYTES\b/g, 'BYTEA')
    .replace(/\bINT8\b/g, 'BIGINT')
    .replace(/\s*WITHOUT ROWID/g, '')
    .replace(/INTEGER PRIMARY KEY AUTOINCREMENT/g, 'BIGSERIAL PRIMARY KEY')
}

const V1 = [
  `CREATE TABLE content (
     sha1_git BYTES PRIMARY KEY, sha1 BYTES NOT NULL, sha256 BYTES NOT NULL,
     blake2s256 BYTES NOT NULL, length INT8 NOT NULL, status TEXT NOT NULL, ctime INT8
   ) WITHOUT ROWID`,
  `CREATE INDEX content_sha1 ON content (sha1)`,
  `CREATE INDEX content_sha256 ON content (sha256)`,
  `CREATE INDEX content_blake2s256 ON content (blake2s256)`,
  `CREATE TABLE skipped_content (
     hash_key BYTES PRIMARY KEY, sha1 BYTES, sha1_git BYTES, sha256 BYTES, blake2s256 BYTES,
     length INT8, reason TEXT NOT NULL, origin TEXT, ctime INT8
   ) WITHOUT ROWID`,
  `CREATE INDEX skipped_content_sha1_git ON skipped_content (sha1_git)`,
  `CREATE TABLE directory (id BYTES PRIMARY KEY, entries BYTES NOT NULL, raw_manifest BYTES) WITHOUT ROWID`,
  `CREATE TABLE revision (
     id BYTES PRIMARY KEY, directory BYTES NOT NULL, parents BYTES NOT NULL,
     author BYTES, committer BYTES,
     date_seconds INT8, date_micro INT8, date_offset BYTES,
     committer_date_seconds INT8, committer_date_micro INT8, committer_date_offset BYTES,
     message BYTES, type TEXT NOT NULL, synthetic INT8 NOT NULL, metadata TEXT,
     extra_headers BYTES NOT NULL, raw_manifest BYTES
   ) WITHOUT ROWID`,
  `CREATE TABLE release (
     id BYTES PRIMARY KEY, target BYTES, target_type TEXT NOT NULL, name BYTES NOT NULL,
     message BYTES, author BYTES, date_seconds INT8, date_micro INT8, date_offset BYTES,
     synthetic INT8 NOT NULL, raw_manifest BYTES
   ) WITHOUT ROWID`,
  `CREATE TABLE snapshot (id BYTES PRIMARY KEY, branch_count INT8 NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE snapshot_branch (
     snapshot_id BYTES NOT NULL, name BYTES NOT NULL, target_type TEXT, target BYTES,
     PRIMARY KEY (snapshot_id, name)
   ) WITHOUT ROWID`,
  `CREATE TABLE origin (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, sha1 BYTES NOT NULL UNIQUE)`,
  `CREATE TABLE origin_visit (
     origin_id INT8 NOT NULL, visit INT8 NOT NULL, date INT8 NOT NULL, type TEXT NOT NULL,
     PRIMARY KEY (origin_id, visit)
   ) WITHOUT ROWID`,
  `CREATE INDEX origin_visit_type ON origin_visit (type, origin_id)`,
  `CREATE TABLE origin_visit_status (
     origin_id INT8 NOT NULL, visit INT8 NOT NULL, date INT8 NOT NULL, status TEXT NOT NULL,
     snapshot BYTES, type TEXT NOT NULL, metadata TEXT,
     PRIMARY KEY (origin_id, visit, date)
   ) WITHOUT ROWID`,
  `CREATE TABLE extid (
     id BYTES PRIMARY KEY, extid_type TEXT NOT NULL, extid BYTES NOT NULL, extid_version INT8 NOT NULL,
     target_type TEXT NOT NULL, target BYTES NOT NULL, payload_type TEXT, payload BYTES
   ) WITHOUT ROWID`,
  `CREATE INDEX extid_extid ON extid (extid_type, extid)`,
  `CREATE INDEX extid_target ON extid (target)`,
  `CREATE TABLE counter (kind TEXT PRIMARY KEY, value INT8 NOT NULL) WITHOUT ROWID`,
  `INSERT INTO counter (kind, value) VALUES ('content', 0), ('skipped_content', 0),
     ('directory', 0), ('revision', 0), ('release', 0), ('snapshot', 0), ('origin', 0),
     ('origin_visit', 0), ('origin_visit_status', 0), ('extid', 0)`,
  `CREATE TABLE masking_request (
     id TEXT PRIMARY KEY, reason TEXT NOT NULL, date INT8 NOT NULL
   ) WITHOUT ROWID`,
  `CREATE TABLE masked_object (
     swhid TEXT NOT NULL, request_id TEXT NOT NULL, state TEXT NOT NULL,
     PRIMARY KEY (swhid, request_id)
   ) WITHOUT ROWID`,
]

const V2 = [
  // Web API bearer tokens: only a SHA-256 of each secret is kept.
  `CREATE TABLE api_token (
     id TEXT PRIMARY KEY, secret_hash BYTES NOT NULL UNIQUE, name TEXT NOT NULL,
     scopes TEXT NOT NULL, created INT8 NOT NULL, revoked INT8
   ) WITHOUT ROWID`,
]

// Visit and status dates in microseconds (Software Heritage's precision; they were milliseconds),
// and every status kept: `seq` orders the statuses of one date as they were added, where the old
// key (origin, visit, date) dropped a second status of the same millisecond.
const V4 = [
  `UPDATE origin_visit SET date = date * 1000`,
  `CREATE TABLE origin_visit_status_v4 (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     origin_id INT8 NOT NULL, visit INT8 NOT NULL, date INT8 NOT NULL, status TEXT NOT NULL,
     snapshot BYTES, type TEXT NOT NULL, metadata TEXT
   )`,
  `INSERT INTO origin_visit_status_v4 (origin_id, visit, date, status, snapshot, type, metadata)
     SELECT origin_id, visit, date * 1000, status, snapshot, type, metadata
     FROM origin_visit_status ORDER BY origin_id, visit, date`,
  `DROP TABLE origin_visit_status`,
  `ALTER TABLE origin_visit_status_v4 RENAME TO origin_visit_status`,
  `CREATE INDEX origin_visit_status_visit ON origin_visit_status (origin_id, visit, date, seq)`,
  `CREATE INDEX origin_visit_status_date ON origin_visit_status (date, seq)`,
]

// The `origin` counter counts origins with at least one visit (it counted every origin row,
// submodule URLs recorded by the loader included).
const V5 = [
  `UPDATE counter SET value = (SELECT COUNT(*) FROM origin o
     WHERE EXISTS (SELECT 1 FROM origin_visit v WHERE v.origin_id = o.id))
   WHERE kind = 'origin'`,
]

// Origin search: a trigram index on origin URLs, so that every word of a query (a substring,
// case-insensitive) is found without reading every row. PostgreSQL: pg_trgm's GIN operator
// class serves ILIKE directly. SQLite: an FTS5 trigram table over `origin` (external content),
// kept up to date by triggers and filled from the existing rows here.
function v6(dialect: Dialect): string[] {
  if (dialect === 'postgres') {
    // A database user that may not create the extension (pg_trgm is trusted, but needs the
    // CREATE privilege on the database) still gets a working archive: search then reads
    // every row, and a warning says why. An administrator who creates the extension later
    // adds the index with the second statement's CREATE INDEX.
    return [
      `DO $$ BEGIN
         CREATE EXTENSION IF NOT EXISTS pg_trgm;
       EXCEPTION WHEN insufficient_privilege THEN
         RAISE WARNING 'arca: the extension pg_trgm could not be created (%): origin search will read every row', SQLERRM;
       END $$`,
      `DO $$ BEGIN
         IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
           CREATE INDEX IF NOT EXISTS origin_url_trgm ON origin USING gin (url gin_trgm_ops);
         END IF;
       END $$`,
    ]
  }
  return [
    `CREATE VIRTUAL TABLE origin_fts USING fts5(url, content='origin', content_rowid='id', tokenize='trigram case_sensitive 0')`,
    `CREATE TRIGGER origin_fts_insert AFTER INSERT ON origin BEGIN
       INSERT INTO origin_fts (rowid, url) VALUES (new.id, new.url); END`,
    `CREATE TRIGGER origin_fts_delete AFTER DELETE ON origin BEGIN
       INSERT INTO origin_fts (origin_fts, rowid, url) VALUES ('delete', old.id, old.url); END`,
    `CREATE TRIGGER origin_fts_update AFTER UPDATE OF url ON origin BEGIN
       INSERT INTO origin_fts (origin_fts, rowid, url) VALUES ('delete', old.id, old.url);
       INSERT INTO origin_fts (rowid, url) VALUES (new.id, new.url); END`,
    `INSERT INTO origin_fts (origin_fts) VALUES ('rebuild')`,
  ]
}

// The fork index (docs/forks.md): the root revisions reachable from each origin's snapshots,
// looked up both ways (an origin's roots; the origins of a root).
const V7 = [
  `CREATE TABLE origin_root (
     origin_id INT8 NOT NULL, root BYTES NOT NULL, PRIMARY KEY (origin_id, root)
   ) WITHOUT ROWID`,
  `CREATE INDEX origin_root_root ON origin_root (root, origin_id)`,
]

// The origin metadata index (docs/citation.md, "Metadata search"): the intrinsic metadata of
// each origin's latest visit's root directory, searched by words. SQLite: FTS5 (its rowid is the
// origin's id, written with the row); PostgreSQL: a GIN index on the body's tsvector.
function v9(dialect: Dialect): string[] {
  const table = render(
    dialect,
    `CREATE TABLE origin_intrinsic_metadata (
       origin_id INT8 PRIMARY KEY, directory BYTES NOT NULL, mappings TEXT NOT NULL,
       metadata TEXT NOT NULL, body TEXT NOT NULL
     )`,
  )
  if (dialect === 'postgres')
    return [
      table,
      `CREATE INDEX origin_intrinsic_metadata_body ON origin_intrinsic_metadata
         USING gin (to_tsvector('simple', body))`,
    ]
  return [
    table,
    `CREATE VIRTUAL TABLE origin_intrinsic_metadata_fts USING fts5(body, tokenize='unicode61')`,
  ]
}

// The incremental fork index (docs/forks.md): roots recorded for marked revisions (snapshot
// heads, every 256th revision walked), where later walks stop; and the snapshot each origin's
// roots come from. Filled on ingest and by `arca forks reindex` (archives made before it).
function v10(dialect: Dialect): string[] {
  return [
    ...V10.map((s) => render(dialect, s)),
    // Document counts per trigram of the origin search index (trigram-stats.ts).
    ...(dialect === 'sqlite'
      ? [`CREATE VIRTUAL TABLE origin_fts_vocab USING fts5vocab(origin_fts, 'row')`]
      : []),
  ]
}

const V10 = [
  `CREATE TABLE fork_root_mark (
     revision BYTES NOT NULL, root BYTES NOT NULL, PRIMARY KEY (revision, root)
   ) WITHOUT ROWID`,
  `CREATE TABLE origin_fork_snapshot (
     origin_id INT8 PRIMARY KEY, snapshot BYTES NOT NULL
   ) WITHOUT ROWID`,
]

// Removal (docs/removal.md): reverse references through indexes (what names a snapshot, what
// a branch, a release or a revision's root directory points to), and the audit trail: one row per
// removal, with its plan (the SWHIDs in deletion order) so that a killed removal resumes.
const V11 = [
  `CREATE INDEX origin_visit_status_snapshot ON origin_visit_status (snapshot)`,
  `CREATE INDEX snapshot_branch_target ON snapshot_branch (target)`,
  `CREATE INDEX release_target ON release (target)`,
  `CREATE INDEX revision_directory ON revision (directory)`,
  `CREATE TABLE removal (
     id TEXT PRIMARY KEY, date INT8 NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
     roots TEXT NOT NULL, counts TEXT NOT NULL, state TEXT NOT NULL, bundle TEXT, finished INT8
   ) WITHOUT ROWID`,
  `CREATE TABLE removal_object (
     removal_id TEXT NOT NULL, seq INT8 NOT NULL, swhid TEXT NOT NULL,
     PRIMARY KEY (removal_id, seq)
   ) WITHOUT ROWID`,
]

// The graph API (docs/graph-api.md): reverse edges of what rows keep packed (directory entries,
// revision parents), so that backward traversals find referrers by index. Kept on ingest; an
// archive that already held directories or revisions fills them with `arca graph reindex`
// (`graph_index` says which are complete, and where a killed reindex resumes).
const V18 = [
  `CREATE TABLE graph_dir_edge (
     target BYTES NOT NULL, dir BYTES NOT NULL, PRIMARY KEY (target, dir)
   ) WITHOUT ROWID`,
  `CREATE TABLE graph_rev_parent (
     parent BYTES NOT NULL, rev BYTES NOT NULL, PRIMARY KEY (parent, rev)
   ) WITHOUT ROWID`,
  `CREATE TABLE graph_index (
     name TEXT PRIMARY KEY, complete INT8 NOT NULL, resume BYTES
   ) WITHOUT ROWID`,
  `INSERT INTO graph_index (name, complete)
     SELECT 'directory', CASE WHEN EXISTS (SELECT 1 FROM directory) THEN 0 ELSE 1 END`,
  `INSERT INTO graph_index (name, complete)
     SELECT 'revision', CASE WHEN EXISTS (SELECT 1 FROM revision) THEN 0 ELSE 1 END`,
]
// The directory-entry reverse index as posting lists (graph-postings.ts): one row per entry
// target per write batch, the batch's directories holding it packed (20 bytes each, sorted),
// keyed by the first of them; migration 18's one row per entry of every directory version cost
// more than the directories themselves. The lists are rebuilt from the directories by `arca
// graph reindex` (paged, resumable: one transaction here would convert every row at once);
// until then the index is incomplete and the queries needing it answer so. PostgreSQL: the
// lists (random bytes) are stored out of line uncompressed rather than compressed in vain.
function v19(dialect: Dialect): string[] {
  return [
    render(
      dialect,
      `CREATE TABLE graph_dir_post (
         target BYTES NOT NULL, first_dir BYTES NOT NULL, dirs BYTES NOT NULL,
         PRIMARY KEY (target, first_dir)
       ) WITHOUT ROWID`,
    ),
    ...(dialect === 'postgres'
      ? ['ALTER TABLE graph_dir_post ALTER COLUMN dirs SET STORAGE EXTERNAL']
      : []),
    'DROP TABLE graph_dir_edge',
    `UPDATE graph_index SET complete = 0, resume = NULL
     WHERE name = 'directory' AND EXISTS (SELECT 1 FROM directory)`,
  ]
}

// Code search (docs/code-search.md): the distinct searchable texts (`code_blob`; text null when
// a content is binary, not UTF-8 or too large), the files of each origin's latest snapshot's
// head (`code_file`) and what was indexed (`code_origin`). The trigram index over the texts:
// SQLite an FTS5 `trigram` table (external content, kept by triggers), PostgreSQL pg_trgm's GIN
// operator class (tolerating a user that may not create the extension, as migration 6 does:
// search then reads every text).
function v14(dialect: Dialect): string[] {
  const tables = [
    `CREATE TABLE code_blob (
       id INTEGER PRIMARY KEY AUTOINCREMENT, sha1_git BYTES NOT NULL UNIQUE, text TEXT
     )`,
    `CREATE TABLE code_file (
       origin_id INT8 NOT NULL, path BYTES NOT NULL, blob_id INT8 NOT NULL,
       PRIMARY KEY (origin_id, path)
     ) WITHOUT ROWID`,
    `CREATE INDEX code_file_blob ON code_file (blob_id, origin_id)`,
    `CREATE TABLE code_origin (
       origin_id INT8 PRIMARY KEY, visit INT8 NOT NULL, snapshot BYTES NOT NULL, revision BYTES
     ) WITHOUT ROWID`,
  ].map((s) => render(dialect, s))
  if (dialect === 'postgres')
    return [
      ...tables,
      `DO $$ BEGIN
         CREATE EXTENSION IF NOT EXISTS pg_trgm;
       EXCEPTION WHEN insufficient_privilege THEN
         RAISE WARNING 'arca: the extension pg_trgm could not be created (%): code search will read every text', SQLERRM;
       END $$`,
      `DO $$ BEGIN
         IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
           CREATE INDEX IF NOT EXISTS code_blob_text_trgm ON code_blob USING gin (text gin_trgm_ops);
         END IF;
       END $$`,
    ]
  return [
    ...tables,
    `CREATE VIRTUAL TABLE code_fts USING fts5(text, content='code_blob', content_rowid='id', tokenize='trigram case_sensitive 0')`,
    `CREATE TRIGGER code_fts_insert AFTER INSERT ON code_blob WHEN new.text IS NOT NULL BEGIN
       INSERT INTO code_fts (rowid, text) VALUES (new.id, new.text); END`,
    `CREATE TRIGGER code_fts_delete AFTER DELETE ON code_blob WHEN old.text IS NOT NULL BEGIN
       INSERT INTO code_fts (code_fts, rowid, text) VALUES ('delete', old.id, old.text); END`,
  ]
}
// Provenance (docs/provenance.md): the first occurrence of every content and directory (earliest
// revision by committer date, the origin it was indexed from, the shallowest path), the
// revisions whose trees are indexed, and which origins' histories hold which revisions (the full
// lists walk up the graph's reverse entry edges, migration 18). Filled on ingest when a visit
// status names a snapshot, and by `arca provenance reindex`.
const V13 = [
  `CREATE TABLE provenance_first (
     id BYTES PRIMARY KEY, kind INT8 NOT NULL, revision BYTES NOT NULL, date INT8 NOT NULL,
     origin_id INT8, path BYTES NOT NULL
   ) WITHOUT ROWID`,
  `CREATE TABLE provenance_revision (id BYTES PRIMARY KEY, date INT8 NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE provenance_origin_revision (
     revision BYTES NOT NULL, origin_id INT8 NOT NULL, PRIMARY KEY (revision, origin_id)
   ) WITHOUT ROWID`,
]

/** Every migration, in order. */
export function migrations(dialect: Dialect): Migration[] {
  return [
    { version: 1, description: 'initial schema', statements: V1.map((s) => render(dialect, s)) },
    { version: 2, description: 'api tokens', statements: V2.map((s) => render(dialect, s)) },
    {
      version: 3,
      description: 'recent visit statuses',
      statements: [
        render(dialect, 'CREATE INDEX origin_visit_status_date ON origin_visit_status (date)'),
      ],
    },
    {
      version: 4,
      description: 'microsecond visit dates, every visit status kept',
      statements: V4.map((s) => render(dialect, s)),
    },
    {
      version: 5,
      description: 'origin counter: origins with a visit',
      statements: V5.map((s) => render(dialect, s)),
    },
    { version: 6, description: 'origin search: trigram index on URLs', statements: v6(dialect) },
    { version: 7, description: 'fork index', statements: V7.map((s) => render(dialect, s)) },
    { version: 9, description: 'origin metadata index', statements: v9(dialect) },
    {
      version: 10,
      description: 'incremental fork index; origin search trigram counts',
      statements: v10(dialect),
    },
    {
      version: 11,
      description: 'removal: reverse-reference indexes, audit',
      statements: V11.map((s) => render(dialect, s)),
    },
    {
      version: 13,
      description: 'provenance: first occurrences, indexed revisions, origin histories',
      statements: V13.map((s) => render(dialect, s)),
    },
    {
      version: 14,
      description: 'code search: trigram index on contents',
      statements: v14(dialect),
    },
    {
      version: 15,
      description: 'raw extrinsic metadata, authorities, fetchers',
      statements: V15_EXTRINSIC_METADATA.map((s) => render(dialect, s)),
    },
    {
      version: 16,
      description: 'code search and provenance anchored on releases and directories',
      statements: [
        // the anchor's type (rev, rel, dir) of code_origin.revision and provenance_first.revision:
        // null for a revision, as every row written before
        'ALTER TABLE code_origin ADD COLUMN anchor_type TEXT',
        'ALTER TABLE provenance_first ADD COLUMN anchor_type TEXT',
      ],
    },
    {
      version: 18,
      description: 'graph API: reverse edges of directory entries and revision parents',
      statements: V18.map((s) => render(dialect, s)),
    },
    {
      version: 19,
      description: 'graph API: directory entries reverse index as posting lists',
      statements: v19(dialect),
    },
    {
      version: 22,
      description: 'code search: texts compressed with lz4 on PostgreSQL',
      statements: dialect === 'postgres' ? [V22_LZ4] : [],
    },
  ]
}

// Code search reads (decompresses) every candidate text the trigram index names: lz4 does so
// several times faster than PostgreSQL's default pglz, for a few percent more space. Texts
// written from now on; a server built without lz4 (or older than PostgreSQL 14) keeps pglz.
const V22_LZ4 = `DO $$ BEGIN
  ALTER TABLE code_blob ALTER COLUMN text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
  RAISE WARNING 'arca: code search texts stay compressed with pglz (%)', SQLERRM;
END $$`
