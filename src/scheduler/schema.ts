/**
 * The queue's tables, rendered for SQLite and PostgreSQL from one definition, recorded in their
 * own bookkeeping table (`scheduler_migration`) so they can share the archive's database with
 * the graph schema. Never edit a released migration: add a new one.
 *
 * Times are integer milliseconds since the epoch, given by the queue's clock (not the
 * database's), so both engines compare the same numbers and tests can move time.
 *
 * @module
 */

import type { Dialect, Migration } from '../storage/index.js'

/** Bookkeeping table of the scheduler's migrations. */
export const MIGRATION_TABLE = 'scheduler_migration'

function render(dialect: Dialect, sql: string): string {
  if (dialect === 'sqlite') return sql.replace(/\bINT8\b/g, 'INTEGER')
  return sql
    .replace(/INTEGER PRIMARY KEY AUTOINCREMENT/g, 'BIGSERIAL PRIMARY KEY')
    .replace(/\bINT8\b/g, 'BIGINT')
}

const V1 = [
  `CREATE TABLE task (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL, origin TEXT, args TEXT NOT NULL, priority INT8 NOT NULL,
     state TEXT NOT NULL, attempts INT8 NOT NULL, max_attempts INT8 NOT NULL,
     claims INT8 NOT NULL, not_before INT8 NOT NULL, created_at INT8 NOT NULL,
     started_at INT8, lease_until INT8, worker TEXT, finished_at INT8,
     last_error TEXT, result TEXT
   )`,
  // what claim scans: due tasks in priority order
  `CREATE INDEX task_ready ON task (priority DESC, not_before, id) WHERE state = 'queued'`,
  // what the reaper scans
  `CREATE INDEX task_lease ON task (lease_until) WHERE state = 'running'`,
  // the rule "one running task per origin", kept by the database itself
  `CREATE UNIQUE INDEX task_running_origin ON task (origin) WHERE state = 'running'`,
  // listing dead tasks (few, among many done ones); other states list from the indexes above
  // or from the primary key, so a completion updates as few indexes as possible
  `CREATE INDEX task_dead ON task (id) WHERE state = 'dead'`,
  `CREATE INDEX task_origin ON task (origin, id)`,
]

/**
 * Harvesting: task progress; the origins to visit again and again (as SWH's `listed_origins`)
 * and the statistics of their visits (as SWH's `origin_visit_stats`), with the time each is due
 * next; a row per periodic job that one process at a time runs.
 */
const V2 = [
  `ALTER TABLE task ADD COLUMN progress TEXT`,
  `CREATE TABLE listed_origin (
     url TEXT NOT NULL, visit_type TEXT NOT NULL, lister TEXT NOT NULL,
     enabled INT8 NOT NULL, first_seen INT8 NOT NULL, last_seen INT8 NOT NULL, last_update INT8,
     PRIMARY KEY (url, visit_type)
   )`,
  `CREATE TABLE origin_visit_stats (
     url TEXT NOT NULL, visit_type TEXT NOT NULL,
     last_visit INT8, last_visit_status TEXT, last_eventful INT8, last_uneventful INT8,
     last_failed INT8, last_not_found INT8, last_snapshot TEXT, last_scheduled INT8,
     successive_failures INT8 NOT NULL, interval_ms INT8 NOT NULL, next_visit_due INT8,
     PRIMARY KEY (url, visit_type)
   )`,
  // what scheduleDue walks: never-visited origins by due time, then visited ones by due time
  // (most lagging first); an origin out of the schedule (disabled) has no due time
  `CREATE INDEX visit_due_first ON origin_visit_stats (next_visit_due)
     WHERE next_visit_due IS NOT NULL AND last_visit IS NULL`,
  `CREATE INDEX visit_due_again ON origin_visit_stats (next_visit_due)
     WHERE next_visit_due IS NOT NULL AND last_visit IS NOT NULL`,
  `CREATE TABLE scheduler_job (name TEXT PRIMARY KEY, holder TEXT, next_run INT8 NOT NULL)`,
]

