/**
 * Tools that connect by themselves outside HTTP(S) (`svn` and `svnrdump` over svn://, `brz`
 * over bzr://, `rsync`, the CVS pserver client) are held to the address the network policy
 * checked. The names below exist only in the test's DNS server, which the policy's resolver
 * asks and the tools (the system resolver) cannot: a load that succeeds under such a name
 * proves the tool was given the checked address, never the name. A name that answers an
 * allowed address to the check before the visit and a refused one when the load resolves it
 * again (rebinding) ends the visit refused. Expected counts come from the tools (`svnlook
 * youngest`, `brz revno`, the commits made).
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin } from '../../src/loader/index.js'
import type { NetPolicy } from '../../src/net/index.js'
import { openArchive } from '../../src/storage/archive.js'
import { brz, brzAvailable, type BzrServer, startBrzServe } from '../helpers/bzr.js'
import {
  cryptPassword,
  type CvsServer,
  startPserver,
  startRsyncDaemon,
} from '../helpers/cvs-servers.js'
import { type DnsServer, startDnsServer } from '../helpers/dns-server.js'
import type { GitServer } from '../helpers/git-servers.js'
import { requireService } from '../helpers/services.js'
import { gitTreeOfDir, startSvnserve, svnTool } from '../helpers/svn.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const tools = await requireService('svnserve, brz, cvs and rsync', () => {
  for (const t of ['svnserve', 'cvs', 'rsync']) execFileSync('sh', ['-c', `command -v ${t}`])
  return Promise.resolve(brzAvailable())
})

let tmp: string
let dns: DnsServer
let policy: NetPolicy
let svnserve: GitServer
let brzServe: BzrServer
let pserver: CvsServer
let rsyncd: CvsServer
let data: string
let archive: Awaited<ReturnType<typeof openArchive>>

const port = (url: string): string => new URL(url).port

beforeAll(async () => {
  if (!tools) return
  tmp = makeTemp('arca-pin-')
  chmodSync(tmp, 0o755)
  dns = await startDnsServer({
    'svn.pin.test': ['127.0.0.1'],
    'far.pin.test': ['10.20.30.40'],
    // allowed to the check before the visit, refused when the load resolves it again
    'rebind.pin.test': (n) => (n === 0 ? ['127.0.0.1'] : ['127.0.0.2']),
  })
  policy = { allowNetworks: ['127.0.0.1/32'], dnsServers: [dns.address] }

  // svn: a repository with two revisions, and another one its externals name.
  const svnRoot = join(tmp, 'svn')
  mkdirSync(svnRoot)
  for (const name of ['main', 'other']) svnTool('svnadmin', ['create', join(svnRoot, name)])
  const wc = join(tmp, 'wc')
  svnTool('svn', ['checkout', '-q', pathToFileURL(join(svnRoot, 'other')).href, wc])
  writeFileSync(join(wc, 'lib.c'), 'int lib;\n')
  svnTool('svn', ['add', '-q', 'lib.c'], wc)
  svnTool('svn', ['commit', '-q', '-m', 'other'], wc)
  svnserve = await startSvnserve(svnRoot)
  const main = join(tmp, 'main-wc')
  svnTool('svn', ['checkout', '-q', pathToFileURL(join(svnRoot, 'main')).href, main])
  writeFileSync(join(main, 'a.txt'), 'a\n')
  svnTool('svn', ['add', '-q', 'a.txt'], main)
  svnTool('svn', ['commit', '-q', '-m', 'one'], main)
  const ext = [
    `svn://svn.pin.test:${port(svnserve.url)}/other near`,
    `svn://far.pin.test:${port(svnserve.url)}/other far`,
  ].join('\n')
  svnTool('svn', ['update', '-q'], main)
  svnTool('svn', ['propset', '-q', 'svn:externals', ext, '.'], main)
  svnTool('svn', ['commit', '-q', '-m', 'externals'], main)

  // bzr: a branch of two revisions, served by brz serve.
  const bzrRoot = join(tmp, 'bzr')
  mkdirSync(bzrRoot)
  brz(bzrRoot, ['init', '-q', 'b'])
  const b = join(bzrRoot, 'b')
  for (const m of ['first', 'second']) {
    writeFileSync(join(b, 'f.txt'), `${m}\n`)
    brz(b, ['add', '-q'])
    brz(b, ['commit', '-q', '-m', m])
  }
  brzServe = await startBrzServe(bzrRoot)

  // cvs: a module of one import, served by pserver and rsync.
  const cvsRoot = join(tmp, 'cvsroot')
  execFileSync('cvs', ['-d', cvsRoot, 'init'])
  const imp = join(tmp, 'import')
  mkdirSync(imp)
  writeFileSync(join(imp, 'x.txt'), 'x\n')
  execFileSync('cvs', ['-d', cvsRoot, 'import', '-m', 'initial', 'mod', 'vendor', 'start'], {
    cwd: imp,
  })
  // the pserver runs as `nobody`, which takes read locks in the module's folders
  execFileSync('chmod', ['-R', 'a+rwX', cvsRoot])
  pserver = await startPserver(cvsRoot, [`anon:${cryptPassword('pw')}:nobody`])
  rsyncd = await startRsyncDaemon(cvsRoot, 'cvs', tmp)

  data = join(tmp, 'data')
  archive = await openArchive({ dataDir: data, writer: 'loader' })
}, 120_000)

afterAll(async () => {
  await archive?.close()
  await Promise.all([
    svnserve?.stop(),
    brzServe?.stop(),
    pserver?.stop(),
    rsyncd?.stop(),
    dns?.stop(),
  ])
  if (tmp) removeTemp(tmp)
})

const load = (type: string, url: string) =>
  loadOrigin(type, url, { storage: archive.storage, scratchDir: archive.tmpDir, network: policy })

/** A repository `name` under `root` with one file, then `externals` set on its root. */
function svnRepo(root: string, name: string, file: string, externals?: string): void {
  svnTool('svnadmin', ['create', join(root, name)])
  const wc = join(tmp, `wc-${name}`)
  svnTool('svn', ['checkout', '-q', pathToFileURL(join(root, name)).href, wc])
  writeFileSync(join(wc, file), `${name}\n`)
  svnTool('svn', ['add', '-q', file], wc)
  svnTool('svn', ['commit', '-q', '-m', name], wc)
  if (externals === undefined) return
  svnTool('svn', ['update', '-q'], wc)
  svnTool('svn', ['propset', '-q', 'svn:externals', externals, '.'], wc)
  svnTool('svn', ['commit', '-q', '-m', 'externals'], wc)
}

