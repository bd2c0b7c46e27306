/**
 * The archive loaders (`tar`, `tarball-directory`) against tarballs and zips made by the real
 * `tar`, `zip` and python3 `zipfile`, served by an HTTP server on loopback and read from disk.
 * Every directory, release and snapshot id is computed by test/helpers/swh_ids.py from the
 * tree the real `tar` (or python's `shutil.unpack_archive` for zip, as swh-core does) unpacks,
 * never by Arca's code.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  createReadStream,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin } from '../../src/loader/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const HELPER = join(import.meta.dirname, '..', 'helpers', 'swh_ids.py')
const py = (...args: string[]): string =>
  execFileSync('python3', [HELPER, ...args], { encoding: 'utf8' }).trim()

let root: string
let files: string
let server: Server
let base: string
/** Fixed mtime of every served file: the release date. */
const MTIME = new Date('2024-03-05T06:07:08Z')

function makeSource(dir: string): void {
  mkdirSync(join(dir, 'pkg-1.2.3', 'src', 'deep'), { recursive: true })
  mkdirSync(join(dir, 'pkg-1.2.3', 'empty'))
  writeFileSync(join(dir, 'pkg-1.2.3', 'README'), 'hello\n')
  writeFileSync(join(dir, 'pkg-1.2.3', 'src', 'main.c'), 'int main(){return 0;}\n')
  writeFileSync(join(dir, 'pkg-1.2.3', 'src', 'deep', 'x.txt'), 'x'.repeat(10000))
  writeFileSync(join(dir, 'pkg-1.2.3', 'configure'), '#!/bin/sh\necho ok\n')
  chmodSync(join(dir, 'pkg-1.2.3', 'configure'), 0o755)
  writeFileSync(join(dir, 'pkg-1.2.3', 'readonly.txt'), 'r\n')
  chmodSync(join(dir, 'pkg-1.2.3', 'readonly.txt'), 0o444)
  symlinkSync('src/main.c', join(dir, 'pkg-1.2.3', 'link'))
  // a name that is not UTF-8
  writeFileSync(
    Buffer.concat([Buffer.from(join(dir, 'pkg-1.2.3') + '/caf'), Buffer.from([0xe9])]),
    'latin1\n',
  )
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** The ids the `tar` loader must give an artifact, computed by the helper. */
function expectedTar(archive: string, url: string, version: string, zip = false) {
  const out = makeTemp('arca-expect-')
  try {
    if (zip) py('unzip', archive, out)
    else execFileSync('tar', ['-xf', archive, '-C', out])
    const dir = py('dir', out)
    const release = py(
      'release',
      JSON.stringify({
        target: dir,
        name: version,
        message: `Synthetic release for archive at ${url}\n`,
        author: '',
        ts: Math.floor(MTIME.getTime() / 1000),
        offset: '+0000',
      }),
    )
    const snapshot = py(
      'snapshot',
      JSON.stringify([
        ['HEAD', 'alias', `releases/${version}`],
        [`releases/${version}`, 'release', release],
      ]),
    )
    return { dir, release, snapshot }
  } finally {
    removeTemp(out)
  }
}

async function withArchive<T>(data: string, f: (a: Archive) => Promise<T>): Promise<T> {
  const archive = await openArchive({ dataDir: data, writer: 'loader' })
  try {
    return await f(archive)
  } finally {
    await archive.close()
  }
}

type Opts = Parameters<typeof loadOrigin>[2]
function load(data: string, type: string, url: string, extra: Partial<Opts> = {}) {
  return withArchive(data, (a) =>
    loadOrigin(type, url, { storage: a.storage, scratchDir: a.tmpDir, ...extra }),
  )
}

beforeAll(async () => {
  root = makeTemp('arca-archive-')
  files = join(root, 'files')
  const src = join(root, 'src')
  mkdirSync(files)
  mkdirSync(src)
  makeSource(src)
  const tar = (name: string, ...flags: string[]) =>
    execFileSync('tar', [...flags, '-cf', join(files, name), '-C', src, 'pkg-1.2.3'])
  tar('pkg-1.2.3.tar')
  tar('pkg-1.2.3.tar.gz', '-z')
  tar('pkg-1.2.3.tar.bz2', '-j')
  tar('pkg-1.2.3.tar.xz', '-J')
  tar('pkg-1.2.3.tar.zst', '--zstd')
  tar('pkg-1.2.3-pax.tar.gz', '-z', '--format=posix')
  execFileSync('zip', ['-q', '-r', '-y', join(files, 'pkg-1.2.3.zip'), 'pkg-1.2.3'], { cwd: src })
  execFileSync('python3', [
    '-c',
    'import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)\nz.writestr("pz-2.0/a.txt","a\\n")\nz.writestr("pz-2.0/sub/","")\nz.writestr("pz-2.0/x..y.txt","dropped by shutil\\n")\nz.close()',
    join(files, 'pz-2.0.zip'),
  ])
  for (const f of execFileSync('ls', [files], { encoding: 'utf8' }).trim().split('\n'))
    utimesSync(join(files, f), MTIME, MTIME)
  server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1))
    const p = join(files, name)
    let st
    try {
      st = statSync(p)
    } catch {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, {
      'Content-Length': String(st.size),
      'Last-Modified': st.mtime.toUTCString(),
      'Content-Type': 'application/octet-stream',
    })
    createReadStream(p).pipe(res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => {
  server?.close()
  if (root) removeTemp(root)
})

describe('tar loader', () => {
  for (const name of [
    'pkg-1.2.3.tar',
    'pkg-1.2.3.tar.gz',
    'pkg-1.2.3.tar.bz2',
    'pkg-1.2.3.tar.xz',
    'pkg-1.2.3.tar.zst',
    'pkg-1.2.3.zip',
  ])
    it(`archives ${name} over HTTP with SWH's ids`, async () => {
      const data = makeTemp('arca-data-')
      try {
        const url = `${base}/${name}`
        const want = expectedTar(join(files, name), url, '1.2.3', name.endsWith('.zip'))
        const r = await load(data, 'tar', url)
        expect(r.message).toBeNull()
        expect(r.status).toBe('full')
        expect(r.snapshot).toBe(want.snapshot)
        await withArchive(data, async (a) => {
          const [rel] = await a.storage.releaseGet([want.release])
          expect(rel?.target).toBe(want.dir)
          // the pristine bytes are kept: a content with the tarball's sha256
          const [c] = await a.storage.contentGet([sha256(join(files, name))], 'sha256')
          expect(c?.length).toBe(statSync(join(files, name)).size)
          const ext = await a.storage.extidGetFromExtid(
            'checksum-sha256',
            [Buffer.from(sha256(join(files, name)), 'hex')],
            { version: 1 },
          )
          expect(ext.map((e) => e.target.id)).toEqual([want.dir])
        })
      } finally {
        removeTemp(data)
      }
    })

  it('keeps pax names and zip rules (CP437/UTF-8, no exec bits, `..` names left out)', async () => {
    const data = makeTemp('arca-data-')
    try {
      const pax = `${base}/pkg-1.2.3-pax.tar.gz`
      const r = await load(data, 'tar', pax)
      expect(r.status).toBe('full')
      // the version is what follows the first "-<digit>" of the file name
      const want = expectedTar(join(files, 'pkg-1.2.3-pax.tar.gz'), pax, '1.2.3-pax')
      expect(r.snapshot).toBe(want.snapshot)
      const z = `${base}/pz-2.0.zip`
      const rz = await load(data, 'tar', z)
      expect(rz.snapshot).toBe(expectedTar(join(files, 'pz-2.0.zip'), z, '2.0', true).snapshot)
    } finally {
      removeTemp(data)
    }
  })

  it('loads a local file, and skips an unchanged artifact on a re-visit', async () => {
    const data = makeTemp('arca-data-')
    try {
      const path = join(files, 'pkg-1.2.3.tar.gz')
      const first = await load(data, 'tar', path)
      expect(first.status).toBe('full')
      const want = expectedTar(path, `file://${path}`, '1.2.3')
      expect(first.snapshot).toBe(want.snapshot)
      const again = await load(data, 'tar', path)
      expect(again.status).toBe('full')
      expect(again.snapshot).toBe(first.snapshot)
      expect(again.eventful).toBe(false)
      expect(again.stats.fetches).toBe(0)
      expect(again.stats.contents).toBe(0)
    } finally {
      removeTemp(data)
    }
  })

  it('a declared checksum that does not match fails the artifact, naming both values', async () => {
    const data = makeTemp('arca-data-')
    try {
      const url = `${base}/pkg-1.2.3.tar.gz`
      const bad = '0'.repeat(64)
      const r = await load(data, 'tar', url, { checksums: { sha256: bad } })
      // as SWH's PackageLoader (test_archive_visit_with_no_artifact_found): the version fails,
      // the visit is partial with the empty snapshot; SWH's tarball-directory fails the visit
      expect(r).toMatchObject({ status: 'partial', snapshot: py('snapshot', '[]') })
      expect(r.message).toContain(
        `checksum mismatch for ${url}: sha256 is ${sha256(join(files, 'pkg-1.2.3.tar.gz'))}, expected ${bad}`,
      )
      const d = await load(data, 'tarball-directory', url, { checksums: { sha256: bad } })
      expect(d.status).toBe('failed')
      expect(d.message).toContain('checksum mismatch')
    } finally {
      removeTemp(data)
    }
  })

  it('404 is not_found', async () => {
    const data = makeTemp('arca-data-')
    try {
      const r = await load(data, 'tar', `${base}/nope-1.0.tar.gz`)
      expect(r.status).toBe('not_found')
    } finally {
      removeTemp(data)
    }
  })
})

describe('tarball-directory loader', () => {
  it('archives the unpacked tree: HEAD → directory, checksum ExtIDs, skipped when known', async () => {
    const data = makeTemp('arca-data-')
    try {
      const name = 'pkg-1.2.3.tar.xz'
      const url = `${base}/${name}`
      const sum = sha256(join(files, name))
      const want = expectedTar(join(files, name), url, '1.2.3')
      const r = await load(data, 'tarball-directory', url, { checksums: { sha256: sum } })
      expect(r.status).toBe('full')
      expect(r.snapshot).toBe(py('snapshot', JSON.stringify([['HEAD', 'directory', want.dir]])))
      const again = await load(data, 'tarball-directory', url, { checksums: { sha256: sum } })
      expect(again.snapshot).toBe(r.snapshot)
      expect(again.stats.fetches).toBe(0)
    } finally {
      removeTemp(data)
    }
  })

  it('nar layout: the NAR of the tree or of its single top folder; checksum-sha256 always → the tree', async () => {
    const data = makeTemp('arca-data-')
    const out = makeTemp('arca-expect-')
    try {
      const name = 'pkg-1.2.3.tar.gz'
      const url = `${base}/${name}`
      execFileSync('tar', ['-xf', join(files, name), '-C', out])
      // the NAR hashes by the helper (its serialiser gives SWH's own test values for
      // dummy-hello.tar.gz: 45db8a27… for the tree, 23fb1fe2… for its top folder)
      const tree = { dir: py('dir', out), nar: py('nar', out) }
      const top = { dir: py('dir', join(out, 'pkg-1.2.3')), nar: py('nar', join(out, 'pkg-1.2.3')) }
      const head = (dir: string) => py('snapshot', JSON.stringify([['HEAD', 'directory', dir]]))
      const extid = (type: string, hex: string) =>
        withArchive(data, (a) =>
          a.storage.extidGetFromExtid(type, [Buffer.from(hex, 'hex')], { version: 1 }),
        ).then((l) => l.map((e) => e.target.id))
      const sum = sha256(join(files, name))

      // Nix's way: the NAR of the single top folder; that folder is the directory
      const n = await load(data, 'tarball-directory', url, {
        checksums: { sha256: top.nar },
        checksumLayout: 'nar',
      })
      expect(n).toMatchObject({ status: 'full', snapshot: head(top.dir) })
      expect(await extid('nar-sha256', top.nar)).toEqual([top.dir])
      // the tarball's own sha256 names the whole tree, as a standard visit records it
      expect(await extid('checksum-sha256', sum)).toEqual([tree.dir])
      const s = await load(data, 'tarball-directory', url, { checksums: { sha256: sum } })
      expect(s).toMatchObject({ status: 'full', snapshot: head(tree.dir) })
      expect(s.stats.fetches).toBe(0)

      // Guix's way: the NAR of the tree itself
      const g = await load(data, 'tarball-directory', url, {
        checksums: { sha256: tree.nar },
        checksumLayout: 'nar',
      })
      expect(g).toMatchObject({ status: 'full', snapshot: head(tree.dir) })
      expect(await extid('nar-sha256', tree.nar)).toEqual([tree.dir])

      const bad = await load(data, 'tarball-directory', url, {
        checksums: { sha256: '0'.repeat(64) },
        checksumLayout: 'nar',
      })
      expect(bad.status).toBe('failed')
      expect(bad.message).toContain(top.nar)
    } finally {
      removeTemp(out)
      removeTemp(data)
    }
  })
})
