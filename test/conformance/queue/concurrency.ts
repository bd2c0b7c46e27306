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

interface Worker {
  /** Resolves once the worker is connected and waiting for the start. */
  ready: Promise<void>
  start(): void
  /** Resolves once the worker holds its first claim and waits to go on. */
  claimed: Promise<void>
  goOn(): void
  /** Its output, when it exits 0. */
  output: Promise<string>
}

function spawnWorker(url: string, name: string, batch: number): Worker {
  const child = spawn(process.execPath, [WORKER, url, name, String(batch)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let markReady!: () => void
  let markClaimed!: () => void
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  const claimed = new Promise<void>((resolve) => (markClaimed = resolve))
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (stderr.includes('ready\n')) markReady()
    if (stderr.includes('claimed\n')) markClaimed()
  })
  const output = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) => {
      markReady()
      markClaimed()
      if (code === 0) resolve(stdout)
      else reject(new Error(`worker ${name} exited ${code}: ${stderr}`))
    }),
  )
  return {
    ready,
    claimed,
    output,
    start: () => child.stdin.write('go\n'),
    goOn: () => child.stdin.end('on\n'),
  }
}

export function concurrencyTests(ctx: QueueSuiteContext): void {
  describe('concurrent claimers', () => {
    let q: QueueUnderTest | undefined
    afterEach(async () => {
      await q?.teardown()
      q = undefined
    })

    it('a worker process killed mid-task: its task is taken again once the lease has run out', async () => {
      let now = 0
      q = await ctx.setup({ clock: () => now })
      const [id] = await q.queue.enqueue([{ kind: 'load', origin: 'https://example.org/k.git' }])
      const child = spawn(process.execPath, [WORKER, q.url, 'k1', 'hang'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const line = await new Promise<string>((resolve) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          if (out.includes('\n')) resolve(out.trim())
        })
      })
      const exited = new Promise((resolve) => child.on('exit', resolve))
      child.kill('SIGKILL')
      await exited
      const [claimedId, leaseUntil] = line.split(' ').map(Number)
      expect(claimedId).toBe(id)
      expect((await q.queue.get([id!]))[0]).toMatchObject({ state: 'running', worker: 'k1' })
      now = leaseUntil! - 1
      expect(await q.queue.claim('w2', { leaseMs: 1000 })).toEqual([])
      now = leaseUntil!
      const [again] = await q.queue.claim('w2', { leaseMs: 1000 })
      expect(again).toMatchObject({ id, worker: 'w2', attempts: 2 })
      expect(again!.lastError).toMatch(/lease expired: worker k1 stopped heartbeating/)
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
      // both connect first, then start together
      const workers = [spawnWorker(q.url, 'w1', 7), spawnWorker(q.url, 'w2', 5)]
      await Promise.all(workers.map((w) => w.ready))
      for (const w of workers) w.start()
      // each holds a batch before either completes one: both take part however they are scheduled
      await Promise.all(workers.map((w) => w.claimed))
      for (const w of workers) w.goOn()
      const outputs = await Promise.all(workers.map((w) => w.output))
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
