/**
 * Object counters, kept in the same transaction as the rows they count.
 *
 * @module
 */

import type { Counters, ObjectKind } from '../interface.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { num, type Row, str } from './rows.js'
import { insert } from './statements.js'

/** Adds `n` to the counter of `kind` (inside the adding transaction). */
export async function bump(tx: SqlExecutor, kind: ObjectKind, n: number): Promise<void> {
  if (n > 0) await tx.run('UPDATE counter SET value = value + ? WHERE kind = ?', [n, kind])
}

/**
 * Inserts rows into the table named like `kind` (existing keys ignored) and counts the new
 * ones, in one transaction; returns how many were new.
 */
export async function addCounted(
  db: SqlExecutor,
  kind: ObjectKind,
  cols: readonly string[],
  rows: readonly SqlValue[][],
): Promise<number> {
  return db.transaction(async (tx) => {
    const n = await insert(tx, kind, cols, rows)
    await bump(tx, kind, n)
    return n
  })
}

/** Every counter. */
export async function statCounters(db: SqlExecutor): Promise<Counters> {
  const rows = await db.all<Row>('SELECT kind, value FROM counter')
  const out: Record<string, number> = {}
  for (const r of rows) out[str(r['kind'])] = num(r['value'])
  return out as Counters
}
