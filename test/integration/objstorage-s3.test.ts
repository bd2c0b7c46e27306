/**
 * The S3 content store against a real S3 server on loopback: Ceph's RADOS Gateway from Debian
 * (test/helpers/ceph.ts). The conformance suite, then what is its own: a second node sees what
 * the first wrote and stops serving a removed content; a removal deletes the bytes from the
 * bucket; an unindexed pack (a writer killed before its index) is never read; corruption made
 * behind the store's back (with the AWS SDK directly) is found. The bucket's objects are read
 * back with the SDK and decoded by hand from the layout in src/objstorage/s3/catalog.ts.
 */

import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { ObjStorage } from '../../src/objstorage/interface.js'
import { S3ObjStorage, type S3ObjStorageInit } from '../../src/objstorage/s3/s3-objstorage.js'
import { objStorageConformanceTests } from '../conformance/objstorage/index.js'
import { cephInstalled, type RadosGateway, startRadosGateway } from '../helpers/ceph.js'
import { arca } from '../helpers/cli.js'
import { requireService } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const available = await requireService('Ceph RADOS Gateway (radosgw)', () =>
  Promise.resolve(cephInstalled()),
)

let gw: RadosGateway
let sdk: S3Client
let buckets = 0
const dirs: string[] = []

beforeAll(async () => {
  if (!available) return
  gw = await startRadosGateway()
  sdk = new S3Client({
    endpoint: gw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
  })
}, 180_000)

afterAll(() => {
  sdk?.destroy()
  gw?.stop()
  for (const d of dirs) removeTemp(d)
})

/** A store on `bucket` (a new one by default) with its own catalog directory. */
function store(bucket?: string, init: Partial<S3ObjStorageInit> = {}): S3ObjStorage {
  const cacheDir = makeTemp('arca-s3-cache-')
  dirs.push(cacheDir)
  return new S3ObjStorage({
    endpoint: gw.endpoint,
    bucket: bucket ?? `arca-test-${++buckets}`,
    prefix: 'archive/',
    accessKeyId: gw.accessKeyId,
    secretAccessKey: gw.secretAccessKey,
    cacheDir,
    refreshMs: 0,
    ...init,
  })
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const r = await sdk.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))
  return (r.Contents ?? []).map((o) => o.Key!)
}

async function object(bucket: string, key: string): Promise<Buffer> {
  const r = await sdk.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(await r.Body!.transformToByteArray())
}

/** Where `id` is, by reading the index objects by hand: "AIX1", count, (id, off, len, raw)*. */
async function locate(bucket: string, id: string): Promise<{ pack: string; off: number }[]> {
  const out: { pack: string; off: number }[] = []
  for (const key of await keys(bucket, 'archive/index/')) {
    const b = await object(bucket, key)
    expect(b.subarray(0, 4).toString()).toBe('AIX1')
    for (let at = 8; at < b.length; at += 38)
      if (b.toString('hex', at, at + 20) === id)
        out.push({
          pack: key.replace('archive/index/', 'archive/packs/').replace(/\.idx$/, '.pack'),
          off: b.readUIntBE(at + 20, 6),
        })
  }
  return out
}

const bucketOf = new Map<ObjStorage, string>()

if (available) {
  objStorageConformanceTests('S3 (Ceph RADOS Gateway)', {
    async setup() {
      const bucket = `arca-conformance-${++buckets}`
      const s = store(bucket, { streamThreshold: 1 << 20 })
      await s.open()
      bucketOf.set(s, bucket)
      return s
    },
    async teardown(s) {
      await s.close()
    },
    async corrupt(s, id) {
      const bucket = bucketOf.get(s)!
      const [at] = await locate(bucket, id)
      const bytes = await object(bucket, at!.pack)
      // other bytes under the same id, in an entry that is well formed: header (40 bytes,
      // codec at 24, stored length at 34), payload, CRC-32 of payload then header, "1KPA"
      const e = at!.off
      expect(bytes[e + 24]).toBe(0) // small contents are stored plainly
      const stored = bytes.readUIntBE(e + 34, 6)
      bytes[e + 40] = bytes[e + 40]! ^ 0x20
      const payload = bytes.subarray(e + 40, e + 40 + stored)
      bytes.writeUInt32BE(crc32(bytes.subarray(e, e + 40), crc32(payload)), e + 40 + stored)
      await sdk.send(new PutObjectCommand({ Bucket: bucket, Key: at!.pack, Body: bytes }))
    },
  })
}

const sha1Git = (b: Buffer) =>
  createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex')

