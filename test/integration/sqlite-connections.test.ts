/**
 * Two connections of one process to one SQLite file: a write on one while the other's
 * transaction is suspended on an `await` must wait for it without blocking the event loop
 * (better-sqlite3 waits for SQLite's lock synchronously: the transaction could never resume,
 * and the write would fail with "database is locked" once the busy timeout had passed).
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { afterEach, describe, expect, it } from 'vitest'

import { SqliteDb } from '../../src/storage/sqlite/sqlite-db.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe('SQLite connections of one process', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) removeTemp(dir)
    dir = undefined
  })

  it('a write queues behind another connection’s open transaction, and both commit', async () => {
    dir = makeTemp('arca-sqlite-conn-')
    const path = join(dir, 'db.sqlite')
    const a = new SqliteDb({ path, busyTimeoutMs: 2000 })
    const b = new SqliteDb({ path, busyTimeoutMs: 2000 })
    try {
      await a.run('CREATE TABLE t (v INTEGER)')
      const order: string[] = []
      const txn = a.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (1)')
        order.push('a wrote')
        await sleep(300) // suspended with the write lock held
        await tx.run('INSERT INTO t VALUES (2)')
        order.push('a commits')
      })
      await sleep(20)
      const write = b.run('INSERT INTO t VALUES (3)').then(() => order.push('b wrote'))
      // the event loop stays free while b waits
      const ticks: number[] = []
      const timer = setInterval(() => ticks.push(Date.now()), 20)
      await Promise.all([txn, write])
      clearInterval(timer)
      expect(order).toEqual(['a wrote', 'a commits', 'b wrote'])
      expect(ticks.length).toBeGreaterThan(3)
      expect(await b.all<{ v: number }>('SELECT v FROM t ORDER BY v')).toEqual([
        { v: 1 },
        { v: 2 },
        { v: 3 },
      ])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('reads on the other connection go on during the transaction (WAL)', async () => {
    dir = makeTemp('arca-sqlite-conn-')
    const path = join(dir, 'db.sqlite')
    const a = new SqliteDb({ path })
    const b = new SqliteDb({ path })
    try {
      await a.run('CREATE TABLE t (v INTEGER)')
      await a.run('INSERT INTO t VALUES (1)')
      let read: number[] = []
      await a.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2)')
        read = (await b.all<{ v: number }>('SELECT v FROM t')).map((r) => r.v)
      })
      // b saw the last commit, not the uncommitted row
      expect(read).toEqual([1])
    } finally {
      await a.close()
      await b.close()
    }
  })
})
