/**
 * Reading objects out of a git repository through one long-lived `git cat-file --batch`
 * process: requests are pipelined (many ids written before the answers are read), answers are
 * parsed from the stream in order. Objects above a size limit are not kept in memory: their
 * bytes are handed to a callback chunk by chunk.
 *
 * @module
 */

import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

import { IoError } from '../../errors.js'
import { gitEnv } from '../../fromdisk/index.js'

/** Git object types. */
export type GitObjectType = 'blob' | 'tree' | 'commit' | 'tag'

/** An object read whole. */
export interface GitObject {
  readonly oid: string
  readonly type: GitObjectType
  readonly size: number
  /** The object body (without the `type size\0` header); null when streamed. */
  readonly data: Buffer | null
}

interface Request {
  readonly oid: string
  /** Objects larger than this are streamed to `onChunk` instead of being kept. */
  readonly maxInMemory: number
  readonly onChunk: ((chunk: Buffer, size: number) => void) | undefined
  resolve(o: GitObject | null): void
  reject(e: Error): void
}

/**
 * A `git cat-file --batch` reader.
 *
 * @example
 * ```ts
 * const reader = new CatFile('/tmp/scratch.git')
 * const obj = await reader.read('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
 * await reader.close()
 * ```
 */
export class CatFile {
  readonly #proc: ChildProcessByStdio<Writable, Readable, Readable>
  readonly #queue: Request[] = []
  #buf: Buffer = Buffer.alloc(0)
  /** State of the answer being parsed. */
  #current: {
    header: { oid: string; type: GitObjectType; size: number } | null
    got: number
    parts: Buffer[]
  } | null = null
  #failed: Error | null = null
  #outbox: string[] = []
  #stderr = ''

  constructor(readonly repo: string) {
    this.#proc = spawn('git', ['-c', 'core.fsmonitor=false', '-C', repo, 'cat-file', '--batch'], {
      env: gitEnv(repo),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.#proc.stdout.on('data', (d: Buffer) => this.#onData(d))
    this.#proc.stderr.on('data', (d: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += d.toString()
    })
    this.#proc.on('error', (e) =>
      this.#fail(new IoError(`Cannot run git cat-file: ${e.message}`, { cause: e })),
    )
    this.#proc.on('exit', (code) => {
      if (this.#queue.length > 0)
        this.#fail(new IoError(`git cat-file exited (${code}): ${this.#stderr.trim()}`))
    })
    this.#proc.stdin.on('error', () => undefined)
  }

  #fail(e: Error): void {
    this.#failed ??= e
    for (const r of this.#queue.splice(0)) r.reject(e)
  }

  /** Number of requests waiting for an answer. */
  get pending(): number {
    return this.#queue.length
  }

  /**
   * Reads one object; null when it is missing. Objects larger than `maxInMemory` come back with
   * `data: null`, their bytes having gone to `onChunk`.
   */
  read(
    oid: string,
    options: { maxInMemory?: number; onChunk?: (chunk: Buffer, size: number) => void } = {},
  ): Promise<GitObject | null> {
    if (this.#failed) return Promise.reject(this.#failed)
    return new Promise((resolve, reject) => {
      this.#queue.push({
        oid,
        maxInMemory: options.maxInMemory ?? Infinity,
        onChunk: options.onChunk,
        resolve,
        reject,
      })
      // Requests issued together go out in one write (one system call, not one per object).
      this.#outbox.push(oid)
      if (this.#outbox.length === 1) {
        queueMicrotask(() => {
          const lines = this.#outbox.join('\n') + '\n'
          this.#outbox = []
          this.#proc.stdin.write(lines)
        })
      }
    })
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d])
    try {
      this.#parse()
    } catch (e) {
      this.#fail(e instanceof Error ? e : new Error(String(e)))
    }
  }

  #parse(): void {
    for (;;) {
      const req = this.#queue[0]
      if (!req) return
      if (this.#current === null) {
        const nl = this.#buf.indexOf(0x0a)
        if (nl < 0) return
        const line = this.#buf.subarray(0, nl).toString('latin1')
        this.#buf = this.#buf.subarray(nl + 1)
        const parts = line.split(' ')
        if (parts[1] === 'missing' || parts.length === 2) {
          this.#queue.shift()
          req.resolve(null)
          continue
        }
        const [oid, type, size] = parts
        if (parts.length !== 3 || oid !== req.oid) {
          throw new IoError(`Unexpected git cat-file answer "${line}" for ${req.oid}`)
        }
        this.#current = {
          header: { oid, type: type as GitObjectType, size: Number(size) },
          got: 0,
          parts: [],
        }
      }
      const cur = this.#current
      const header = cur.header!
      const want = header.size - cur.got
      if (want > 0) {
        if (this.#buf.length === 0) return
        const take = this.#buf.subarray(0, Math.min(want, this.#buf.length))
        this.#buf = this.#buf.subarray(take.length)
        cur.got += take.length
        if (header.size > req.maxInMemory) req.onChunk?.(Buffer.from(take), header.size)
        else cur.parts.push(take)
        if (cur.got < header.size) return
      }
      // The body is followed by a newline.
      if (this.#buf.length === 0) return
      this.#buf = this.#buf.subarray(1)
      this.#current = null
      this.#queue.shift()
      const data =
        header.size > req.maxInMemory
          ? null
          : cur.parts.length === 1
            ? Buffer.from(cur.parts[0]!)
            : Buffer.concat(cur.parts)
      req.resolve({ ...header, data })
    }
  }

  /** Ends the process. */
  async close(): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.#proc.once('exit', () => resolve()))
    this.#proc.stdin.end()
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}
