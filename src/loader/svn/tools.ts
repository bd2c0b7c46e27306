/**
 * The Subversion command-line tools the loader drives (`svn`, `svnadmin`, `svnlook`,
 * `svnrdump`), run without a shell, never interactively, in the C locale, with bounded stderr
 * and killed when the load is interrupted. Their error codes (`E170013` …) are kept in the
 * messages so callers can tell "not found" from other failures.
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process'

import { ArcaError } from '../../errors.js'

/** A failed tool run: the command name, exit code and stderr (bounded). */
export class ToolError extends ArcaError {
  readonly stderr: string
  constructor(cmd: string, code: number | null, stderr: string) {
    super(
      'unavailable',
      `${cmd} failed (${code === null ? 'killed' : `exit ${code}`}): ${stderr.trim()}`,
    )
    this.stderr = stderr
  }
}

const STDERR_LIMIT = 16 * 1024

/**
 * Environment for the tools: C locale (`C.UTF-8` for those writing files, which svn names in
 * the locale's encoding), no prompts.
 */
function toolEnv(utf8 = false): NodeJS.ProcessEnv {
  const locale = utf8 ? 'C.UTF-8' : 'C'
  return { ...process.env, LC_ALL: locale, LANG: locale, SVN_EDITOR: 'false' }
}

/** How a tool is run. */
export interface ToolOptions {
  readonly signal?: AbortSignal
  readonly stdin?: NodeJS.ReadableStream
  /** Run in the `C.UTF-8` locale (for `svn export`, which writes UTF-8 names). */
  readonly utf8?: boolean
}

/** A running tool: its process, a promise of its exit (stderr in the error), its stdout. */
export interface ToolProcess {
  readonly child: ChildProcess
  readonly stdout: AsyncIterable<Uint8Array>
  /** Resolves on exit 0; rejects with a {@link ToolError} otherwise. */
  readonly done: Promise<void>
}

/** Starts `cmd args`; stdin, when given, is piped from that stream. */
export function startTool(
  cmd: string,
  args: readonly string[],
  options: ToolOptions = {},
): ToolProcess {
  const child = spawn(cmd, [...args], {
    env: toolEnv(options.utf8),
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += d.toString('utf8')
  })
  const onAbort = (): void => {
    child.kill('SIGTERM')
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.stdin) {
    options.stdin.pipe(child.stdin!)
    child.stdin!.on('error', () => undefined)
  }
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new ToolError(cmd, null, String(e.message))))
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort)
      if (code === 0) resolve()
      else reject(new ToolError(cmd, code, stderr))
    })
  })
  done.catch(() => undefined)
  return { child, stdout: child.stdout!, done }
}

/** Runs `cmd args` to completion; its stdout. */
export async function runTool(
  cmd: string,
  args: readonly string[],
  options: ToolOptions = {},
): Promise<Buffer> {
  const p = startTool(cmd, args, options)
  const chunks: Buffer[] = []
  for await (const c of p.stdout) chunks.push(Buffer.from(c))
  await p.done
  return Buffer.concat(chunks)
}

/** Stops a tool still running (after a consumer gave up) and waits for it. */
export async function stopTool(p: ToolProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM')
  await p.done.catch(() => undefined)
}
