/**
 * Applies the numbered schema migrations not applied yet, each in one transaction.
 *
 * @module
 */

import type { Migration, SqlExecutor } from './executor.js'

/**
 * Runs the migrations of `migrations` that the bookkeeping table (`schema_migration` by default;
 * another area sharing the database keeps its own, e.g. `scheduler_migration`) does not list, in
 * order.
 */
export async function migrate(
  db: SqlExecutor,
  migrations: readonly Migration[],
  table = 'schema_migration',
): Promise<void> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad migration table name ${table}`)
  for (const m of migrations) {
    await db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        // One migrator at a time across processes (even creating the bookkeeping table races:
        // CREATE TABLE IF NOT EXISTS is not atomic in PostgreSQL).
        await tx.all('SELECT pg_advisory_xact_lock(4242001)')
      }
      await tx.run(
        `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)`,
      )
      const done = await tx.all(`SELECT version FROM ${table} WHERE version = ?`, [m.version])
      if (done.length > 0) return
      for (const s of m.statements) await tx.run(s)
      await tx.run(`INSERT INTO ${table} (version, description, applied_at) VALUES (?, ?, ?)`, [
        m.version,
        m.description,
        new Date().toISOString(),
      ])
    })
  }
}
