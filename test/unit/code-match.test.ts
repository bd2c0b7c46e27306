/**
 * The literals a regular expression requires (code search candidate filtering), worked by
 * hand: a content matching the pattern must hold every literal of one alternative; null when
 * no literal of three characters is required (the search then scans).
 */
import { describe, expect, it } from 'vitest'

import { regexpAnchor } from '../../src/storage/sql/code-anchor.js'
import {
  compileCodeQuery,
  matchingLines,
  regexpRequirement,
} from '../../src/storage/sql/code-match.js'

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

describe('regexpAnchor', () => {
  // The runs of characters and simple classes every match holds, worked by hand; null when the
  // pattern is beyond what anchors are derived from, or a literal says as much.
  it.each([
    ['return [0-9]{5,};', 'return ', 'return [0-9][0-9][0-9][0-9][0-9]'],
    ['fn[a-z]+\\(', null, 'fn[a-z]'],
    ['[A-Z]{3,}_[A-Z]{3,}\\(', null, '[A-Z]_[A-Z][A-Z][A-Z]'],
    ['\\d\\d\\d\\d-\\d\\d', null, '[0-9][0-9][0-9][0-9]-[0-9][0-9]'],
    ['[a-]bcd', 'bcd', '[a\\-]bcd'],
    ['[]x]yz', null, '[\\]x]yz'],
    ['a.b\\sc', null, 'a[^\\n]b[\\t\\n\\f\\r ]c'],
    ['x?y*zz', null, null], // only "zz": too short
    ['foo[0-9]+bar', 'foo', 'foo[0-9]'], // the literal and one class more
    ['import [a-z]*', 'import ', null], // nothing more than the literal
    ['(a|b)cde', null, null],
    ['[[:alpha:]]{5}', null, null],
    ['\\pL{4}', null, null],
    ['(?i)abc', null, null],
  ])('%s', (pattern, literal, want) => {
    const re = regexpAnchor(pattern, literal)
    expect(re === null ? null : re.source).toEqual(want)
  })

  it('finds the lines to test at native speed, and no fewer than RE2 matches', () => {
    const m = compileCodeQuery('return [0-9]{2,};', 'regexp', false)
    expect(m.anchorRe?.source).toBe('return [0-9][0-9]')
    const text = 'return 1;\n  return 42;\nreturn 7\n12;\nx return 123; y\nreturn 99'
    expect(matchingLines(text, m)).toEqual([2, 5])
  })
})
