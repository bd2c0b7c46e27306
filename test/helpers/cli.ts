import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { REPO_ROOT } from './vectors.js'

/** Path of the built CLI entry point. */
export const ARCA_BIN = join(REPO_ROOT, 'bin', 'arca.js')

/** Result of one CLI run. */
export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
  stdoutBytes: Buffer
}

function ensureBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run "npm run build" before the CLI tests (npm test does)')
  }
}

/** Runs `arca ARGS` as a real child process. */
export function arca(args: readonly string[], options: SpawnSyncOptions = {}): CliResult {
  ensureBuilt()
  const r = spawnSync(process.execPath, [ARCA_BIN, ...args], {
    encoding: 'buffer',
    env: { ...process.env, NO_COLOR: '1' },
    ...options,
  })
  const out = r.stdout as Buffer
  return {
    status: r.status,
    stdout: out.toString('utf8'),
    stderr: (r.stderr as Buffer).toString('utf8'),
    stdoutBytes: out,
  }
}

/**
 * Runs `arca ARGS` without blocking this process (the upstream server lives here: a
 * synchronous child would deadlock it).
 */
export function arcaAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [ARCA_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    p.stdout.on('data', (b: Buffer) => out.push(b))
    p.stderr.on('data', (b: Buffer) => err.push(b))
    p.on('error', reject)
    p.on('close', (status) => {
      const stdoutBytes = Buffer.concat(out)
      resolve({
        status,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      })
    })
  })
}

/**
 * The lines of a command's standard error that are not its progress log (the JSON lines with
 * `event` "progress" or "done" that a long enough operation writes when stderr is not a
 * terminal: whether they appear depends on how fast the machine is), for asserting that a
 * command said nothing else.
 */
export function besidesProgress(stderr: string): string[] {
  return stderr.split('\n').filter((line) => {
    if (line === '') return false
    try {
      const r = JSON.parse(line) as { level?: unknown; event?: unknown }
      return !(r.level === 'info' && (r.event === 'progress' || r.event === 'done'))
    } catch {
      return true
    }
  })
}

/** Runs a shell command line (for arguments that are not valid UTF-8). */
export function sh(command: string, options: SpawnSyncOptions = {}): CliResult {
  ensureBuilt()
  const r = spawnSync('sh', ['-c', command], {
    encoding: 'buffer',
    env: { ...process.env, ARCA: `${process.execPath} ${ARCA_BIN}` },
    ...options,
  })
  const out = r.stdout as Buffer
  return {
    status: r.status,
    stdout: out.toString('utf8'),
    stderr: (r.stderr as Buffer).toString('utf8'),
    stdoutBytes: out,
  }
}

/**
 * Runs `arca ARGS` so that file permissions apply: as root, the capabilities that bypass them
 * (dac_override, dac_read_search) are dropped with setpriv, so a mode-000 file is unreadable.
 */
export function arcaWithoutPrivileges(args: readonly string[]): CliResult {
  ensureBuilt()
  const isRoot = process.getuid?.() === 0
  const cmd = isRoot ? 'setpriv' : process.execPath
  const argv = isRoot
    ? ['--bounding-set=-dac_override,-dac_read_search', process.execPath, ARCA_BIN, ...args]
    : [ARCA_BIN, ...args]
  const r = spawnSync(cmd, argv, { encoding: 'buffer' })
  const out = r.stdout
  return {
    status: r.status,
    stdout: out.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
    stdoutBytes: out,
  }
}
