/**
 * The model's shared helpers, case by case with hand-written expectations: what an object
 * references (`references`), and the glob translation behind `identify -x` (with sets) and
 * `mirror --select` (without).
 */
import { describe, expect, it } from 'vitest'

import { compileFnmatch } from '../../src/fromdisk/fnmatch.js'
import { globToRegExp } from '../../src/mirror/selective.js'
import { references } from '../../src/model/index.js'

const h = (c: string): string => c.repeat(40)
const b = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('references', () => {
  it('a directory: file and dir entries, each once, submodules left out', () => {
    const entry = (type: 'file' | 'dir' | 'rev', name: string, target: string) => ({
      name: b(name),
      type,
      perms: 0,
      target,
    })
    const refs = references({
      entries: [
        entry('file', 'a', h('1')),
        entry('dir', 'd', h('2')),
        entry('rev', 'sub', h('3')),
        entry('file', 'b', h('1')),
      ],
    })
    expect(refs).toEqual([
      { type: 'cnt', id: h('1') },
      { type: 'dir', id: h('2') },
    ])
  })

  it('a revision: its directory, then its parents', () => {
    expect(references({ directory: h('d'), parents: [h('a'), h('b')] })).toEqual([
      { type: 'dir', id: h('d') },
      { type: 'rev', id: h('a') },
      { type: 'rev', id: h('b') },
    ])
  })

  it('a release: its target, or nothing', () => {
    expect(references({ targetType: 'snapshot', target: h('5') })).toEqual([
      { type: 'snp', id: h('5') },
    ])
    expect(references({ targetType: 'revision', target: null })).toEqual([])
  })

  it('a snapshot: object targets, not aliases nor dangling branches', () => {
    const refs = references({
      branches: [
        { name: b('HEAD'), target: { targetType: 'alias', target: b('refs/heads/main') } },
        { name: b('refs/heads/main'), target: { targetType: 'revision', target: h('a') } },
        { name: b('refs/heads/gone'), target: null },
        { name: b('refs/tags/v1'), target: { targetType: 'release', target: h('b') } },
        { name: b('refs/heads/copy'), target: { targetType: 'revision', target: h('a') } },
      ],
    })
    expect(refs).toEqual([
      { type: 'rev', id: h('a') },
      { type: 'rel', id: h('b') },
    ])
  })
})

describe('globs', () => {
  it('mirror --select: * crosses /, ? is one character, [ is literal', () => {
    const re = globToRegExp('https://example.org/*')
    expect(re.test('https://example.org/a/b.git')).toBe(true)
    expect(re.test('https://example.org')).toBe(false)
    expect(globToRegExp('http://h/?').test('http://h/é')).toBe(true)
    expect(globToRegExp('http://[::1]/*').test('http://[::1]/r')).toBe(true)
    expect(globToRegExp('http://[::1]/*').test('http://:/r')).toBe(false)
    expect(globToRegExp('a.b').test('axb')).toBe(false)
  })

  it('identify -x: fnmatch on bytes, with sets', () => {
    expect(compileFnmatch('*.git').matches(b('sub/x.git'))).toBe(true)
    expect(compileFnmatch('[ab]?').matches(b('b/'))).toBe(true)
    expect(compileFnmatch('[!ab]').matches(b('a'))).toBe(false)
    expect(compileFnmatch('[').matches(b('['))).toBe(true)
    // `?` is one byte: é is two in UTF-8.
    expect(compileFnmatch('?').matches(b('é'))).toBe(false)
    expect(compileFnmatch('??').matches(b('é'))).toBe(true)
  })
})
