import { spawnSync } from 'node:child_process'

import { describe, expect, it } from 'vitest'

import { isValidRefName, refNameOf } from './refs.js'

/** git itself decides. */
function gitAccepts(name: Buffer): boolean {
  return spawnSync('git', ['check-ref-format', name.toString('latin1')]).status === 0
}

describe('ref names', () => {
  const names = [
    'refs/heads/main',
    'refs/tags/v1.0',
    'refs/heads/feature/x',
    'refs/heads/a..b',
    'refs/heads/.hidden',
    'refs/heads/x.lock',
    'refs/heads/x/',
    'refs/heads/x.',
    'refs/heads/a b',
    'refs/heads/a~1',
    'refs/heads/a^',
    'refs/heads/a:b',
    'refs/heads/a?',
    'refs/heads/a*',
    'refs/heads/a[b',
    'refs/heads/a\\b',
    'refs/heads/a@{1}',
    'refs/heads/a//b',
    'refs/heads/@',
    'refs/heads/caf\xe9',
    'refs/heads/tab\there',
    'refs/pull/1/head',
  ]
  it('accepts what git check-ref-format accepts', () => {
    for (const n of names) {
      const b = Buffer.from(n, 'latin1')
      expect(isValidRefName(b), n).toBe(gitAccepts(b))
    }
  })

  it('puts names outside refs/ under refs/heads/, as long as git accepts them', () => {
    expect(Buffer.from(refNameOf(Buffer.from('branch-tip/default'))!).toString()).toBe(
      'refs/heads/branch-tip/default',
    )
    expect(Buffer.from(refNameOf(Buffer.from('refs/tags/v1'))!).toString()).toBe('refs/tags/v1')
    expect(refNameOf(Buffer.from('bad..name'))).toBeNull()
  })
})
