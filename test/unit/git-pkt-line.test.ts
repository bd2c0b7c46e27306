/**
 * pkt-line framing, the v2 capability advertisement, `ls-refs` lines and the sideband of a
 * fetch response. Expected values are worked by hand from git's documentation
 * (gitprotocol-common: a 4-hex-digit length that counts itself, `0000` flush, `0001` delim,
 * `0002` response-end, at most 65520 bytes a line; gitprotocol-v2 and gitprotocol-pack: the
 * `packfile` section with sideband channels 1 data, 2 progress, 3 error), and from what real
 * `git upload-pack` writes for a repository made here.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  lsRefsRequest,
  parseCapabilities,
  parseRefLine,
  ProtocolV0Error,
} from '../../src/loader/git/capabilities.js'
import { DELIM, FLUSH, pkt, PktReader } from '../../src/loader/git/pkt-line.js'
import { readPackfile } from '../../src/loader/git/sideband.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1')

async function* chunks(parts: readonly (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) {
    await Promise.resolve()
    yield typeof p === 'string' ? bytes(p) : p
  }
}

const readerOf = (...parts: (string | Buffer)[]): PktReader =>
  new PktReader(chunks(parts), 'test://remote', 60_000)

/** The same bytes, one byte a chunk. */
function byteByByte(s: string | Buffer): PktReader {
  const b = typeof s === 'string' ? bytes(s) : s
  return readerOf(...[...b].map((x) => Buffer.of(x)))
}

/** Every packet up to the end of the stream: data as latin1 text, the others by their kind. */
async function readAll(r: PktReader): Promise<string[]> {
  const out: string[] = []
  for (;;) {
    const p = await r.read()
    if (p.kind === 'eof') return out
    out.push(p.kind === 'data' ? p.payload.toString('latin1') : p.kind)
  }
}

