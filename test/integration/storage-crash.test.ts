/**
 * Crash and concurrency tests with real processes: writers killed with SIGKILL at random points
 * mid-batch leave no dangling edge and no partial content file, and a rerun completes; two
 * writers adding overlapping objects at once never fail and never duplicate.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { checkArchive } from '../helpers/archive-check.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { REPO_ROOT } from '../helpers/vectors.js'

const WRITER = join(REPO_ROOT, 'test', 'fixtures', 'storage-writer.mjs')

interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the writer; with `killAtStep`, SIGKILLs it as soon as it reports that step. */
function runWriter(args: string[], killAtStep?: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (killAtStep !== undefined && stderr.includes(`step ${killAtStep}\n`)) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

// Deterministic kill points spread over the writer's 127 steps (contents, directories,
// revisions, snapshot, visit, status).
let seed = 20261122
const nextStep = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return 1 + (seed % 126)
}

async function crashRuns(
  label: string,
  storageUrl: () => Promise<{ url: string; drop: () => Promise<void> } | null>,
  runs: number,
): Promise<void> {
  let killed = 0
  for (let run = 0; run < runs; run++) {
    const dir = makeTemp('arca-crash-')
    const db = await storageUrl()
    const url = db?.url ?? '-'
    try {
      const first = await runWriter([dir, url, String(run + 1)], nextStep())
      if (first.signal === 'SIGKILL') killed++
      else expect(first.code, first.stderr).toBe(0)
      const archive = await openArchive({ dataDir: dir, ...(db ? { storageUrl: db.url } : {}) })
      try {
        expect(await checkArchive(archive), `${label} run ${run}`).toEqual([])
      } finally {
        await archive.close()
      }
      const rerun = await runWriter([dir, url, String(run + 1)])
      expect(rerun.code, rerun.stderr).toBe(0)
      const done = JSON.parse(rerun.stdout) as { snapshot: string }
      const after = await openArchive({ dataDir: dir, ...(db ? { storageUrl: db.url } : {}) })
      try {
        expect(await checkArchive(after)).toEqual([])
        expect(await after.storage.snapshotMissing([done.snapshot])).toEqual([])
        const latest = await after.storage.originVisitGetLatest(
          `https://crash.example/${run + 1}`,
          { requireSnapshot: true },
        )
        expect(latest?.status.snapshot).toBe(done.snapshot)
      } finally {
        await after.close()
      }
    } finally {
      removeTemp(dir)
      await db?.drop()
    }
  }
  // Every run must really be killed mid-way, or the test proves nothing.
  expect(killed).toBe(runs)
}

describe('storage crash safety (SQLite)', () => {
  it('survives SIGKILL at 20 random points; reruns complete', async () => {
    await crashRuns('sqlite', () => Promise.resolve(null), 20)
  }, 180_000)

  it('two processes adding overlapping objects never fail nor duplicate', async () => {
    const dir = makeTemp('arca-concurrent-')
    try {
      const origin = 'https://concurrent.example/repo'
      const [a, b] = await Promise.all([
        runWriter([dir, '-', '7', origin]),
        runWriter([dir, '-', '7', origin]),
      ])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      const ra = JSON.parse(a.stdout) as {
        visit: number
        contents: number
        dirs: number
        revisions: number
      }
      const rb = JSON.parse(b.stdout) as { visit: number }
      expect([ra.visit, rb.visit].sort()).toEqual([1, 2])
      const archive = await openArchive({ dataDir: dir })
      try {
        const counters = await archive.storage.statCounters()
        expect(counters.content).toBe(ra.contents)
        expect(counters.directory).toBe(ra.dirs)
        expect(counters.revision).toBe(ra.revisions)
        expect(counters.snapshot).toBe(1)
        expect(counters.origin).toBe(1)
        expect(counters.origin_visit).toBe(2)
        expect(await checkArchive(archive)).toEqual([])
      } finally {
        await archive.close()
      }
    } finally {
      removeTemp(dir)
    }
  }, 60_000)
})

const pg = await postgresAvailable()
describe.runIf(pg)('storage crash safety (PostgreSQL)', () => {
  it('survives SIGKILL at 5 random points; reruns complete', async () => {
    await crashRuns('postgres', createTestDatabase, 5)
  }, 180_000)

  it('two processes adding overlapping objects never fail nor duplicate', async () => {
    const dir = makeTemp('arca-concurrent-')
    const db = await createTestDatabase()
    try {
      const origin = 'https://concurrent.example/repo'
      const [a, b] = await Promise.all([
        runWriter([dir, db.url, '9', origin]),
        runWriter([dir, db.url, '9', origin]),
      ])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      const ra = JSON.parse(a.stdout) as { visit: number; contents: number }
      const rb = JSON.parse(b.stdout) as { visit: number }
      expect([ra.visit, rb.visit].sort()).toEqual([1, 2])
      const archive = await openArchive({ dataDir: dir, storageUrl: db.url })
      try {
        expect((await archive.storage.statCounters()).content).toBe(ra.contents)
        expect(await checkArchive(archive)).toEqual([])
      } finally {
        await archive.close()
      }
    } finally {
      removeTemp(dir)
      await db.drop()
    }
  }, 60_000)
})
