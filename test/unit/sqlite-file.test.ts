import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'sqlite-open-race.mjs')

function racer(
  path: string,
  at: number,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, path, String(at)])
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

describe('openSqliteFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-sqlite-race-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  // A bare `PRAGMA journal_mode = WAL` fails with SQLITE_BUSY, busy timeout or not, about once
  // in a hundred such races on this machine (the failure CI once hit in the pack index).
  it('opens one new file from many processes at once, every one in WAL mode', async () => {
    const results = []
    for (let round = 0; round < 12; round++) {
      const path = join(dir, `race-${round}.sqlite`)
      const at = Date.now() + 500
      results.push(...(await Promise.all([0, 1, 2, 3].map(() => racer(path, at)))))
    }
    expect(results.filter((r) => r.code !== 0).map((r) => r.err)).toEqual([])
    expect(new Set(results.map((r) => r.out))).toEqual(new Set(['wal']))
  }, 120_000)
})
