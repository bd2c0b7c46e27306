/**
 * A scratch key-value store for one load: the loader reads every tree and commit of the pack
 * once, in pack order (cheap for git, whose deltas chain in that order), and keeps them here,
 * on disk, so that the bottom-up walks that follow look objects up synchronously without a
 * round trip to git each, and without holding the whole pack in memory.
 *
 * @module
 */

import Database from 'better-sqlite3'

/** Bytes of object bodies kept in memory before the store spills to its SQLite file. */
export const DEFAULT_SCRATCH_MEMORY = 24 << 20

/**
 * Objects by id: in memory up to a byte budget, then in an SQLite file inside the scratch
 * directory (memory stays bounded whatever the size of the pack).
 *
 * @example
 * ```ts
 * const db = new ScratchDb('/tmp/scratch/objects.sqlite')
 * db.put('tree', oid, body)
 * db.get('tree', oid)
 * ```
 */
export class ScratchDb {
  readonly #memory = new Map<string, Uint8Array>()
  #memoryBytes = 0
  readonly #budget: number
  readonly #path: string
  #disk: DiskStore | null = null

  constructor(path: string, memoryBudget = DEFAULT_SCRATCH_MEMORY) {
    this.#path = path
    this.#budget = memoryBudget
  }

  /** Records an object body. */
  put(kind: string, oid: string, body: Uint8Array): void {
    if (this.#memoryBytes + body.length <= this.#budget) {
      this.#memory.set(kind + oid, body)
      this.#memoryBytes += body.length
      return
    }
    this.#disk ??= new DiskStore(this.#path)
    this.#disk.put(kind, oid, body)
  }

  flush(): void {
    this.#disk?.flush()
  }

  /** The body of an object, or null. */
  get(kind: string, oid: string): Uint8Array | null {
    return this.#memory.get(kind + oid) ?? this.#disk?.get(kind, oid) ?? null
  }

  close(): void {
    this.#memory.clear()
    this.#disk?.close()
  }
}

class DiskStore {
  readonly #db: Database.Database
  readonly #put: Database.Statement
  readonly #get: Database.Statement
  #pending: [string, Buffer, Uint8Array][] = []

  constructor(path: string) {
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = OFF')
    this.#db.pragma('synchronous = OFF')
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS object (kind TEXT NOT NULL, id BLOB NOT NULL, body BLOB NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID',
    )
    this.#put = this.#db.prepare('INSERT OR REPLACE INTO object (kind, id, body) VALUES (?, ?, ?)')
    this.#get = this.#db.prepare('SELECT body FROM object WHERE kind = ? AND id = ?').pluck()
  }

  /** Records an object body (written in batches). */
  put(kind: string, oid: string, body: Uint8Array): void {
    this.#pending.push([kind, Buffer.from(oid, 'hex'), body])
    if (this.#pending.length >= 2000) this.flush()
  }

  flush(): void {
    const rows = this.#pending
    this.#pending = []
    this.#db.transaction(() => {
      for (const r of rows) this.#put.run(...r)
    })()
  }

  /** The body of an object, or null. */
  get(kind: string, oid: string): Buffer | null {
    if (this.#pending.length > 0) this.flush()
    return (this.#get.get(kind, Buffer.from(oid, 'hex')) as Buffer | undefined) ?? null
  }

  close(): void {
    this.#db.close()
  }
}
