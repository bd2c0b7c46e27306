/**
 * The Subversion dump reader and the file conventions: dumps written by hand (the format of
 * Subversion's notes/dump-load-format.txt) and one made by `svnadmin dump` of a repository
 * created here, whose nodes must match what `svnlook changed` and `svnlook cat` say.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'

import { afterAll, describe, expect, it } from 'vitest'

import { type DumpRecord, readDump } from '../../src/loader/svn/dump.js'
import {
  type ExternalDef,
  isRecursiveExternal,
  parseExternal,
  parseExternals,
} from '../../src/loader/svn/externals.js'
import { svnDate } from '../../src/loader/svn/revision.js'
import { archivedFile, PLAIN, translateEol } from '../../src/loader/svn/text.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

async function records(dump: string | Buffer, chunk = 7): Promise<DumpRecord[]> {
  const bytes = Buffer.from(dump)
  // Small chunks: every header, property block and text crosses chunk boundaries.
  const parts: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk))
  const out: DumpRecord[] = []
  for await (const r of readDump(Readable.from(parts, { objectMode: true }))) out.push(r)
  return out
}

const HEAD = 'SVN-fs-dump-format-version: 2\n\nUUID: 6a5c0a1e-0000-4000-8000-00000000abcd\n\n'
const REV1 =
  'Revision-number: 1\nProp-content-length: 54\nContent-length: 54\n\n' +
  'K 7\nsvn:log\nV 3\nhi\n\nK 10\nsvn:author\nV 3\nann\nPROPS-END\n\n'

describe('svn dump reader', () => {
  it('reads the UUID, revision properties, nodes with properties, texts and copies', async () => {
    const dump =
      HEAD +
      REV1 +
      'Node-path: a/b.txt\nNode-kind: file\nNode-action: add\n' +
      'Prop-content-length: 40\nText-content-length: 4\nContent-length: 44\n\n' +
      'K 13\nsvn:eol-style\nV 6\nnative\nPROPS-END\nx\ny\n\n\n' +
      'Node-path: c\nNode-kind: file\nNode-action: add\nNode-copyfrom-rev: 1\n' +
      'Node-copyfrom-path: /a/b.txt\n\n\n' +
      'Node-path: a\nNode-action: delete\n\n\n'
    const recs = await records(dump)
    expect(recs[0]).toEqual({ kind: 'uuid', uuid: '6a5c0a1e-0000-4000-8000-00000000abcd' })
    const rev = recs[1]!
    expect(rev.kind).toBe('revision')
    if (rev.kind !== 'revision') return
    expect(rev.rev).toBe(1)
    expect(Buffer.from(rev.props.get('svn:log')!).toString()).toBe('hi\n')
    expect(Buffer.from(rev.props.get('svn:author')!).toString()).toBe('ann')
    const [add, copy, del] = recs.slice(2)
    expect(add).toMatchObject({ kind: 'node', nodeKind: 'file', action: 'add', copyfromRev: null })
    if (add?.kind !== 'node' || copy?.kind !== 'node' || del?.kind !== 'node') throw new Error()
    expect(Buffer.from(add.path).toString()).toBe('a/b.txt')
    expect(Buffer.from(add.text!).toString()).toBe('x\ny\n')
    expect(Buffer.from(add.props!.get('svn:eol-style')!).toString()).toBe('native')
    expect(copy.props).toBeNull()
    expect(copy.text).toBeNull()
    expect(copy.copyfromRev).toBe(1)
    expect(Buffer.from(copy.copyfromPath!).toString()).toBe('a/b.txt')
    expect(del).toMatchObject({ action: 'delete', nodeKind: null })
  })

  it('refuses what is not a dump, delta dumps, and truncated records, naming the fault', async () => {
    await expect(records('Format: 2\n\n')).rejects.toThrow(/not a Subversion dump/)
    await expect(records('hello\n\n')).rejects.toThrow(/bad dump header line "hello"/)
    const delta =
      HEAD +
      REV1 +
      'Node-path: f\nNode-kind: file\nNode-action: change\nText-delta: true\n' +
      'Text-content-length: 3\nContent-length: 3\n\nabc\n'
    await expect(records(delta)).rejects.toThrow(/delta dump \(Text-delta\)/)
    const cut = HEAD + 'Revision-number: 1\nProp-content-length: 56\nContent-length: 56\n\nK 7\n'
    await expect(records(cut)).rejects.toThrow(/ends inside a property block/)
    const noEnd = HEAD + 'Revision-number: 1\nProp-content-length: 4\nContent-length: 4\n\nK 1\n\n'
    await expect(records(noEnd)).rejects.toThrow(/property block/)
    const long = REV1.replace(/: 54\n/g, ': 56\n')
    await expect(records(HEAD + long + 'Node-path: a\n\n')).rejects.toThrow(/after PROPS-END/)
  })

  describe('a dump made by svnadmin', () => {
    const root = makeTemp('arca-svn-dump-')
    afterAll(() => removeTemp(root))

    it('has the nodes svnlook reports, with their texts', async () => {
      const repo = join(root, 'repo')
      execFileSync('svnadmin', ['create', repo])
      const wc = join(root, 'wc')
      execFileSync('svn', ['checkout', '-q', `file://${repo}`, wc])
      mkdirSync(join(wc, 'd'))
      writeFileSync(join(wc, 'd', 'f.txt'), 'one\n')
      writeFileSync(join(wc, 'g'), Buffer.from([0, 1, 2, 255, 10]))
      execFileSync('svn', ['add', '-q', 'd', 'g'], { cwd: wc })
      execFileSync('svn', ['commit', '-q', '-m', 'r1'], { cwd: wc })
      execFileSync('svn', ['copy', '-q', 'd', 'e'], { cwd: wc })
      writeFileSync(join(wc, 'g'), 'changed\n')
      execFileSync('svn', ['commit', '-q', '-m', 'r2'], { cwd: wc })
      const dump = execFileSync('svnadmin', ['dump', '-q', repo])
      const recs = await records(dump, 4096)
      let rev = 0
      const seen: string[] = []
      for (const r of recs) {
        if (r.kind === 'revision') rev = r.rev
        if (r.kind !== 'node') continue
        const path = Buffer.from(r.path).toString()
        seen.push(`${rev} ${path}${r.nodeKind === 'dir' ? '/' : ''}`)
        if (r.text)
          expect(Buffer.from(r.text)).toEqual(
            execFileSync('svnlook', ['cat', '-r', String(rev), repo, path]),
          )
      }
      const changed = [1, 2].flatMap((n) =>
        execFileSync('svnlook', ['changed', '-r', String(n), repo])
          .toString()
          .trim()
          .split('\n')
          .map((l) => `${n} ${l.slice(4)}`),
      )
      expect(seen.sort()).toEqual(changed.sort())
    })
  })
})

describe('svn files and dates as Software Heritage records them', () => {
  const b = (s: string): Uint8Array => Buffer.from(s, 'latin1')
  it('translates every line ending to the eol-style', () => {
    expect(Buffer.from(translateEol(b('a\r\nb\nc\rd'), b('\n'))).toString()).toBe('a\nb\nc\nd')
    expect(Buffer.from(translateEol(b('a\nb\r\n'), b('\r\n'))).toString()).toBe('a\r\nb\r\n')
    const none = b('no newline')
    expect(translateEol(none, b('\n'))).toBe(none)
  })

  it('makes links of svn:special files, executables, and plain files as stored', () => {
    const show = (f: { data: Uint8Array; perms: number }): [string, string] => [
      Buffer.from(f.data).toString('latin1'),
      f.perms.toString(8),
    ]
    expect(show(archivedFile(b('link ../target'), { ...PLAIN, special: true }))).toEqual([
      '../target',
      '120000',
    ])
    // Not a link: a regular file holding the first line.
    expect(show(archivedFile(b('fifo x\nmore'), { ...PLAIN, special: true }))).toEqual([
      'fifo x',
      '100644',
    ])
    const exec = { eol: 'native', special: false, executable: true }
    expect(show(archivedFile(b('#!/bin/sh\r\n'), exec))).toEqual(['#!/bin/sh\n', '100755'])
    const unknown = { ...PLAIN, eol: 'unknown-style' }
    expect(show(archivedFile(b('$Id$\r\n'), unknown))).toEqual(['$Id$\r\n', '100644'])
  })

  it('reads svn:date to the microsecond at +0000, the epoch when absent', () => {
    const d = svnDate(b('2024-02-29T12:34:56.789010Z'))
    expect(d.timestamp).toEqual({ seconds: 1709210096, microseconds: 789010 })
    expect(Buffer.from(d.offsetBytes).toString()).toBe('+0000')
    expect(svnDate(undefined).timestamp).toEqual({ seconds: 0, microseconds: 0 })
    expect(() => svnDate(b('yesterday'))).toThrow(/bad svn:date/)
  })
})

describe('svn:externals definitions, read as Software Heritage reads them', () => {
  const origin = 'https://host.example/svn/repo'
  const read = (line: string): ExternalDef => parseExternal(line, 'trunk/sub', origin)
  const def = (d: Partial<ExternalDef>): ExternalDef => ({
    path: '',
    url: '',
    revision: null,
    pegRevision: null,
    relativeUrl: false,
    legacyFormat: false,
    ...d,
  })

  it('reads both formats, peg revisions and relative URLs (worked by hand from utils.py)', () => {
    // before Subversion 1.5: PATH [-r N] URL (its revision is also its peg revision)
    expect(read('third-party/lib -r 12 http://svn.example.org/lib/trunk')).toEqual(
      def({
        path: 'third-party/lib',
        url: 'http://svn.example.org/lib/trunk',
        revision: 12,
        legacyFormat: true,
      }),
    )
    // ^/ is joined to the origin URL; @7 is the peg revision
    expect(read('-r 7 ^/vendor/zlib@7 zlib')).toEqual(
      def({ path: 'zlib', url: `${origin}/vendor/zlib`, revision: 7, pegRevision: 7 }),
    )
    // scheme-relative and server-relative URLs leading out of the origin are "relative"
    expect(read('//svn.example.org/other other')).toEqual(
      def({ path: 'other', url: 'https://svn.example.org/other', relativeUrl: true }),
    )
    expect(read('/abs/path here')).toEqual(
      def({ path: 'here', url: 'https://host.example/abs/path', relativeUrl: true }),
    )
    // ../ from the directory holding the property
    expect(read('../sibling/x there')).toEqual(
      def({ path: 'there', url: `${origin}/trunk/sibling/x` }),
    )
    expect(read('-r3 https://example.com/repo/trunk/ ./plain/')).toEqual(
      def({ path: 'plain', url: 'https://example.com/repo/trunk/', revision: 3 }),
    )
    expect(() => read('just-one-token')).toThrow(/external definition/)
  })

  it('a property with a line it cannot read is not followed; comments are skipped', () => {
    const v = (lines: string[]): Uint8Array => Buffer.from(lines.join('\n'))
    const ok = parseExternals(v(['# a comment', '^/a a', '', '^/b b\r']), 'trunk', origin)
    expect([...ok.keys()]).toEqual(['a', 'b'])
    expect(parseExternals(v(['^/a a', 'just-one-token']), 'trunk', origin).size).toBe(0)
  })

  it('an external whose URL is an ancestor of where it goes is recursive', () => {
    expect(isRecursiveExternal(origin, 'trunk', 'ext', `${origin}/trunk`)).toBe(true)
    expect(isRecursiveExternal(origin, 'trunk', 'ext', origin)).toBe(true)
    expect(isRecursiveExternal(origin, 'trunk', 'ext', `${origin}/branches/b`)).toBe(false)
    expect(isRecursiveExternal(origin, 'trunk', 'ext', `${origin}/trunk/ext`)).toBe(false)
  })
})