describe('pkt-line framing (gitprotocol-common)', () => {
  it('encodes the examples of the documentation', () => {
    // "0006a\n" is "a\n", "0005a" is "a", "000bfoobar\n" is "foobar\n", "0004" is "".
    expect(pkt('a\n').toString('latin1')).toBe('0006a\n')
    expect(pkt('a').toString('latin1')).toBe('0005a')
    expect(pkt('foobar\n').toString('latin1')).toBe('000bfoobar\n')
    expect(pkt('').toString('latin1')).toBe('0004')
    expect(pkt(Buffer.from([0xff, 0, 0x0a])).toString('latin1')).toBe('0007\xff\0\n')
    expect(FLUSH.toString('latin1')).toBe('0000')
    expect(DELIM.toString('latin1')).toBe('0001')
  })

  it('decodes data lines and the three special packets', async () => {
    const wire = '0006a\n0005a000bfoobar\n00040000000100020009\xff\0\x01\n\x00'
    const thirds = (s: string): string[] => s.match(/[^]{1,3}/g) ?? []
    for (const r of [readerOf(wire), byteByByte(wire), readerOf(...thirds(wire))]) {
      expect(await readAll(r)).toEqual([
        'a\n',
        'a',
        'foobar\n',
        '',
        'flush',
        'delim',
        'end',
        '\xff\0\x01\n\x00',
      ])
    }
  })

  it('reads lengths as lower-case hex counting the 4 length bytes', async () => {
    // 0x001a = 26: 4 length bytes + 22 bytes of data.
    const data = 'x'.repeat(22)
    expect(await readAll(readerOf(`001a${data}`))).toEqual([data])
    // 0x0100 = 256, split across chunks.
    const big = 'y'.repeat(252)
    expect(await readAll(readerOf('01', '00' + big.slice(0, 100), big.slice(100)))).toEqual([big])
  })

  it('accepts the longest line the protocol allows (65520 = 0xfff0)', async () => {
    const data = Buffer.alloc(65516, 0x61)
    const r = readerOf(Buffer.concat([bytes('fff0'), data]), '0000')
    const p = await r.read()
    expect(p.kind).toBe('data')
    expect(p.kind === 'data' && p.payload.equals(data)).toBe(true)
    expect((await r.read()).kind).toBe('flush')
  })

  it('rejects lengths above 65520', async () => {
    for (const len of ['fff1', 'fffe', 'ffff']) {
      const n = parseInt(len, 16)
      const r = readerOf(Buffer.concat([bytes(len), Buffer.alloc(n - 4, 0x61)]))
      await expect(r.read(), len).rejects.toThrow(/pkt-line length/)
    }
  })

  it('rejects the reserved lengths 0003 and bad hex digits', async () => {
    await expect(readerOf('0003').read()).rejects.toThrow(/Bad pkt-line length 3/)
    for (const bad of ['00g1', 'zzzz', '-001', ' 004', '0x04', '00\n4']) {
      await expect(readerOf(`${bad}abcdefgh`).read(), JSON.stringify(bad)).rejects.toThrow(
        /Bad pkt-line length/,
      )
    }
  })

  it('reads a length written in upper-case hex, as git does', async () => {
    // 0x000A = 10: the 4 length bytes and 6 of data.
    expect(await readAll(readerOf('000Aabcde\n0000'))).toEqual(['abcde\n', 'flush'])
  })

  it('fails on input cut inside a length or inside the data; ends cleanly between lines', async () => {
    await expect(readAll(readerOf('0006a\n00'))).rejects.toThrow(/middle of a pkt-line/)
    await expect(readAll(readerOf('0009abc'))).rejects.toThrow(/middle of a pkt-line/)
    await expect(readAll(byteByByte('000bfoo'))).rejects.toThrow(/middle of a pkt-line/)
    expect(await readAll(readerOf('0006a\n'))).toEqual(['a\n'])
    expect(await readAll(readerOf())).toEqual([])
  })

  it('lines() gives the data up to a flush without the trailing newline', async () => {
    const r = readerOf('0006a\n0005b0008c\nd\n00000008e\nf\n')
    expect((await r.lines()).map((l) => l.toString('latin1'))).toEqual(['a', 'b', 'c\nd'])
    // The end of the stream also ends the lines.
    expect((await r.lines()).map((l) => l.toString('latin1'))).toEqual(['e\nf'])
  })

  it('an ERR line is the remote refusing: not_found or unavailable by its message', async () => {
    // "ERR " + message (gitprotocol-pack); 4 + 26 = 30 = 0x1e.
    await expect(readerOf('001eERR access denied or gone\n').lines()).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('access denied or gone') as unknown,
    })
    await expect(readerOf('0012ERR try later\n').lines()).rejects.toMatchObject({
      code: 'unavailable',
    })
  })
})

describe('capabilities and ls-refs lines (gitprotocol-v2)', () => {
  it('reads key and key=value capabilities after "version 2"', () => {
    const caps = parseCapabilities(
      ['version 2', 'agent=git/2.39.5', 'ls-refs=unborn', 'fetch=shallow wait-for-done', 'x'].map(
        bytes,
      ),
      'here',
    )
    expect([...caps]).toEqual([
      ['agent', 'git/2.39.5'],
      ['ls-refs', 'unborn'],
      ['fetch', 'shallow wait-for-done'],
      ['x', ''],
    ])
  })

  it('a v0 advertisement (no "version 2" line) is a ProtocolV0Error', () => {
    const v0 = `${'a'.repeat(40)} HEAD\0multi_ack side-band-64k`
    expect(() => parseCapabilities([bytes(v0)], 'there')).toThrow(ProtocolV0Error)
  })

  it('writes ls-refs with symrefs, and unborn only when offered', () => {
    expect(lsRefsRequest('').toString('latin1')).toBe(
      '0014command=ls-refs\n' + '0013agent=arca/0.1\n' + '0001' + '000csymrefs\n' + '0000',
    )
    expect(lsRefsRequest('unborn').toString('latin1')).toContain('000csymrefs\n000bunborn\n0000')
  })

  it('reads ref lines with their attributes', () => {
    const a = 'a'.repeat(40)
    const b = 'b'.repeat(40)
    expect(parseRefLine(bytes(`${a} refs/heads/main`))).toEqual({
      name: bytes('refs/heads/main'),
      oid: a,
      symref: null,
    })
    expect(parseRefLine(bytes(`${a} HEAD symref-target:refs/heads/main`))).toEqual({
      name: bytes('HEAD'),
      oid: a,
      symref: bytes('refs/heads/main'),
    })
    expect(parseRefLine(bytes(`unborn HEAD symref-target:refs/heads/x`))).toEqual({
      name: bytes('HEAD'),
      oid: null,
      symref: bytes('refs/heads/x'),
    })
    expect(parseRefLine(bytes(`${a} refs/tags/v1 peeled:${b}`))).toEqual({
      name: bytes('refs/tags/v1'),
      oid: a,
      symref: null,
    })
    // Names are bytes: a space or a non-UTF-8 byte stays in the name.
    expect(parseRefLine(bytes(`${a} refs/heads/caf\xe9 x`)).name).toEqual(
      bytes('refs/heads/caf\xe9 x'),
    )
  })
})

