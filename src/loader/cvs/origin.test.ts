/** CVS origin URLs as Software Heritage records them (expectations written from its rules). */
import { describe, expect, it } from 'vitest'

import { parseCvsUrl } from './origin.js'

describe('CVS origin URLs', () => {
  it('pserver: the user is kept, the password only used, a trailing / dropped', () => {
    const s = parseCvsUrl('pserver://anon:p%40ss@CVS.Example.org:2402/cvsroot/proj/')
    expect(s.origin).toBe('pserver://anon@cvs.example.org:2402/cvsroot/proj')
    expect(s).toMatchObject({ scheme: 'pserver', root: '/cvsroot', module: 'proj', port: 2402 })
    expect(s.password).toBe('p@ss')
    expect(s.secrets).toContain('p@ss')
    expect(s.origin).not.toContain('p%40ss')
  })

  it('rsync: root and module from the path', () => {
    const s = parseCvsUrl('rsync://cvs.example.org/cvs/root/mod')
    expect(s).toMatchObject({
      origin: 'rsync://cvs.example.org/cvs/root/mod',
      root: '/cvs/root',
      module: 'mod',
    })
  })

  it('a local path or file:// URL names the module folder inside its root', () => {
    const s = parseCvsUrl('./repo/mod/', '/srv')
    expect(s).toMatchObject({
      scheme: 'file',
      origin: 'file:///srv/repo/mod',
      root: '/srv/repo',
      module: 'mod',
    })
    expect(parseCvsUrl('file:///srv/repo/mod').localRoot).toBe('/srv/repo')
  })

  it('refuses other schemes and URLs without a module', () => {
    expect(() => parseCvsUrl('https://example.org/x')).toThrow(/not a CVS URL scheme/)
    expect(() => parseCvsUrl('pserver://anon:secret@host/')).toThrow(/names no CVS root and module/)
    expect(() => parseCvsUrl('pserver://anon:secret@host/')).not.toThrow(/secret/)
  })
})