// Save Code Now: the requests people make (see save-requests.ts) and the operator's URL prefix
// lists. Dates are ms since the epoch except the visit's, kept as the ISO text the worker gave.
const V3 = [
  `CREATE TABLE save_request (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     visit_type TEXT NOT NULL, origin_url TEXT NOT NULL, request_date INT8 NOT NULL,
     status TEXT NOT NULL, note TEXT NOT NULL, task_id INT8,
     visit_date TEXT, visit_status TEXT, snapshot TEXT,
     requesters TEXT NOT NULL, webhook_origin TEXT NOT NULL
   )`,
  // the requests of one origin (duplicates, GET by origin), newest first
  `CREATE INDEX save_request_origin ON save_request (origin_url, visit_type, id)`,
  // what moderators list
  `CREATE INDEX save_request_status ON save_request (status, id)`,
  `CREATE TABLE save_url_prefix (
     list TEXT NOT NULL, prefix TEXT NOT NULL, added INT8 NOT NULL, PRIMARY KEY (list, prefix)
   )`,
]

// Listers: one row per lister instance (forge type and URL) with its resumable state (JSON),
// and what a forge says of a listed origin's fork parent.
const V4 = [
  `CREATE TABLE lister_instance (
     type TEXT NOT NULL, url TEXT NOT NULL, state TEXT NOT NULL, complete_state TEXT,
     status TEXT NOT NULL, last_run INT8, last_error TEXT, origins_found INT8 NOT NULL,
     PRIMARY KEY (type, url)
   )`,
  `ALTER TABLE listed_origin ADD COLUMN is_fork INT8`,
  `ALTER TABLE listed_origin ADD COLUMN forked_from_url TEXT`,
]

// Add Forge Now (see src/lister/forge-requests.ts): requests to list a whole forge, moderated, and
// the history of each (comments and status changes), as swh-web's `add_forge_request` and
// `add_forge_request_history`. Version 6 (5 is allocated elsewhere).
const V6 = [
  `CREATE TABLE add_forge_request (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     status TEXT NOT NULL, submission_date INT8 NOT NULL,
     submitter_name TEXT NOT NULL, submitter_email TEXT NOT NULL,
     submitter_forward_username INT8 NOT NULL,
     forge_type TEXT NOT NULL, forge_url TEXT NOT NULL UNIQUE,
     forge_contact_email TEXT NOT NULL, forge_contact_name TEXT NOT NULL,
     forge_contact_comment TEXT NOT NULL,
     last_moderator TEXT NOT NULL, last_modified_date INT8 NOT NULL, task_id INT8
   )`,
  `CREATE INDEX add_forge_request_status ON add_forge_request (status, id)`,
  `CREATE TABLE add_forge_request_history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     request_id INT8 NOT NULL, text TEXT NOT NULL, actor TEXT NOT NULL,
     actor_role TEXT NOT NULL, date INT8 NOT NULL, new_status TEXT
   )`,
  `CREATE INDEX add_forge_request_history_request ON add_forge_request_history (request_id, id)`,
]

/** The scheduler's migrations for `dialect`. */
export function schedulerMigrations(dialect: Dialect): Migration[] {
  return [
    { version: 1, description: 'task queue', statements: V1.map((s) => render(dialect, s)) },
    {
      version: 2,
      description: 'task progress, listed origins, visit statistics, periodic jobs',
      statements: V2.map((s) => render(dialect, s)),
    },
    {
      version: 3,
      description: 'save code now requests',
      statements: V3.map((s) => render(dialect, s)),
    },
    {
      version: 4,
      description: 'lister instances, fork columns of listed origins',
      statements: V4.map((s) => render(dialect, s)),
    },
    {
      version: 6,
      description: 'add forge now requests and their history',
      statements: V6.map((s) => render(dialect, s)),
    },
  ]
}
