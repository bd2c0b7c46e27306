/**
 * The literals a regular expression requires (code search candidate filtering), worked by
 * hand: a content matching the pattern must hold every literal of one alternative; null when
 * no literal of three characters is required (the search then scans).
 */
import { describe, expect, it } from 'vitest'

import { compileCodeQuery, regexpRequirement } from '../../src/storage/sql/code-match.js'

describe('regexpRequirement', () => {
  it.each([
    ['foo[0-9]+bar', [['foo', 'bar']]],
    ['^import ', [['import ']]],
    ['colou?r', [['colo']]],
    ['(alpha|gamma)_[a-z]+', [['alpha'], ['gamma']]],
    ['ret.rn', [['ret']]],
    ['re.rn', null],
    ['[a-z]{3}[0-9]{2}', null],
    ['the end$', [['the end']]],
    ['\\bfoo\\d+\\b', [['foo']]],
    ['(?:foo|beta)\\s*x1', [['foo'], ['beta']]],
    ['(?i)Hello', [['Hello']]],
    ['abc(def)?ghi', [['abc', 'ghi']]],
    ['abc(def)+', [['abc', 'def']]],
    ['a\\.b\\.c', [['a.b.c']]],
    ['abcx{2}yz{0,1}def', [['abcx', 'def']]],
    ['foo|ba', null],
    ['\\Qa.b*c\\E', [['a.b*c']]],
    ['[abc]+def', [['def']]],
    ['(?P<n>needle)', [['needle']]],
  ])('%s', (pattern, want) => {
    expect(regexpRequirement(pattern)).toEqual(want)
  })
})

describe('compileCodeQuery', () => {
  it('matches words as git grep -w does', () => {
    const m = compileCodeQuery('foo', 'word', false)
    expect(['foo', 'a foo b', '(foo)', 'foo_bar foo'].map(m.testLine)).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(['foobar', 'afoo', 'foo_bar', 'Foo'].map(m.testLine)).toEqual([
      false,
      false,
      false,
      false,
    ])
  })
  it('refuses line breaks, empty and bad patterns with a clear error', () => {
    expect(() => compileCodeQuery('', 'literal', false)).toThrow(/Empty/)
    expect(() => compileCodeQuery('a\nb', 'literal', false)).toThrow(/line/)
    expect(() => compileCodeQuery('(a', 'regexp', false)).toThrow(/Invalid regular expression/)
  })
})
