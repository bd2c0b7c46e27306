/**
 * Safe unpacking against hostile archives made by python3's `tarfile` and `zipfile` (and
 * gzip bombs by node's zlib): each is refused with its reason, nothing is written outside the
 * scratch folder, and a visit of one names the refusal in its status.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin } from '../../src/loader/index.js'
import { unpackArchive } from '../../src/loader/package/index.js'
import { openArchive } from '../../src/storage/archive.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string

/** Makes `name` with python3: `body` adds members to the open TarFile `t` or ZipFile `z`. */
function pyArchive(name: string, body: string): string {
  const path = join(root, name)
  const zip = name.endsWith('.zip')
  execFileSync('python3', [
    '-c',
    [
      'import io, sys, tarfile, zipfile',
      zip
        ? 'z = zipfile.ZipFile(sys.argv[1], "w")'
        : 't = tarfile.open(sys.argv[1], "w:gz", format=tarfile.GNU_FORMAT)',
      'def add(name, data=b"x", **kw):',
      '    i = tarfile.TarInfo(name); i.size = len(data)',
      '    for k, v in kw.items(): setattr(i, k, v)',
      '    t.addfile(i, io.BytesIO(data) if i.isreg() else None)',
      body,
      zip ? 'z.close()' : 't.close()',
    ].join('\n'),
    path,
  ])
  return path
}

beforeAll(() => {
  root = makeTemp('arca-hostile-')
})
afterAll(() => removeTemp(root))

async function refusal(archive: string, limits = {}): Promise<string> {
  const dest = join(root, `out-${Math.random().toString(36).slice(2)}`)
  mkdirSync(dest)
  try {
    await unpackArchive(archive, dest, { limits })
  } catch (e) {
    // nothing escaped: only the scratch folder holds what was written
    expect(existsSync(join(root, 'escaped'))).toBe(false)
    return (e as Error).message
  }
  throw new Error(`${archive} was not refused`)
}

describe('hostile archives are refused with their reason', () => {
  const cases: [string, string, string][] = [
    ['dotdot.tar.gz', 'add("a/../../escaped")', 'has a ".." name'],
    ['absolute.tar.gz', 'add("/tmp/escaped-abs")', 'is an absolute path'],
    [
      'symlink-out.tar.gz',
      'add("a/link", type=tarfile.SYMTYPE, linkname="../../escaped")',
      'outside the archive',
    ],
    [
      'symlink-abs.tar.gz',
      'add("link", type=tarfile.SYMTYPE, linkname="/etc/passwd")',
      'a symbolic link to the absolute path "/etc/passwd"',
    ],
    [
      'through-link.tar.gz',
      'add("d", type=tarfile.SYMTYPE, linkname="."); add("d/x")',
      'is under a symbolic link',
    ],
    [
      'hardlink-out.tar.gz',
      'add("h", type=tarfile.LNKTYPE, linkname="/etc/passwd")',
      'is a hard link to "/etc/passwd"',
    ],
    [
      'device.tar.gz',
      'add("dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)',
      'is a device file',
    ],
    ['fifo.tar.gz', 'add("p", type=tarfile.FIFOTYPE)', 'is a FIFO'],
    ['zip-dotdot.zip', 'z.writestr("../escaped", "x")', 'has a ".." name'],
    ['zip-abs.zip', 'z.writestr("/tmp/escaped-zip", "x")', 'is an absolute path'],
  ]
  for (const [name, body, reason] of cases)
    it(name, async () => {
      const msg = await refusal(pyArchive(name, body))
      expect(msg).toContain(`refused to unpack ${name}`)
      expect(msg).toContain(reason)
    })

  it('bombs: total size, ratio, entry count, depth', async () => {
    const big = join(root, 'bomb.tar.gz')
    // one 64 MiB file of zeros: a tar of it gzips to ~64 KiB
    const tar = execFileSync(
      'python3',
      [
        '-c',
        'import io,sys,tarfile\nb=io.BytesIO()\nt=tarfile.open(fileobj=b,mode="w")\ni=tarfile.TarInfo("zeros");i.size=64<<20\nt.addfile(i,io.BytesIO(bytes(64<<20)))\nt.close()\nsys.stdout.buffer.write(b.getvalue())',
      ],
      { maxBuffer: 1 << 30 },
    )
    writeFileSync(big, gzipSync(tar, { level: 9 }))
    expect(await refusal(big, { maxBytes: 1 << 20 })).toContain(
      'unpacks to more than 1048576 bytes',
    )
    expect(await refusal(big, { ratioFloor: 1 << 20, maxRatio: 100 })).toContain(
      'unpacks to more than 100 times',
    )
    const many = pyArchive('many.tar.gz', 'for n in range(50): add("f%d" % n)')
    expect(await refusal(many, { maxEntries: 10 })).toContain('more than 10 entries')
    const deep = pyArchive('deep.tar.gz', 'add("/".join(["d"] * 40) + "/f")')
    expect(await refusal(deep, { maxDepth: 32 })).toContain('nested deeper than 32')
  })

  it('names with any bytes are kept as bytes', async () => {
    const p = pyArchive('bytes.tar.gz', 'add(b"caf\\xe9-\\xff".decode("utf-8", "surrogateescape"))')
    const dest = join(root, 'bytes-out')
    mkdirSync(dest)
    await unpackArchive(p, dest)
    expect(readdirSync(dest, { encoding: 'buffer' })).toEqual([
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2d, 0xff]),
    ])
  })

  it('a visit of a hostile tarball names the refusal', async () => {
    const data = makeTemp('arca-data-')
    try {
      const a = await openArchive({ dataDir: data, writer: 'loader' })
      try {
        const p = join(root, 'dotdot.tar.gz')
        const d = await loadOrigin('tarball-directory', p, {
          storage: a.storage,
          scratchDir: a.tmpDir,
        })
        expect(d.status).toBe('failed')
        expect(d.message).toContain(
          'refused to unpack dotdot.tar.gz: "a/../../escaped" has a ".." name',
        )
        const r = await loadOrigin('tar', p, { storage: a.storage, scratchDir: a.tmpDir })
        // its only version refused: as SWH's PackageLoader, the visit is partial with the empty
        // snapshot (sha1 of the git-style object "snapshot 0\0"), the refusal named
        expect(r.status).toBe('partial')
        expect(r.snapshot).toBe(createHash('sha1').update('snapshot 0\0').digest('hex'))
        expect(r.message).toContain('has a ".." name')
      } finally {
        await a.close()
      }
    } finally {
      removeTemp(data)
    }
  })
})
