import { describe, expect, it } from 'vitest'

import { type DirectoryEntry, sortDirectoryEntries } from '../../src/model/index.js'

const e = (name: string, type: DirectoryEntry['type']): DirectoryEntry => ({
  name: Buffer.from(name),
  type,
  perms: type === 'dir' ? 0o40000 : 0o100644,
  target: '0'.repeat(40),
})
const names = (es: readonly DirectoryEntry[]): string[] =>
  es.map((x) => Buffer.from(x.name).toString() + (x.type === 'dir' ? '/' : ''))

// Git's tree order, worked by hand: a directory sorts as its name followed by '/', and
// '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < '0' (0x30).
const GIT_ORDER = ['a-b', 'a.', 'a/', 'a0', 'ab', 'b']

describe('sortDirectoryEntries', () => {
  it('orders entries as git does, whatever order they come in', () => {
    const sorted = [
      e('a-b', 'file'),
      e('a.', 'file'),
      e('a', 'dir'),
      e('a0', 'file'),
      e('ab', 'file'),
      e('b', 'rev'),
    ]
    const shuffled = [sorted[3]!, sorted[2]!, sorted[5]!, sorted[0]!, sorted[4]!, sorted[1]!]
    expect(names(sortDirectoryEntries(shuffled))).toEqual(GIT_ORDER)
    expect(names(sortDirectoryEntries([...sorted].reverse()))).toEqual(GIT_ORDER)
  })

  it('returns a new array for input already in order', () => {
    const sorted = [e('a-b', 'file'), e('a.', 'file'), e('a', 'dir'), e('a0', 'file')]
    const out = sortDirectoryEntries(sorted)
    expect(out).not.toBe(sorted)
    expect(names(out)).toEqual(GIT_ORDER.slice(0, 4))
  })

  it('sorts a directory named like a file prefix after the file when the slash says so', () => {
    // 'x/' against 'x.c': '.' < '/', so the file first; against 'x0': '/' < '0', the directory first.
    expect(names(sortDirectoryEntries([e('x', 'dir'), e('x.c', 'file')]))).toEqual(['x.c', 'x/'])
    expect(names(sortDirectoryEntries([e('x0', 'file'), e('x', 'dir')]))).toEqual(['x/', 'x0'])
  })
})
