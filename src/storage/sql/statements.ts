/**
 * Statement helpers shared by the object modules: chunked multi-row inserts that ignore
 * existing keys, lookups of many keys at once, de-duplication and numeric page tokens.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { b, hex, type Row } from './rows.js'

/** Rows per multi-row statement (keeps parameters under both engines' limits). */
const CHUNK = 400

/** `items` cut into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function placeholders(rows: number, cols: number): string {
  const one = `(${new Array<string>(cols).fill('?').join(', ')})`
  return new Array<string>(rows).fill(one).join(', ')
}

/** `(?, ?, …)` with `n` placeholders. */
export function inList(n: number): string {
  return `(${new Array<string>(n).fill('?').join(', ')})`
}

/** Unique objects by key, first occurrence kept. */
export function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>()
  const out: T[] = []
  for (const it of items) {
    const k = key(it)
    if (!seen.has(k)) {
      seen.add(k)
      out.push(it)
    }
  }
  return out
}

/** The page token of a numeric position. */
export function token(n: number): string {
  return String(n)
}

/** The numeric position of a page token; null when there is none. */
export function parseToken(t: string | null | undefined, what: string): number | null {
  if (t === null || t === undefined || t === '') return null
  if (!/^\d{1,15}$/.test(t)) throw new InvalidInputError(`Invalid ${what} page token "${t}"`)
  return Number(t)
}

/**
 * Inserts rows, ignoring existing keys; returns how many were new. Where the executor runs a
 * prepared statement per row cheaply (SQLite), one row per run; else multi-row statements.
 */
export async function insert(
  tx: SqlExecutor,
  table: string,
  cols: readonly string[],
  rows: readonly SqlValue[][],
): Promise<number> {
  if (rows.length === 0) return 0
  if (tx.runEach)
    return tx.runEach(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${placeholders(1, cols.length)} ON CONFLICT DO NOTHING`,
      rows,
    )
  let added = 0
  for (const part of chunks(rows, Math.max(1, Math.floor((CHUNK * 8) / cols.length)))) {
    added += await tx.run(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${placeholders(part.length, cols.length)} ON CONFLICT DO NOTHING`,
      part.flat(),
    )
  }
  return added
}

/** Inserts rows, ignoring existing keys; returns the keys (as hex, column `key`) of the new ones. */
export async function insertReturning(
  tx: SqlExecutor,
  table: string,
  cols: readonly string[],
  rows: readonly SqlValue[][],
  key: string,
): Promise<Set<string>> {
  const added = new Set<string>()
  for (const part of chunks(rows, Math.max(1, Math.floor((CHUNK * 8) / cols.length)))) {
    const got = await tx.all<Row>(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${placeholders(part.length, cols.length)} ON CONFLICT DO NOTHING RETURNING ${key}`,
      part.flat(),
    )
    for (const r of got) added.add(hex(r[key]))
  }
  return added
}

/** The keys (as hex) among `ids` that `table` holds in `col`. */
export async function existing(
  db: SqlExecutor,
  table: string,
  col: string,
  ids: readonly Uint8Array[],
): Promise<Set<string>> {
  const found = new Set<string>()
  for (const part of chunks(ids)) {
    const rows = await db.all<Row>(
      `SELECT ${col} AS k FROM ${table} WHERE ${col} IN ${inList(part.length)}`,
      part,
    )
    for (const r of rows) found.add(hex(r['k']))
  }
  return found
}

/** The hex ids (each once) that `table` does not hold in `col`. */
export async function absentIds(
  db: SqlExecutor,
  table: string,
  col: string,
  ids: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(ids)]
  const found = await existing(db, table, col, unique.map(b))
  return unique.filter((id) => !found.has(id))
}

/** The rows of `table` whose `col` is one of the hex `ids`, by hex id. */
export async function getRows(
  db: SqlExecutor,
  table: string,
  col: string,
  ids: readonly string[],
  select = '*',
): Promise<Map<string, Row>> {
  const out = new Map<string, Row>()
  const unique = [...new Set(ids)]
  for (const part of chunks(unique)) {
    const rows = await db.all<Row>(
      `SELECT ${select} FROM ${table} WHERE ${col} IN ${inList(part.length)}`,
      part.map(b),
    )
    for (const r of rows) out.set(hex(r[col]), r)
  }
  return out
}

/**
 * As {@link getRows}, keyed by the hex of `col` as the database writes it (`lower(hex(…))`,
 * `encode(…, 'hex')`), which `select` need not name: one string a row instead of a Buffer (with
 * its own external memory, which makes V8 collect sooner) made hex again. For the readers of a
 * clone's walk, which ask for every tree, commit and blob of a history.
 */
export async function getRowsByHexKey(
  db: SqlExecutor,
  table: string,
  col: string,
  ids: readonly string[],
  select: string,
): Promise<Map<string, Row>> {
  const key = db.dialect === 'postgres' ? `encode(${col}, 'hex')` : `lower(hex(${col}))`
  const out = new Map<string, Row>()
  const unique = [...new Set(ids)]
  for (const part of chunks(unique)) {
    const rows = await db.all<Row>(
      `SELECT ${key} AS hex_key, ${select} FROM ${table} WHERE ${col} IN ${inList(part.length)}`,
      part.map(b),
    )
    for (const r of rows) out.set(r['hex_key'] as string, r)
  }
  return out
}
