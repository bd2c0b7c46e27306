/**
 * `arca <command> --help` for every command (found by walking the "Commands:" lists, so a new
 * command is covered without editing this file): each has a description paragraph, every option,
 * argument and command line is one finished sentence with at most one "(default", and each
 * command shows an example.
 */
import { describe, expect, it } from 'vitest'

import { arca } from '../helpers/cli.js'

/** Commander wraps help at 80 columns when standard output is not a terminal. */
const WIDTH = 80

interface Help {
  readonly description: readonly string[]
  /** Entries of the Arguments, Options and Commands sections: term and joined description. */
  readonly entries: readonly { section: string; term: string; text: string }[]
  readonly subcommands: readonly string[]
  readonly text: string
}

function parseHelp(text: string): Help {
  const lines = text.split('\n')
  expect(lines[0]).toMatch(/^Usage: arca/)
  const description: string[] = []
  let i = 2
  if (lines[1] === '' && lines[2] !== undefined && !/^[A-Z][a-z]+:$/.test(lines[2])) {
    for (; i < lines.length && lines[i] !== ''; i++) description.push(lines[i]!)
  }
  const entries: { section: string; term: string; text: string }[] = []
  let section = ''
  for (; i < lines.length; i++) {
    const l = lines[i]!
    if (/^[A-Z][a-z]+:$/.test(l)) {
      section = l.slice(0, -1)
      continue
    }
    if (!['Arguments', 'Options', 'Commands'].includes(section) || l === '') continue
    if (/^ {2}\S/.test(l)) {
      const m = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(l)!
      entries.push({ section, term: m[1]!, text: m[2] ?? '' })
    } else {
      const last = entries[entries.length - 1]!
      last.text = `${last.text} ${l.trim()}`.trim()
    }
  }
  const subcommands = entries
    .filter((e) => e.section === 'Commands')
    .map((e) => e.term.split(' ')[0]!)
    .filter((n) => n !== 'help')
  return { description, entries, subcommands, text }
}

function helpOf(path: readonly string[]): Help {
  const r = arca([...path, '--help'])
  expect(r.status, r.stderr).toBe(0)
  return parseHelp(r.stdout)
}

/** Every command path, from `arca --help` down. */
function allCommands(): string[][] {
  const out: string[][] = []
  const walk = (path: string[]): void => {
    out.push(path)
    for (const sub of helpOf(path).subcommands) walk([...path, sub])
  }
  walk([])
  return out
}

const commands = allCommands()

describe('arca --help', () => {
  it('finds every command', () => {
    const names = commands.map((p) => p.join(' '))
    for (const c of ['identify', 'swhid', 'save', 'visits', 'ls', 'cat', 'log', 'serve'])
      expect(names).toContain(c)
    for (const c of ['token create', 'token list', 'token revoke', 'mirror status', 'takedown'])
      expect(names).toContain(c)
  })

  describe.each(commands.map((p) => [p.join(' ') || '(arca)', p] as const))('%s', (_, path) => {
    const help = helpOf(path)

    it('has a description of whole sentences, wrapped only where the width ends', () => {
      expect(help.description.length).toBeGreaterThan(0)
      const joined = help.description.join(' ')
      expect(joined).toMatch(/^[A-Z]/)
      expect(joined).toMatch(/[.)]$/)
      // A line that ends early (its next word would have fitted) is a hard break mid-sentence.
      for (let k = 0; k + 1 < help.description.length; k++) {
        const line = help.description[k]!
        const next = help.description[k + 1]!.split(' ')[0]!
        expect(`${line} ${next}`.length, `broken after "${line}"`).toBeGreaterThan(WIDTH)
      }
    })

    it('describes every argument, option and command in one finished sentence', () => {
      for (const e of help.entries) {
        expect(e.text, e.term).toMatch(/^[A-Z]/)
        expect(e.text, e.term).toMatch(/[.)]$/)
        expect(e.text.split('(default').length - 1, `${e.term}: ${e.text}`).toBeLessThanOrEqual(1)
      }
    })

    it('shows an example', () => {
      expect(help.text).toMatch(/\nExamples?:\n {2}\$ arca /)
    })
  })
})
