/**
 * Real CVS servers on loopback for the CVS loader tests: `cvs pserver` run once per connection
 * by a small inetd-style node server (the socket is the process's stdin and stdout), and
 * `rsync --daemon` exporting a CVS root as an rsync module.
 */
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { freePort } from './git-servers.js'
import { tcpReachable } from './services.js'

/** A running server and how to stop it. */
export interface CvsServer {
  readonly port: number
  stop(): Promise<void>
}

/** crypt(3) of a password, as CVSROOT/passwd holds it (perl's crypt). */
export function cryptPassword(password: string, salt = 'ab'): string {
  return execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, salt], {
    encoding: 'utf8',
  })
}

/**
 * The inetd-style server, run as its own process (the tests call the CLI synchronously, which
 * would block a server in the test's own event loop): one `cvs pserver` per connection, the
 * socket as its stdin and stdout; prints the port it listens on.
 */
const INETD = `
const { spawn } = require('node:child_process')
const { createServer } = require('node:net')
const root = process.argv[1]
const server = createServer((socket) => {
  socket.pause()
  const child = spawn('cvs', ['--allow-root=' + root, 'pserver'], { stdio: [socket, socket, 'ignore'] })
  child.once('exit', () => socket.destroy())
  child.once('error', () => socket.destroy())
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`

/**
 * Serves the CVS root `root` with `cvs pserver` on 127.0.0.1 (a free port). `passwd` lines
 * (`user:crypt:systemuser`) are written to `CVSROOT/passwd`.
 */
export async function startPserver(root: string, passwd: readonly string[]): Promise<CvsServer> {
  writeFileSync(join(root, 'CVSROOT', 'passwd'), passwd.map((l) => `${l}\n`).join(''))
  const proc = spawn(process.execPath, ['-e', INETD, root], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8')
      if (out.includes('\n')) resolve(Number(out.trim()))
    })
    proc.once('exit', () => reject(new Error('the pserver wrapper did not start')))
  })
  return {
    port,
    async stop() {
      proc.kill('SIGTERM')
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)))
    },
  }
}

/** Serves `root` as the rsync module `name` with `rsync --daemon` on 127.0.0.1. */
export async function startRsyncDaemon(
  root: string,
  name: string,
  confDir: string,
): Promise<CvsServer> {
  const port = await freePort()
  const conf = join(confDir, 'rsyncd.conf')
  writeFileSync(
    conf,
    [
      'use chroot = no',
      `pid file = ${join(confDir, 'rsyncd.pid')}`,
      `lock file = ${join(confDir, 'rsyncd.lock')}`,
      ...(process.getuid?.() === 0 ? ['uid = root', 'gid = root'] : []),
      `[${name}]`,
      `  path = ${root}`,
      '  read only = yes',
      '',
    ].join('\n'),
  )
  const proc = spawn(
    'rsync',
    ['--daemon', '--no-detach', '--address=127.0.0.1', `--port=${port}`, `--config=${conf}`],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  )
  for (let i = 0; i < 100 && !(await tcpReachable('127.0.0.1', port, 200)); i++)
    await new Promise((r) => setTimeout(r, 50))
  return {
    port,
    async stop() {
      proc.kill('SIGTERM')
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)))
    },
  }
}
