import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One node of a tree to materialise on disk (paths and data are raw bytes). */
export type TreeSpec =
  | { type: 'file'; path: Uint8Array; data: Uint8Array; mode: number }
  | { type: 'symlink'; path: Uint8Array; target: Uint8Array }
  | { type: 'dir'; path: Uint8Array }
  | { type: 'fifo'; path: Uint8Array; mode?: number }

/** A fresh temporary directory; remove it with {@link removeTemp}. */
export function makeTemp(prefix = 'arca-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

function bytesPath(root: string, rel: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(root + '/'), Buffer.from(rel)])
}

function mkParents(root: string, rel: Uint8Array): void {
  const i = Buffer.from(rel).lastIndexOf(0x2f)
  if (i > 0) mkdirSync(bytesPath(root, rel.subarray(0, i)), { recursive: true, mode: 0o755 })
}

/** Creates the nodes under `root`, parents 0755, files with their exact mode. */
export function materialize(root: string, nodes: readonly TreeSpec[]): void {
  for (const n of nodes) {
    mkParents(root, n.path)
    const p = bytesPath(root, n.path)
    switch (n.type) {
      case 'file':
        writeFileSync(p, n.data)
        chmodSync(p, n.mode)
        break
      case 'symlink':
        symlinkSync(Buffer.from(n.target), p)
        break
      case 'dir':
        mkdirSync(p, { recursive: true, mode: 0o755 })
        break
      case 'fifo':
        execFileSync('mkfifo', ['-m', (n.mode ?? 0o644).toString(8), p.toString('latin1')])
        break
    }
  }
}

/** `git add -A -f && git write-tree` in a scratch repository over `dir`, filters disabled. */
export function gitWriteTree(dir: string): string {
  const gitDir = mkdtempSync(join(tmpdir(), 'arca-gitdir-'))
  try {
    const env = {
      ...process.env,
      GIT_DIR: gitDir,
      GIT_WORK_TREE: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      HOME: gitDir,
    }
    const git = (...args: string[]): string =>
      execFileSync('git', args, { env, cwd: dir, encoding: 'utf8' }).trim()
    git('init', '-q')
    // No attributes, no autocrlf, no ignore files, no excludes: hash the bytes as they are.
    writeFileSync(join(gitDir, 'info', 'attributes'), '* -text -filter -diff\n')
    writeFileSync(join(gitDir, 'info', 'exclude'), '')
    git('config', 'core.autocrlf', 'false')
    git('config', 'core.excludesFile', '/dev/null')
    git('config', 'core.fileMode', 'true')
    git('config', 'core.symlinks', 'true')
    git('add', '-A', '-f')
    return git('write-tree')
  } finally {
    rmSync(gitDir, { recursive: true, force: true })
  }
}