describe('sideband of the fetch response (gitprotocol-pack)', () => {
  async function demux(...wire: string[]): Promise<{ data: string; n: number }> {
    const got: Buffer[] = []
    const n = await readPackfile(readerOf(...wire), (c) => {
      got.push(Buffer.from(c))
      return Promise.resolve()
    })
    return { data: Buffer.concat(got).toString('latin1'), n }
  }

  it('passes channel 1 on, drops channel 2, after the packfile line', async () => {
    // "packfile\n" is 9 bytes: 000d. "\x01PACK" is 5: 0009. "\x02Counting\n" is 10: 000e.
    const r = await demux(
      '0011shallow-info\n',
      '0001',
      '000dpackfile\n',
      '0009\x01PACK',
      '000e\x02Counting\n',
      '0008\x01\0\0\0',
      '0006\x01\x02',
      '0000',
    )
    expect(r).toEqual({ data: 'PACK\0\0\0\x02', n: 8 })
    // The response-end packet ends it as well.
    expect(await demux('000dpackfile\n', '0006\x01X', '0002')).toEqual({ data: 'X', n: 1 })
  })

  it('channel 3 is the remote failing', async () => {
    await expect(
      demux('000dpackfile\n', '0006\x01P', '001a\x03fatal: out of memory\n', '0000'),
    ).rejects.toMatchObject({ code: 'unavailable', message: /out of memory/ })
  })

  it('no packfile section, an ERR line, or an early end are failures', async () => {
    await expect(demux('0014acknowledgments\n', '0008NAK\n', '0000')).rejects.toThrow(
      /sent no packfile/,
    )
    await expect(demux('0018ERR upload-pack: no\n')).rejects.toThrow(/upload-pack: no/)
    await expect(demux('000dpackfile\n', '0006\x01P')).rejects.toThrow(/closed before the end/)
  })
})

