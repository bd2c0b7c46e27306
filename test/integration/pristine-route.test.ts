/**
 * Pristine tarballs over the web: a tarball made by the real `tar`, archived by the `tar`
 * loader, comes back from `/api/1/pristine/sha256/<hash>` byte for byte (the sha256 computed
 * by node:crypto on the original file), by hex and Nix base-32 (computed by the `nix-hash`
 * algorithm worked here by hand in python3); `/api/1/extid/checksum-sha256/<hex>/` answers as
 * SWH's route; a takedown of the tarball's content hides both.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin } from '../../src/loader/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
let data: string
let tarball: string
let sha: string
let archive: Archive
let app: ReturnType<typeof createApp>

/** Nix base-32 of hex, by Nix's algorithm, in python3 (not Arca's code). */
function nix32(hex: string): string {
  return execFileSync(
    'python3',
    [
      '-c',
      'import sys\nb=bytes.fromhex(sys.argv[1])\nA="0123456789abcdfghijklmnpqrsvwxyz"\nn=(len(b)*8-1)//5+1\nout=""\nfor i in range(n-1,-1,-1):\n  bit=i*5; j=bit//8; k=bit%8\n  c=(b[j]>>k)|((b[j+1]<<(8-k)) if j+1<len(b) else 0)\n  out+=A[c&31]\nprint(out)',
      hex,
    ],
    { encoding: 'utf8' },
  ).trim()
}

beforeAll(async () => {
  root = makeTemp('arca-pristine-')
  data = makeTemp('arca-pristine-data-')
  mkdirSync(join(root, 'src', 'tool-0.9'), { recursive: true })
  writeFileSync(join(root, 'src', 'tool-0.9', 'main.py'), 'print("hi")\n')
  tarball = join(root, 'tool-0.9.tar.gz')
  execFileSync('tar', ['-czf', tarball, '-C', join(root, 'src'), 'tool-0.9'])
  sha = createHash('sha256').update(readFileSync(tarball)).digest('hex')
  const writer = await openArchive({ dataDir: data, writer: 'loader' })
  const r = await loadOrigin('tar', tarball, { storage: writer.storage, scratchDir: writer.tmpDir })
  expect(r.status).toBe('full')
  await writer.close()
  archive = await openArchive({ dataDir: data })
  const ctx = webContext(archive, {}, { disabled: true })
  app = createApp(ctx, (a) => mountBrowse(a, ctx))
})

afterAll(async () => {
  await archive?.close()
  removeTemp(root)
  removeTemp(data)
})

const get = (path: string) => app.request(`http://arca.test${path}`)

describe('pristine artifacts', () => {
  it('come back byte for byte by sha256, hex or Nix base-32', async () => {
    for (const h of [sha, nix32(sha)]) {
      const res = await get(`/api/1/pristine/sha256/${h}`)
      expect(res.status).toBe(200)
      const body = Buffer.from(await res.arrayBuffer())
      expect(createHash('sha256').update(body).digest('hex')).toBe(sha)
      expect(body.equals(readFileSync(tarball))).toBe(true)
    }
    expect((await get(`/api/1/pristine/sha256/${'0'.repeat(64)}/`)).status).toBe(404)
    expect((await get(`/api/1/pristine/md5/${'0'.repeat(32)}/`)).status).toBe(400)
  })

  it('/extid/checksum-sha256/… answers as SWH: the directory the tarball unpacks to', async () => {
    for (const path of [
      `/api/1/extid/checksum-sha256/hex:${sha}/?extid_version=1`,
      `/api/1/extid/checksum-sha256/base64url:${Buffer.from(sha, 'hex').toString('base64url')}/?extid_version=1`,
      `/api/1/extid/checksum-sha256/${sha}/?extid_version=1`,
    ]) {
      const res = await get(path)
      expect(res.status).toBe(200)
      const j = (await res.json()) as Record<string, unknown>
      expect(j['extid_type']).toBe('checksum-sha256')
      expect(j['extid_version']).toBe(1)
      expect(String(j['target'])).toMatch(/^swh:1:dir:[0-9a-f]{40}$/)
      expect(String(j['target_url'])).toContain('/api/1/directory/')
    }
  })

  it('a takedown hides the bytes', async () => {
    const [c] = await archive.storage.contentGet([sha], 'sha256')
    await archive.backend.maskSet('t1', 'takedown', [`swh:1:cnt:${c!.sha1Git}`], 'restricted')
    const res = await get(`/api/1/pristine/sha256/${sha}`)
    expect(res.status).not.toBe(200)
    expect(res.status).toBeGreaterThanOrEqual(400)
    await archive.backend.maskSet('t1', 'lifted', [`swh:1:cnt:${c!.sha1Git}`], null)
    expect((await get(`/api/1/pristine/sha256/${sha}`)).status).toBe(200)
  })
})
