/**
 * Origin URLs of save requests given in a request path, against what Software Heritage does
 * (swh-web requotes the path's URL with Python's `urllib.parse.quote(url, safe=":/@%+?&=")` and
 * restores a `scheme:/` squashed by HTTP clients); the expected strings are Python's answers,
 * worked by hand. And the progress line of the `/save/` page.
 */
import { describe, expect, it } from 'vitest'

import { demangleUrl, originUrlFromPath } from '../../src/scheduler/index.js'
import { progressText } from '../../src/web/browse/save.js'

describe('originUrlFromPath', () => {
  it('keeps what quote() keeps, %-encodes the rest as UTF-8 bytes', () => {
    expect(originUrlFromPath('https://github.com/a/b')).toBe('https://github.com/a/b')
    expect(originUrlFromPath('https://x.org/a b')).toBe('https://x.org/a%20b')
    expect(originUrlFromPath('https://x.org/caf%C3%A9')).toBe('https://x.org/caf%C3%A9')
    expect(originUrlFromPath('https://x.org/r?x=1&y=2')).toBe('https://x.org/r?x=1&y=2')
    expect(originUrlFromPath('https://x.org/~u/r_e-p.o+1')).toBe('https://x.org/~u/r_e-p.o+1')
    expect(originUrlFromPath('https://x.org/a#b')).toBe('https://x.org/a%23b')
    expect(originUrlFromPath('https://x.org/a%2')).toBe('https://x.org/a%2')
  })

  it('restores a squashed scheme separator only', () => {
    expect(demangleUrl('https:/github.com/a/b')).toBe('https://github.com/a/b')
    expect(demangleUrl('https://github.com/a/b')).toBe('https://github.com/a/b')
    expect(originUrlFromPath('git:/example.org/r.git')).toBe('git://example.org/r.git')
  })
})

describe('progressText', () => {
  it('shows phase, objects (of total) and bytes; nothing for no progress', () => {
    expect(
      progressText({ phase: 'fetch', objects: 120, total: 300, bytes: 4096, elapsedMs: 9 }),
    ).toBe('fetch · 120/300 objects · 4096 bytes')
    expect(progressText({ phase: 'ingest', objects: 7, bytes: 0, elapsedMs: 1 })).toBe(
      'ingest · 7 objects · 0 bytes',
    )
    expect(progressText(null)).toBe('')
  })
})
