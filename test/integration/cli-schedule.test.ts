/**
 * `arca schedule add` and `arca schedule list` on a real archive: a list file with visit type
 * columns and comments, a URL whose kind probing cannot tell (listed as git, with a note), an
 * origin added again, a bad line named by file and line number.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca } from '../helpers/cli.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe('arca schedule', () => {
  let dir: string
  beforeAll(() => {
    dir = makeTemp('arca-cli-schedule-')
  })
  afterAll(() => removeTemp(dir))

  it('lists origins from a file and from arguments, and shows them', () => {
    const list = join(dir, 'origins.txt')
    writeFileSync(
      list,
      '# forge export\nhttps://example.org/a.git git\n\n  https://Example.org:443/b.git\tgit  \n',
    )
    // nothing listens on port 1: probing cannot tell, so it is listed as git with a note
    const r = arca(['schedule', 'add', '--data', dir, list, 'http://127.0.0.1:1/c.git'])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('listed 3 origin(s): 3 new, 0 seen again\n')
    expect(r.stderr).toMatch(
      /note: could not tell the kind of http:\/\/127\.0\.0\.1:1\/c\.git; listed as git/,
    )
    const again = arca([
      'schedule',
      'add',
      '--data',
      dir,
      '--type',
      'git',
      'https://example.org/a.git',
    ])
    expect(again.stdout).toBe('listed 1 origin(s): 0 new, 1 seen again\n')
    const shown = arca(['schedule', 'list', '--data', dir])
    expect(shown.status).toBe(0)
    const rows = shown.stdout.trim().split('\n')
    expect(rows[0]).toBe('url\ttype\tenabled\tlast_visit\tlast_status\tnext_due')
    // the origin URL as the archive records it: scheme and host lowercased, default port dropped
    expect(rows.slice(1).map((l) => l.split('\t').slice(0, 5))).toEqual([
      ['http://127.0.0.1:1/c.git', 'git', 'yes', '-', '-'],
      ['https://example.org/a.git', 'git', 'yes', '-', '-'],
      ['https://example.org/b.git', 'git', 'yes', '-', '-'],
    ])
    const json = arca(['schedule', 'list', '--data', dir, '--json'])
    const first = JSON.parse(json.stdout.split('\n')[0]!) as Record<string, unknown>
    expect(first).toMatchObject({
      url: 'http://127.0.0.1:1/c.git',
      lister: 'manual',
      lastVisit: null,
    })
  })

  it('names the file and line of a bad visit type (exit 2), listing nothing', () => {
    const list = join(dir, 'bad.txt')
    writeFileSync(list, 'https://example.org/d.git git\nhttps://example.org/e.git gti\n')
    const r = arca(['schedule', 'add', '--data', dir, list])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(`${list}:2: "gti" is not a visit type`)
    expect(arca(['schedule', 'list', '--data', dir]).stdout).not.toContain('d.git')
  })
})
