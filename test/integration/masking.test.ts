/**
 * Takedowns on every web read path: a masked content, directory, revision or origin is refused
 * (403) or left out by the API, the browse pages, raw bytes, permalinks, embeds, badges,
 * search, the home page and the mirror feed, all through the one masking layer, right after
 * the mask is set (same process) and no longer once it is lifted. Fixture:
 * `test/helpers/masking-fixture.ts`; hashes not given by git come from node:crypto.
 */
import { createHash } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { encodeRecord } from '../../src/journal/serde.js'
import {
  DOCS_SECRET,
  type Fixture,
  get,
  makeFixture,
  mask,
  MASKED_ORIGIN,
  MASKED_ORIGIN_SWHID,
  SECRET,
  text,
  unmask,
  VISIBLE_ORIGIN,
} from '../helpers/masking-fixture.js'
import { git } from '../helpers/repos.js'

/** Frames of a feed journal answer: offset, key, value. */
function journalFrames(bytes: Uint8Array): { offset: number; key: Buffer; value: Buffer }[] {
  const out = []
  const buf = Buffer.from(bytes)
  for (let pos = 0; pos < buf.length;) {
    const offset = Number(buf.readBigUInt64BE(pos))
    const kl = buf.readUInt32BE(pos + 8)
    const vl = buf.readUInt32BE(pos + 12)
    const key = buf.subarray(pos + 16, pos + 16 + kl)
    const value = buf.subarray(pos + 16 + kl, pos + 16 + kl + vl)
    out.push({ offset, key, value })
    pos += 16 + kl + vl
  }
  return out
}

