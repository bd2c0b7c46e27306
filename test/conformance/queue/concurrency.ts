/**
 * Concurrent claimers in separate processes (each its own connection): every task completed
 * exactly once, never handed to two workers.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { REPO_ROOT } from '../../helpers/vectors.js'
import type { QueueSuiteContext, QueueUnderTest } from './context.js'

const WORKER = join(REPO_ROOT, 'test', 'fixtures', 'queue-worker.mjs')

function runWorker(url: string, name: string, batch: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, url, name, String(batch)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`worker ${name} exited ${code}: ${stderr}`)),
    )
  })
}

export function concurrencyTests(ctx: QueueSuiteContext): void {
  describe('concurrent claimers', () => {
    let q: QueueUnderTest | undefined
    afterEach(async () => {
      await q?.teardown()
      q = undefined
    })

    it('two worker processes complete 500 tasks, each exactly once', async () => {
      q = await ctx.setup({})
      // 400 tasks over 40 origins (the origin rule is in play) and 100 without an origin
      const tasks = Array.from({ length: 500 }, (_, i) => ({
        kind: 'noop',
        origin: i < 400 ? `https://example.org/repo-${i % 40}.git` : null,
        args: { i },
      }))
      const ids = await q.queue.enqueue(tasks)
      const outputs = await Promise.all([runWorker(q.url, 'w1', 7), runWorker(q.url, 'w2', 5)])
      const lines = outputs.map((o) => o.split('\n').filter((l) => l !== ''))
      const completed = lines.flat().map((l) => Number(l.split(' ')[0]))
      // both took part, and the union is every task exactly once
      expect(lines[0]!.length).toBeGreaterThan(0)
      expect(lines[1]!.length).toBeGreaterThan(0)
      expect(completed).toHaveLength(500)
      expect([...completed].sort((a, b) => a - b)).toEqual(ids)
      const stored = await q.queue.list({ limit: 1000 })
      expect(stored.every((t) => t.state === 'done' && t.attempts === 1)).toBe(true)
      const byWorker = new Map(
        lines.flatMap((ls, w) => ls.map((l) => [Number(l.split(' ')[0]), `w${w + 1}`] as const)),
      )
      for (const t of stored) expect(t.result).toEqual({ worker: byWorker.get(t.id) })
    })
  })
}
