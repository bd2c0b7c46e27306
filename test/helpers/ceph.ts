/**
 * A real S3 server on loopback for the S3 content store's suites: Ceph's RADOS Gateway from
 * Debian (`radosgw`), on a one-node cluster made for the test in a scratch directory (one
 * monitor, one OSD on the in-memory object store, no authentication between daemons) and an S3
 * user made with `radosgw-admin`. Starting it takes some seconds; `stop` kills the daemons and
 * removes the directory.
 */

import { execFileSync, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { freePort } from './git-servers.js'
import { makeTemp, removeTemp } from './tree.js'

/** A running gateway and the S3 credentials of its user. */
export interface RadosGateway {
  readonly endpoint: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  stop(): void
}

/** Whether Debian's Ceph daemons are installed. */
export function cephInstalled(): boolean {
  return ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin'].every(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
  )
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Starts a one-node Ceph cluster and its RADOS Gateway. The bootstrap of a fresh cluster on a
 * loaded machine fails now and then inside Ceph (seen once in CI with three test files running
 * beside it: the new OSD's first boot answered "wrong fsid" by the monitor), so a failed
 * start is torn down and made again from nothing, up to three times; the last error is thrown.
 */
export async function startRadosGateway(): Promise<RadosGateway> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCluster()
    } catch (e) {
      if (attempt >= 3) throw e
      console.warn(`NOTICE: Ceph test cluster did not start (attempt ${attempt}): ${String(e)}`)
    }
  }
}

async function startCluster(): Promise<RadosGateway> {
  const dir = makeTemp('arca-ceph-')
  const monPort = await freePort()
  const rgwPort = await freePort()
  const fsid = randomUUID()
  const conf = join(dir, 'ceph.conf')
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/$name.log
pid file = ${dir}/run/$name.pid
keyring = ${dir}/keyring
[mon.a]
mon data = ${dir}/mon.a
[osd.0]
osd data = ${dir}/osd.0
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`,
  )
  const run = (tool: string, args: string[]) =>
    execFileSync(tool, ['-c', conf, ...args], { cwd: dir, stdio: 'pipe', timeout: 60_000 })
  const pids = (): number[] =>
    ['mon.a', 'osd.0', 'client.rgw.a'].flatMap((n) => {
      try {
        return [Number(readFileSync(join(dir, 'run', `${n}.pid`), 'utf8').trim())]
      } catch {
        return []
      }
    })
  const stop = () => {
    for (const pid of pids())
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    removeTemp(dir)
  }
  try {
    execFileSync('mkdir', ['-p', 'run', 'mon.a', 'osd.0', 'rgw'], { cwd: dir })
    execFileSync('ceph-authtool', ['--create-keyring', 'keyring', '--gen-key', '-n', 'mon.'], {
      cwd: dir,
      stdio: 'pipe',
    })
    execFileSync('ceph-authtool', ['keyring', '--gen-key', '-n', 'client.admin'], {
      cwd: dir,
      stdio: 'pipe',
    })
    execFileSync(
      'monmaptool',
      ['--create', '--addv', 'a', `v1:127.0.0.1:${monPort}`, '--fsid', fsid, 'monmap'],
      { cwd: dir, stdio: 'pipe' },
    )
    run('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', 'monmap', '--keyring', 'keyring'])
    run('ceph-mon', ['-i', 'a'])
    // the monitor answers commands once it has formed its quorum of one
    for (let waited = 0; ; waited += 500) {
      try {
        run('ceph', ['--connect-timeout', '5', 'quorum_status'])
        break
      } catch (e) {
        if (waited > 30_000) throw e
        await sleep(500)
      }
    }
    // the OSD's id and uuid registered first, as Ceph's manual deployment does
    const osdUuid = randomUUID()
    run('ceph', ['osd', 'create', osdUuid])
    run('ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid])
    run('ceph', ['osd', 'crush', 'add-bucket', 'localhost', 'host'])
    run('ceph', ['osd', 'crush', 'move', 'localhost', 'root=default'])
    run('ceph', ['osd', 'crush', 'add', 'osd.0', '1.0', 'host=localhost'])
    run('ceph-osd', ['-i', '0'])
    run('radosgw', ['-n', 'client.rgw.a'])
    const accessKeyId = `ARCA${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`
    const secretAccessKey = randomUUID()
    run('radosgw-admin', [
      'user',
      'create',
      '--uid=arca-test',
      '--display-name=arca test',
      `--access-key=${accessKeyId}`,
      `--secret-key=${secretAccessKey}`,
    ])
    const endpoint = `http://127.0.0.1:${rgwPort}`
    for (let waited = 0; ; waited += 250) {
      const ok = await fetch(endpoint).then(
        (r) => r.status < 500,
        () => false,
      )
      if (ok) break
      if (waited > 90_000) throw new Error(`radosgw did not answer on ${endpoint}`)
      await sleep(250)
    }
    return { endpoint, accessKeyId, secretAccessKey, stop }
  } catch (e) {
    stop()
    throw e
  }
}
