/**
 * The RCS parser, keyword expansion and changeset grouping. Texts are checked against the real
 * `cvs` checking out the same `,v` files (`co -p -ko` for the raw text of every revision,
 * `co -p` for keywords expanded), so expectations do not come from this code.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeTemp, removeTemp } from '../../../test/helpers/tree.js'
import { type Changeset, ChangesetCollector, compareChangesets } from './changesets.js'
import { KeywordExpander } from './keywords.js'
import { applyEdits, lineText, parseRcs, rcsDate, walkTexts } from './rcs.js'

let hasCvs = true
try {
  execFileSync('cvs', ['--version'], { stdio: 'ignore' })
} catch {
  hasCvs = false
}

let tmp: string
let root: string

function cvs(args: readonly string[], cwd: string): Buffer {
  return execFileSync('cvs', ['-d', root, '-Q', ...args], {
    cwd,
    env: { ...process.env, TZ: 'UTC' },
  })
}

beforeAll(() => {
  if (!hasCvs) return
  tmp = makeTemp('arca-rcs-')
  root = join(tmp, 'root')
  execFileSync('cvs', ['-d', root, 'init'])
  const imp = join(tmp, 'imp')
  mkdirSync(imp)
  writeFileSync(join(imp, 'f.txt'), 'one @ at\ntwo\nthree $Id$\n$Header$ and $Source$\n\t# $Log$\n')
  writeFileSync(join(imp, 'noeol.txt'), 'no end of line')
  cvs(['import', '-m', 'import', 'm', 'v', 'start'], imp)
  cvs(['checkout', 'm'], tmp)
  const wc = join(tmp, 'm')
  const edits: ((s: string) => string)[] = [
    (s) => s.replace('two\n', 'two, changed\nand @@ more\n'),
    (s) => `zero\n${s}last line without newline`,
    (s) => s.split('\n').slice(2).join('\n') + '\n',
  ]
  for (const [i, edit] of edits.entries()) {
    writeFileSync(join(wc, 'f.txt'), edit(readFileSync(join(wc, 'f.txt'), 'latin1')), 'latin1')
    writeFileSync(join(wc, 'noeol.txt'), `no end of line ${i}`)
    cvs(['commit', '-m', `edit ${i}\nsecond line`], wc)
  }
})

afterAll(() => {
  if (tmp) removeTemp(tmp)
})

describe('RCS helpers', () => {
  it('reads dates with two- and four-digit years, in UTC', () => {
    expect(rcsDate('99.01.02.03.04.05')).toBe(Date.UTC(1999, 0, 2, 3, 4, 5) / 1000)
    expect(rcsDate('2021.11.29.14.24.18')).toBe(Date.UTC(2021, 10, 29, 14, 24, 18) / 1000)
  })

  it('applies d and a commands against the original line numbers', () => {
    const text = lineText(Buffer.from('1\n2\n3\n4\n'))
    const out = applyEdits(text, Buffer.from('d1 1\na2 2\nx\ny\nd4 1\n'), 'test')
    expect(out.bytes.toString()).toBe('2\nx\ny\n3\n')
    const noEol = applyEdits(lineText(Buffer.from('a\nb')), Buffer.from('d2 1\na2 1\nc'), 't')
    expect(noEol.bytes.toString()).toBe('a\nc')
  })

  it('refuses an edit script that does not fit the text', () => {
    expect(() => applyEdits(lineText(Buffer.alloc(0)), Buffer.from('d3 1\n'), 'f,v 1.1')).toThrow(
      /f,v 1\.1/,
    )
  })
})

describe.skipIf(!hasCvs)('RCS files written by cvs', () => {
  it('checks out every revision as cvs co -ko does', async () => {
    for (const name of ['f.txt', 'noeol.txt']) {
      const rcs = parseRcs(readFileSync(join(root, 'm', `${name},v`)), name)
      const revs = new Set(rcs.deltas.keys())
      expect(revs).toEqual(new Set(['1.1', '1.1.1.1', '1.2', '1.3', '1.4']))
      const got = new Map<string, string>()
      await walkTexts(rcs, revs, name, (rev, text) => {
        got.set(rev, text.toString('latin1'))
      })
      expect(got.size).toBe(5)
      for (const rev of revs)
        expect(got.get(rev), `${name} ${rev}`).toBe(
          cvs(['co', '-p', '-ko', '-r', rev, `m/${name}`], tmp).toString('latin1'),
        )
      expect(Buffer.from(rcs.log('1.3')!).toString()).toBe('edit 1\nsecond line\n')
      expect(Buffer.from(rcs.deltas.get('1.2')!.author).toString()).toBe(
        execFileSync('id', ['-un'], { encoding: 'utf8' }).trim(),
      )
      expect(rcs.deltas.get('1.2')!.commitid).toMatch(/^[0-9A-Za-z]+$/)
    }
  })

  it('expands keywords as cvs co does ($Id$, $Header$, $Source$, $Log$)', async () => {
    const path = join(root, 'm', 'f.txt,v')
    const rcs = parseRcs(readFileSync(path), path)
    const expander = new KeywordExpander()
    const revs = new Set(['1.1.1.1', '1.2', '1.3', '1.4'])
    const got = new Map<string, string>()
    await walkTexts(rcs, revs, path, (rev, text) => {
      const d = rcs.deltas.get(rev)!
      const out = expander.expand(text, Buffer.from(path), rcs.expand, {
        rev,
        date: d.date,
        author: d.author,
        state: d.state,
        log: rcs.log(rev)!,
      })
      got.set(rev, Buffer.from(out).toString('latin1'))
    })
    for (const rev of revs)
      expect(got.get(rev), rev).toBe(
        cvs(['co', '-p', '-r', rev, 'm/f.txt'], tmp).toString('latin1'),
      )
  })
})

describe('keyword expansion modes', () => {
  const r = {
    rev: '1.5',
    date: Date.UTC(2020, 0, 2, 3, 4, 5) / 1000,
    author: Buffer.from('alice'),
    state: 'Exp',
    log: Buffer.from('msg\n'),
  }
  const x = (text: string, mode: string | null): string =>
    Buffer.from(
      new KeywordExpander().expand(Buffer.from(text), Buffer.from('/r/m/a.c,v'), mode, r),
    ).toString()

  it('-kkv (default), -kk, -kv, -kb and -ko', () => {
    expect(x('$Id$ $Revision: 1.1 $\n', null)).toBe(
      '$Id: a.c,v 1.5 2020/01/02 03:04:05 alice Exp $ $Revision: 1.5 $\n',
    )
    expect(x('$Revision$\n', 'k')).toBe('$Revision$\n')
    expect(x('$Revision$\n', 'kv')).toBe('$Revision: 1.5 $\n')
    expect(x('x$Revision$y\n', 'v')).toBe('x1.5 y\n')
    expect(x('$Revision$\n', 'b')).toBe('$Revision$\n')
    expect(x('$Revision$\n', 'o')).toBe('$Revision$\n')
  })

  it('$Name$ and $Locker$ expand empty; unknown keywords stay', () => {
    expect(x('$Name$ $Locker$ $Nope$\n', null)).toBe('$Name:  $ $Locker:  $ $Nope$\n')
  })

  it('honours a custom Id keyword and excluded keywords from CVSROOT/config', () => {
    const e = new KeywordExpander({ customId: 'OpenBSD', excluded: ['Date'] })
    const out = Buffer.from(
      e.expand(Buffer.from('$OpenBSD$\n'), Buffer.from('/r/m/a.c,v'), null, r),
    ).toString()
    expect(out).toBe('$OpenBSD: a.c,v 1.5 2020/01/02 03:04:05 alice Exp $\n')
  })
})

describe('changeset grouping', () => {
  const file = (
    index: number,
    revs: [string, number, string, string | null, string?][],
  ): Parameters<ChangesetCollector['addFile']>[0] => ({
    file: index,
    symbols: new Map(),
    deltas: new Map(
      revs.map(([rev, date, _log, commitid, state]) => [
        rev,
        {
          rev,
          date,
          author: Buffer.from('bob'),
          state: state ?? 'Exp',
          branches: [],
          next: '',
          commitid,
        },
      ]),
    ),
    log: (rev) => Buffer.from(revs.find((x) => x[0] === rev)![2]),
  })
  const summary = (cs: readonly Changeset[]): string[] =>
    cs.map(
      (c) =>
        `${Buffer.from(c.log).toString()}:${c.revs.map((r) => `${r.file}@${r.rev}`).join(',')}`,
    )

  it('without commitids: same author and log within 300 s is one changeset', () => {
    const c = new ChangesetCollector()
    c.addFile(
      file(0, [
        ['1.1', 1000, 'a', null],
        ['1.2', 2000, 'b', null],
      ]),
    )
    c.addFile(
      file(1, [
        ['1.1', 1200, 'a', null],
        ['1.2', 2400, 'b', null],
      ]),
    )
    expect(summary(c.sorted())).toEqual(['a:0@1.1,1@1.1', 'b:0@1.2', 'b:1@1.2'])
  })

  it('commitids split what the time window would join, and join what it would split', () => {
    const c = new ChangesetCollector()
    c.addFile(
      file(0, [
        ['1.1', 1000, 'same', 'X'],
        ['1.2', 1001, 'same', 'Y'],
      ]),
    )
    c.addFile(file(1, [['1.1', 5000, 'same', 'X']]))
    expect(summary(c.sorted())).toEqual(['same:0@1.1,1@1.1', 'same:0@1.2'])
  })

  it('trunk only; a dead 1.1 (file added on a branch) is left out', () => {
    const c = new ChangesetCollector()
    c.addFile(
      file(0, [
        ['1.1', 1000, 'added on branch', null, 'dead'],
        ['1.1.2.1', 1000, 'on branch', null],
        ['1.2', 3000, 'merged', null],
      ]),
    )
    expect(summary(c.sorted())).toEqual(['merged:0@1.2'])
  })

  it('orders by earliest date, then by log', () => {
    const a: Changeset = {
      branch: 'HEAD',
      author: Buffer.from('x'),
      log: Buffer.from('b'),
      commitid: null,
      minTime: 10,
      maxTime: 10,
      revs: [],
    }
    expect(compareChangesets(a, { ...a, log: Buffer.from('a') }, 300)).toBeGreaterThan(0)
    expect(
      compareChangesets(a, { ...a, minTime: 9, maxTime: 9, log: Buffer.from('z') }, 300),
    ).toBeGreaterThan(0)
  })
})