describe('what real git upload-pack writes', () => {
  let root: string
  let repo: string

  beforeAll(() => {
    root = makeTemp('arca-pkt-')
    repo = join(root, 'repo')
    execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
    writeFileSync(join(repo, 'f'), 'one\n')
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', 'one'])
    writeFileSync(join(repo, 'f'), 'two\n')
    git(repo, ['commit', '-q', '-am', 'two'])
    git(repo, ['tag', '-a', 'v1', '-m', 'v1'])
    git(repo, ['branch', 'side', 'HEAD~1'])
    git(repo, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/side'])
    // A branch whose name is not UTF-8 (written as a loose ref: argv is UTF-8).
    writeFileSync(
      Buffer.concat([Buffer.from(join(repo, '.git/refs/heads/')), bytes('caf\xe9')]),
      git(repo, ['rev-parse', 'HEAD~1']) + '\n',
    )
  })

  afterAll(() => removeTemp(root))

  function uploadPack(
    args: string[],
    protocol: string | null,
    input: Uint8Array = Buffer.alloc(0),
  ): Buffer {
    return execFileSync('git', ['upload-pack', '--stateless-rpc', ...args, repo], {
      env: gitEnvFixed(protocol ? { GIT_PROTOCOL: protocol } : {}),
      input,
      maxBuffer: 1 << 26,
    })
  }

  it('the v2 advertisement parses into the capabilities git lists, byte for byte', async () => {
    const wire = uploadPack(['--advertise-refs'], 'version=2')
    for (const r of [readerOf(wire), byteByByte(wire)]) {
      const lines = await r.lines()
      expect((await r.read()).kind).toBe('eof')
      // Re-framing what was read gives git's bytes back.
      expect(
        Buffer.concat([...lines.map((l) => pkt(Buffer.concat([l, bytes('\n')]))), FLUSH]),
      ).toEqual(wire)
      const caps = parseCapabilities(lines, repo)
      expect(caps.get('agent')).toBe(`git/${git(repo, ['version']).replace('git version ', '')}`)
      expect(caps.get('ls-refs')).toContain('unborn')
      expect(caps.has('fetch')).toBe(true)
    }
  })

  it('the v0 advertisement is refused as version 0; its first ref is HEAD', async () => {
    const lines = await readerOf(uploadPack(['--advertise-refs'], null)).lines()
    expect(lines[0]!.subarray(0, 45).toString('latin1')).toBe(
      `${git(repo, ['rev-parse', 'HEAD'])} HEAD`,
    )
    expect(() => parseCapabilities(lines, repo)).toThrow(ProtocolV0Error)
  })

  it("ls-refs lines are git's refs, symbolic refs and bytes included", async () => {
    const wire = uploadPack([], 'version=2', lsRefsRequest('unborn'))
    const refs = (await byteByByte(wire).lines()).map(parseRefLine)
    const expected = git(repo, ['for-each-ref', '--format=%(objectname) %(refname) %(symref)'])
      .split('\n')
      .map((l) => {
        const [oid, name, symref] = l.split(' ') as [string, string, string]
        return { name: bytes(name), oid, symref: symref ? bytes(symref) : null }
      })
    expected.unshift({
      name: bytes('HEAD'),
      oid: git(repo, ['rev-parse', 'HEAD']),
      symref: bytes(git(repo, ['symbolic-ref', 'HEAD'])),
    })
    const key = (r: { name: Buffer }): string => r.name.toString('latin1')
    expect([...refs].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...expected].sort((a, b) => key(a).localeCompare(key(b))),
    )
    expect(refs.some((r) => r.name.equals(bytes('refs/heads/caf\xe9')))).toBe(true)
  })

  it("a fetch response demultiplexes into a pack git's index-pack accepts, whole", async () => {
    const want = git(repo, ['rev-parse', 'main'])
    // Without no-progress: git may send progress on channel 2 too.
    const request = Buffer.concat([
      pkt('command=fetch\n'),
      DELIM,
      pkt('ofs-delta\n'),
      pkt(`want ${want}\n`),
      pkt('done\n'),
      FLUSH,
    ])
    const wire = uploadPack([], 'version=2', request)
    const got: Buffer[] = []
    const n = await readPackfile(readerOf(wire), (c) => {
      got.push(Buffer.from(c))
      return Promise.resolve()
    })
    const pack = Buffer.concat(got)
    expect(n).toBe(pack.length)
    expect(pack.subarray(0, 4).toString('latin1')).toBe('PACK')
    const bare = join(root, `bare-${Date.now()}`)
    execFileSync('git', ['init', '-q', '--bare', bare], { env: gitEnvFixed() })
    git(bare, ['index-pack', '--stdin'], { input: pack })
    const objects = (r: string, rev: string): string[] =>
      git(r, ['rev-list', '--objects', rev])
        .split('\n')
        .map((l) => l.slice(0, 40))
        .sort()
    expect(objects(bare, want)).toEqual(objects(repo, want))
  })
})