describe.runIf(available)('S3 content store specifics', () => {
  it('a second node sees what the first wrote, and stops serving what it removed', async () => {
    const a = store()
    await a.open()
    const bucket = `arca-test-${buckets}`
    const b = store(bucket)
    await b.open()
    const data = Buffer.from('shared between nodes\n')
    const id = sha1Git(data)
    expect(await b.has(id)).toBe(false)
    await a.add(id, data)
    expect(Buffer.from(await b.getBytes(id, { verify: true })).equals(data)).toBe(true)
    expect(await b.missing([id])).toEqual([])
    expect(await a.delete(id)).toBe(true)
    expect(await b.has(id)).toBe(false)
    await expect(b.getBytes(id)).rejects.toThrow(/not in the content store/)
    // stored again after the removal: visible again on both
    await b.add(id, data)
    expect(await a.has(id)).toBe(true)
    await a.close()
    await b.close()
  })

  it('a removal deletes the bytes from the bucket and keeps the other contents of the pack', async () => {
    const s = store()
    await s.open()
    const bucket = `arca-test-${buckets}`
    const secret = Buffer.from('taken down: this text must leave the bucket '.repeat(20))
    const kept = Buffer.from('kept beside it\n')
    await s.addBatch([
      { id: sha1Git(secret), data: secret },
      { id: sha1Git(kept), data: kept },
    ])
    expect((await locate(bucket, sha1Git(secret))).length).toBe(1)
    expect(await s.delete(sha1Git(secret))).toBe(true)
    expect(await locate(bucket, sha1Git(secret))).toEqual([])
    for (const key of await keys(bucket, 'archive/packs/')) {
      const bytes = await object(bucket, key)
      expect(bytes.includes(Buffer.from(sha1Git(secret), 'hex'))).toBe(false)
    }
    expect(await keys(bucket, `archive/deleted/${sha1Git(secret)}`)).toHaveLength(1)
    expect(Buffer.from(await s.getBytes(sha1Git(kept))).equals(kept)).toBe(true)
    expect(await s.delete(sha1Git(secret))).toBe(false)
    await s.close()
  })

  it('a pack without its index (a writer killed between the two) is never read', async () => {
    const s = store()
    await s.open()
    const bucket = `arca-test-${buckets}`
    const data = Buffer.from('orphan\n')
    const id = sha1Git(data)
    await s.add(id, data)
    const [at] = await locate(bucket, id)
    const orphan = await object(bucket, at!.pack)
    await sdk.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'archive/packs/zzzz-orphan.pack', Body: orphan }),
    )
    const fresh = store(bucket)
    await fresh.open()
    const listed: string[] = []
    for await (const x of fresh.list()) listed.push(x)
    expect(listed).toEqual([id])
    await fresh.close()
    await s.close()
  })

  it('streams a large content through a multipart upload and a ranged read', async () => {
    const s = store(undefined, { streamThreshold: 1 << 20 })
    await s.open()
    const big = Buffer.alloc(20 << 20)
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i)
    const id = sha1Git(big)
    async function* chunks() {
      for (let at = 0; at < big.length; at += 3 << 20)
        yield await Promise.resolve(big.subarray(at, at + (3 << 20)))
    }
    await s.add(id, chunks())
    const parts: Buffer[] = []
    for await (const c of s.get(id, { verify: true })) parts.push(Buffer.from(c))
    expect(parts.length).toBeGreaterThan(1)
    expect(Buffer.concat(parts).equals(big)).toBe(true)
    await s.close()
  }, 120_000)
})

describe.runIf(available)('arca on an S3 content store', () => {
  it('saves into the bucket, reads back, keeps its store, and never writes the secret down', async () => {
    const root = makeTemp('arca-s3-cli-')
    dirs.push(root)
    const repo = join(root, 'repo')
    execFileSync('git', ['init', '-q', '-b', 'main', repo])
    writeFileSync(join(repo, 'README'), 'archived in a bucket\n')
    writeFileSync(join(repo, 'main.c'), 'int main(void) { return 0; }\n')
    execFileSync('git', ['-C', repo, 'add', '.'])
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=A',
      '-c',
      'user.email=a@example.org',
      'commit',
      '-qm',
      'one',
    ])
    const blob = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD:README']).toString().trim()
    const data = join(root, 'data')
    const env = {
      ...process.env,
      NO_COLOR: '1',
      ARCA_S3_ENDPOINT: gw.endpoint,
      AWS_ACCESS_KEY_ID: gw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
    }
    const bucket = `arca-cli-${++buckets}`
    const saved = arca(
      ['save', '--data', data, '--objstorage', `s3://${bucket}/node-1`, '--json', repo],
      { env },
    )
    expect(saved.status).toBe(0)
    expect(JSON.parse(saved.stdout)).toMatchObject({ status: 'full' })
    // the archive keeps its store: no --objstorage needed, another kind refused
    const cat = arca(['cat', '--data', data, `swh:1:cnt:${blob}`], { env })
    expect(cat.stdout).toBe('archived in a bucket\n')
    const refused = arca(['save', '--data', data, '--objstorage', 'pack', repo], { env })
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/S3 bucket/)
    const stats = arca(['objstorage', 'stats', '--data', data, '--json'], { env })
    expect(JSON.parse(stats.stdout)).toMatchObject({
      store: 's3',
      bucket: `s3://${bucket}/node-1/`,
    })
    expect(JSON.parse(stats.stdout).entries).toBeGreaterThanOrEqual(2)
    // the pack objects are in the bucket under the prefix
    expect((await keys(bucket, 'node-1/packs/')).length).toBeGreaterThan(0)
    // nothing under the data directory holds the secret (grep: 1 = no match)
    const grep = spawnSync('grep', ['-rl', gw.secretAccessKey, data])
    expect(grep.stdout.toString()).toBe('')
    expect(grep.status).toBe(1)
    expect(saved.stdout + saved.stderr).not.toContain(gw.secretAccessKey)
  }, 120_000)

  it('refuses credentials in the URL without repeating them', () => {
    const r = arca(['save', '--objstorage', 's3://AKIA:topsecret@bucket/x', '/nonexistent'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/AWS_ACCESS_KEY_ID/)
    expect(r.stderr + r.stdout).not.toMatch(/topsecret/)
  })
})