describe('takedowns on every web read path (SQLite)', () => {
  let f: Fixture
  beforeAll(async () => {
    f = await makeFixture()
  }, 120_000)
  afterAll(async () => f?.cleanup())

  it('a masked content: every route that could serve it refuses, right after the mask', async () => {
    const cnt = `swh:1:cnt:${f.secret}`
    const sha1 = createHash('sha1').update(`${SECRET}\n`).digest('hex')
    const routes = [
      `/api/1/content/sha1_git:${f.secret}/`,
      `/api/1/content/sha1_git:${f.secret}/raw/`,
      `/api/1/content/sha1:${sha1}/raw/`,
      `/api/1/content/sha1_git:${f.secret}/filetype/`,
      `/api/1/raw/${cnt}/`,
      `/api/1/resolve/${cnt}/`,
      `/api/1/revision/${f.head}/directory/secret.txt/`,
      `/browse/content/sha1_git:${f.secret}/`,
      `/browse/content/sha1:${sha1}/`,
      `/browse/content/sha1_git:${f.secret}/raw/`,
      `/browse/origin/content/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}&path=secret.txt`,
      `/browse/origin/directory/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}&path=secret.txt`,
      `/browse/directory/${f.root}/secret.txt`,
      `/${cnt}`,
      `/${cnt};origin=${VISIBLE_ORIGIN};path=/secret.txt`,
      `/browse/${cnt}/`,
      `/embed/${cnt}`,
      `/badge/${cnt}/`,
      `/badge/content/${f.secret}/`,
    ]
    // Served before the takedown (so a refusal below is the mask's doing).
    for (const r of [routes[0]!, routes[7]!, routes[9]!, routes[16]!]) {
      const res = await text(f, r)
      expect(res.status, r).toBe(200)
    }
    expect((await text(f, routes[9]!)).body).toContain(SECRET)

    await mask(f, 'req-cnt', [cnt])
    for (const r of routes) {
      const res = await text(f, r)
      expect(res.status, r).toBe(403)
      expect(res.body, r).not.toContain(SECRET)
      expect(res.body.toLowerCase(), r).toContain('masked')
    }
    // The API keeps Software Heritage's shape.
    expect(await (await get(f, routes[0]!)).json()).toEqual({
      exception: 'MaskedObjectException',
      reason: `Some objects are masked: ${cnt}`,
      masked: { [cnt]: [{ request: 'req-cnt', state: 'restricted' }] },
    })
    // Pages that only name it (listings) still work and never show its bytes.
    for (const r of [
      `/api/1/directory/${f.root}/`,
      `/browse/directory/${f.root}/`,
      `/browse/origin/directory/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}`,
      `/browse/revision/${f.second}/`,
      `/api/1/directory/${f.root}/secret.txt/`,
    ]) {
      const res = await text(f, r)
      expect(res.status, r).toBe(200)
      expect(res.body, r).not.toContain(SECRET)
    }
    expect((await text(f, `/browse/directory/${f.root}/`)).body).toContain('secret.txt')
    expect((await text(f, `/browse/revision/${f.second}/`)).body).toContain('Masked')

    await unmask(f, 'req-cnt', [cnt])
    expect((await text(f, routes[9]!)).body).toContain(SECRET)
  })

  it('a masked README is not rendered on its directory page; the listing still is', async () => {
    const page = `/browse/directory/${f.docsDir}/`
    const originPage = `/browse/origin/directory/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}&path=docs`
    expect((await text(f, page)).body).toContain(DOCS_SECRET)
    await mask(f, 'req-readme', [`swh:1:cnt:${f.docsReadme}`])
    try {
      for (const p of [page, originPage]) {
        const res = await text(f, p)
        expect(res.status, p).toBe(200)
        expect(res.body, p).toContain('README.md')
        expect(res.body, p).not.toContain(DOCS_SECRET)
        expect(res.body, p).toContain('masked')
      }
      const embed = await text(f, `/embed/swh:1:dir:${f.docsDir}`)
      expect(embed.status).toBe(200)
      expect(embed.body).not.toContain(DOCS_SECRET)
    } finally {
      await unmask(f, 'req-readme', [`swh:1:cnt:${f.docsReadme}`])
    }
  })

  it('a masked directory: its listing is refused, also through a path walking it', async () => {
    const dir = `swh:1:dir:${f.srcDir}`
    await mask(f, 'req-dir', [dir])
    try {
      for (const r of [
        `/api/1/directory/${f.srcDir}/`,
        `/api/1/directory/${f.root}/src/main.c/`,
        `/api/1/revision/${f.head}/directory/src/`,
        `/api/1/raw/${dir}/`,
        `/browse/directory/${f.srcDir}/`,
        `/browse/directory/${f.root}/src/`,
        `/browse/origin/directory/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}&path=src`,
        `/embed/${dir}`,
        `/${dir}`,
      ]) {
        const res = await text(f, r)
        expect(res.status, r).toBe(403)
        expect(res.body, r).not.toContain('main.c')
      }
      // The revision that added it is still shown, with the directory marked masked.
      const rev = await text(f, `/browse/revision/${f.first}/`)
      expect(rev.status).toBe(200)
      expect(rev.body).not.toContain('main.c')
    } finally {
      await unmask(f, 'req-dir', [dir])
    }
  })

  it('a masked revision is left out of histories and refused itself', async () => {
    const rev = `swh:1:rev:${f.second}`
    await mask(f, 'req-rev', [rev])
    try {
      expect((await get(f, `/api/1/revision/${f.second}/`)).status).toBe(403)
      expect((await get(f, `/api/1/revision/${f.second}/log/`)).status).toBe(403)
      const log = (await (await get(f, `/api/1/revision/${f.head}/log/`)).json()) as {
        id: string
      }[]
      expect(log.map((r) => r.id)).toEqual([f.head, f.first])
      const page = await text(
        f,
        `/browse/origin/log/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}`,
      )
      expect(page.status).toBe(200)
      expect(page.body).toContain(f.first.slice(0, 10))
      expect(page.body).not.toContain(f.second.slice(0, 10))
    } finally {
      await unmask(f, 'req-rev', [rev])
    }
  })

  it('a masked origin: refused by every origin route, left out of every listing', async () => {
    const ori = MASKED_ORIGIN_SWHID
    const enc = encodeURIComponent(MASKED_ORIGIN)
    const refused = [
      `/api/1/origin/${MASKED_ORIGIN}/get/`,
      `/api/1/origin/${MASKED_ORIGIN}/visits/`,
      `/api/1/origin/${MASKED_ORIGIN}/visit/latest/`,
      `/api/1/origin/${MASKED_ORIGIN}/visit/1/`,
      `/api/1/raw-extrinsic-metadata/origin/${MASKED_ORIGIN}/authorities/`,
      `/browse/origin/directory/?origin_url=${enc}`,
      `/browse/origin/directory/?origin_url=${enc}&path=src`,
      `/browse/origin/content/?origin_url=${enc}&path=README.md`,
      `/browse/origin/log/?origin_url=${enc}`,
      `/browse/origin/branches/?origin_url=${enc}`,
      `/browse/origin/releases/?origin_url=${enc}`,
      `/browse/origin/visits/?origin_url=${enc}`,
      `/api/1/origin/${MASKED_ORIGIN}/forks/`,
      `/browse/origin/forks/?origin_url=${enc}`,
      `/badge/origin/${MASKED_ORIGIN}/`,
    ]
    const listings = [
      '/api/1/origin/search/example/',
      '/api/1/origin/search/taken/',
      '/api/1/origin/search/tak.n-d/?use_regexp=true',
      '/api/1/origins/',
      '/browse/search/?q=example',
      '/browse/search/?q=taken',
      '/',
    ]
    for (const r of [refused[0]!, refused[5]!, refused[11]!])
      expect((await get(f, r)).status).toBe(200)
    expect((await text(f, '/')).body).toContain(MASKED_ORIGIN)
    expect((await get(f, '/api/1/origin/search/taken/')).headers.get('x-total-count')).toBe('1')

    await mask(f, 'req-ori', [ori])
    try {
      for (const r of refused) {
        const res = await text(f, r)
        expect(res.status, r).toBe(403)
        expect(res.body.toLowerCase(), r).toContain('masked')
      }
      for (const r of listings) {
        const res = await get(f, r)
        expect(res.status, r).toBe(200)
        expect(await res.text(), r).not.toContain('taken-down')
      }
      const search = await get(f, '/api/1/origin/search/example/')
      expect(search.headers.get('x-total-count')).toBe('1')
      expect(((await search.json()) as { url: string }[]).map((o) => o.url)).toEqual([
        VISIBLE_ORIGIN,
      ])
      expect((await get(f, '/api/1/origin/search/taken/')).headers.get('x-total-count')).toBe('0')
      const origins = (await (await get(f, '/api/1/origins/')).json()) as { url: string }[]
      expect(origins.map((o) => o.url)).toContain(VISIBLE_ORIGIN)
      expect((await text(f, '/')).body).toContain(VISIBLE_ORIGIN)
      // The same code seen through the visible origin is still served.
      expect(
        (await get(f, `/browse/origin/directory/?origin_url=${encodeURIComponent(VISIBLE_ORIGIN)}`))
          .status,
      ).toBe(200)
    } finally {
      await unmask(f, 'req-ori', [ori])
    }
    expect((await get(f, refused[0]!)).status).toBe(200)
  })

  it('the mirror feed withholds masked records and bytes; takedown records still flow', async () => {
    const auth = { Authorization: `Bearer ${f.token}` }
    const ori = MASKED_ORIGIN_SWHID
    const journal = async (topic: string) =>
      journalFrames(
        new Uint8Array(
          await (
            await get(f, `/mirror/1/journal/${topic}?from=0`, { headers: auth })
          ).arrayBuffer(),
        ),
      )
    const before = {
      content: await journal('content'),
      origin: await journal('origin'),
      visit: await journal('origin_visit'),
      status: await journal('origin_visit_status'),
    }
    const secretKey = Buffer.from(f.secret, 'hex')
    expect(before.content.some((r) => r.key.equals(secretKey))).toBe(true)
    const has = (rs: { value: Buffer }[], s: string) =>
      rs.some((r) => r.value.includes(Buffer.from(s)))
    expect(has(before.origin, MASKED_ORIGIN)).toBe(true)

    await mask(f, 'req-feed', [`swh:1:cnt:${f.secret}`, ori])
    // A takedown record, as `arca takedown` journals it.
    await f.archive.journal.append('takedown', [
      encodeRecord('takedown', {
        id: 'req-feed',
        reason: 'court order',
        action: 'mask',
        swhids: [`swh:1:cnt:${f.secret}`, ori],
        date: new Date('2024-05-01T00:00:00Z'),
      }),
    ])
    try {
      const after = {
        content: await journal('content'),
        origin: await journal('origin'),
        visit: await journal('origin_visit'),
        status: await journal('origin_visit_status'),
      }
      for (const [topic, rs] of Object.entries(after)) {
        const old = before[topic as keyof typeof before]
        // Every offset is still there (mirrors advance past withheld records)...
        expect(
          rs.map((r) => r.offset),
          topic,
        ).toEqual(old.map((r) => r.offset))
        // ...but nothing of the masked origin or content is.
        expect(has(rs, MASKED_ORIGIN), topic).toBe(false)
        expect(
          rs.some((r) => r.key.equals(secretKey)),
          topic,
        ).toBe(false)
      }
      expect(after.content.filter((r) => r.value.length === 0)).toHaveLength(1)
      expect(has(after.origin, VISIBLE_ORIGIN)).toBe(true)
      const takedowns = await journal('takedown')
      expect(takedowns).toHaveLength(1)
      expect(has(takedowns, 'court order')).toBe(true)

      // Bytes: a masked content answers "missing", a visible one its bytes.
      const readme = git(f.repo, ['rev-parse', 'main:README.md'])
      const body = Buffer.concat([secretKey, Buffer.from(readme, 'hex')])
      const res = await get(f, '/mirror/1/contents', { method: 'POST', headers: auth, body })
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(bytes.subarray(0, 20).equals(secretKey)).toBe(true)
      expect(bytes.readUInt32BE(20)).toBe(0xffffffff)
      expect(bytes.subarray(24, 44).toString('hex')).toBe(readme)
      expect(bytes.subarray(48).toString()).toBe('# Root readme ROOT-README-VISIBLE\n')
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false)

      // Objects: a masked one answers unknown (kind 0), in order with the others.
      const objs = await get(f, '/mirror/1/objects/content', {
        method: 'POST',
        headers: auth,
        body,
      })
      const ob = Buffer.from(await objs.arrayBuffer())
      expect(objs.status).toBe(200)
      expect(ob[0]).toBe(0)
      expect(ob.readUInt32BE(1)).toBe(0)
      expect(ob[5]).toBe(1)
    } finally {
      await unmask(f, 'req-feed', [`swh:1:cnt:${f.secret}`, ori])
    }
  })
})
