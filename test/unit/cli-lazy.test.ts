/**
 * The CLI loads only the module of the command a command line names: each top-level command of
 * the full tree (what `arca help` lists) must be found, with the same options and subcommands,
 * when the program is built for a command line naming it.
 */
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'

import { buildProgram } from '../../src/cli/main.js'

const shape = (c: Command): unknown => ({
  options: c.options.map((o) => o.flags),
  commands: c.commands.map((s) => s.name()).sort(),
})

describe('arca command modules load on demand', () => {
  it('finds every command when the command line names it', async () => {
    const all = await buildProgram()
    const names = all.commands.map((c) => c.name())
    expect(names).toContain('save')
    expect(names).toContain('takedown')
    for (const name of names) {
      const one = await buildProgram(['node', 'arca', '--debug', name, '--help'])
      const found = one.commands.find((c) => c.name() === name)
      expect(found, name).toBeDefined()
      expect(shape(found!)).toEqual(shape(all.commands.find((c) => c.name() === name)!))
      expect(one.commands.length).toBeLessThan(names.length)
    }
  })

  it('loads every command for help, no command, or an unknown one', async () => {
    const n = (await buildProgram()).commands.length
    for (const argv of [['help'], [], ['no-such-command']])
      expect((await buildProgram(['node', 'arca', ...argv])).commands.length).toBe(n)
  })
})