/** The names of the root directory of the snapshot's HEAD revision. */
async function rootNames(snapshot: string | null): Promise<string[]> {
  const [snp] = await archive.storage.snapshotGet([snapshot!])
  const head = snp!.branches.find((b) => Buffer.from(b.name).toString() === 'HEAD')!
  const [rev] = await archive.storage.revisionGet([head.target!.target as string])
  const entries = await archive.storage.directoryLs(rev!.directory)
  return entries!.map((e) => Buffer.from(e.name).toString()).sort()
}

describe.runIf(tools)('non-HTTP tools held to the checked address', () => {
  it('svn:// loads under a name only the policy resolves; an external refused is left out', async () => {
    const youngest = Number(svnTool('svnlook', ['youngest', join(tmp, 'svn', 'main')]).toString())
    const r = await load('svn', `svn://svn.pin.test:${port(svnserve.url)}/main`)
    expect(r.message).toBeNull()
    expect(r.status).toBe('full')
    expect(r.stats.revisions).toBe(youngest)
    // the external under the allowed name is exported; the one resolving to 10.20.30.40 is not
    expect(await rootNames(r.snapshot)).toEqual(['a.txt', 'near'])
  })

  it('externals of an external are checked too: none reaches a refused host or the disk', async () => {
    // a server the policy refuses (127.0.0.2, outside 127.0.0.1/32) that svn itself can reach
    const privateRoot = join(tmp, 'private')
    mkdirSync(privateRoot)
    svnRepo(privateRoot, 'secret', 's.txt')
    const hidden = await startSvnserve(privateRoot, '127.0.0.2')
    try {
      const at = `svn://svn.pin.test:${port(svnserve.url)}`
      svnRepo(join(tmp, 'svn'), 'nest', 'n.txt', `${hidden.url}/secret secret`)
      const disk = pathToFileURL(join(privateRoot, 'secret')).href
      svnRepo(
        join(tmp, 'svn'),
        'main2',
        'a.txt',
        `${at}/nest nest\n${at}/other near\n${disk} local`,
      )
      const r = await load('svn', `${at}/main2`)
      expect(r.message).toBeNull()
      expect(r.status).toBe('full')
      // `nest` would bring the private server's tree, `local` a repository on the node's disk
      expect(await rootNames(r.snapshot)).toEqual(['a.txt', 'near'])
    } finally {
      await hidden.stop()
    }
  })

  it('externals of an external are reached at the checked address, never through a path outside', async () => {
    const p = port(svnserve.url)
    // `deepnest` has an external under a name only the policy resolves, and one whose target
    // climbs out of its directory (which the svn tools refuse to set: loaded from a dump)
    const ext = `svn://svn.pin.test:${p}/other deep\nsvn://svn.pin.test:${p}/other XXXXXXXXXXXXXXXXX`
    svnRepo(join(tmp, 'svn'), 'deepnest-src', 'n.txt', ext)
    const dump = svnTool('svnadmin', ['dump', '-q', join(tmp, 'svn', 'deepnest-src')])
    const at = dump.indexOf('XXXXXXXXXXXXXXXXX')
    Buffer.from('a/../../../escape').copy(dump, at)
    svnTool('svnadmin', ['create', join(tmp, 'svn', 'deepnest')])
    svnTool(
      'svnadmin',
      ['load', '-q', '--bypass-prop-validation', join(tmp, 'svn', 'deepnest')],
      undefined,
      dump,
    )
    svnRepo(join(tmp, 'svn'), 'main3', 'a.txt', `svn://svn.pin.test:${p}/deepnest nest`)
    // what svn puts at `nest`: deepnest's tree with `other` exported at `deep`, by git's hash
    const out = join(tmp, 'expected-nest')
    svnTool('svn', ['export', '-q', '--ignore-externals', `svn://127.0.0.1:${p}/deepnest`, out])
    svnTool('svn', ['export', '-q', `svn://127.0.0.1:${p}/other`, join(out, 'deep')])
    const expected = gitTreeOfDir(out)

    const r = await load('svn', `svn://svn.pin.test:${p}/main3`)
    expect(r.message).toBeNull()
    expect(r.status).toBe('full')
    expect(await rootNames(r.snapshot)).toEqual(['a.txt', 'nest'])
    const [snp] = await archive.storage.snapshotGet([r.snapshot!])
    const head = snp!.branches.find((b) => Buffer.from(b.name).toString() === 'HEAD')!
    const [rev] = await archive.storage.revisionGet([head.target!.target as string])
    const root = await archive.storage.directoryLs(rev!.directory)
    const nest = root!.find((e) => Buffer.from(e.name).toString() === 'nest')!
    expect(nest.target).toBe(expected)
    // nothing was written above the export's own folder
    const found = execFileSync('find', [tmp, data, '-name', 'escape']).toString()
    expect(found).toBe('')
    // a re-visit checks the last revision by exporting it again the same way: history is found
    // unchanged, so nothing is loaded again
    const again = await load('svn', `svn://svn.pin.test:${p}/main3`)
    expect(again.status).toBe('full')
    expect(again.snapshot).toBe(r.snapshot)
    expect(again.stats.fetches).toBe(0)
    expect(again.stats.revisions).toBe(0)
  })

  it('bzr:// loads under a name only the policy resolves', async () => {
    const revno = Number(brz(join(tmp, 'bzr', 'b'), ['revno']).trim())
    const r = await load('bzr', `bzr://svn.pin.test:${port(brzServe.url)}/b`)
    expect(r.message).toBeNull()
    expect(r.status).toBe('full')
    expect(r.stats.revisions).toBe(revno)
  })

  it('cvs over rsync:// and pserver:// loads under a name only the policy resolves', async () => {
    const cvsroot = join(tmp, 'cvsroot')
    const overRsync = await load('cvs', `rsync://svn.pin.test:${rsyncd.port}/cvs/mod`)
    expect(overRsync.message).toBeNull()
    expect(overRsync.status).toBe('full')
    expect(overRsync.stats.revisions).toBe(1)
    const overPserver = await load(
      'cvs',
      `pserver://anon:pw@svn.pin.test:${pserver.port}${cvsroot}/mod`,
    )
    expect(overPserver.message).toBeNull()
    expect(overPserver.status).toBe('full')
    expect(overPserver.snapshot).toBe(overRsync.snapshot)
  })

  it('a name rebinding to a refused address after the check ends the visit refused', async () => {
    const r = await load('svn', `svn://rebind.pin.test:${port(svnserve.url)}/main`)
    expect(r.status).toBe('failed')
    expect(r.message).toMatch(/Refused to connect: .*127\.0\.0\.2/)
    expect(r.snapshot).toBeNull()
  })
})
