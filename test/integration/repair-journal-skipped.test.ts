/**
 * The journal repair peer finds skipped contents (recorded without bytes: too large), whose
 * journal keys hold all their hashes, by sha1_git. A repository made by git, with one file
 * over `--max-content-size`, is saved with the embedded journal; the peer reads that journal.
 * The expected id and length come from git and the file written.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { EmbeddedJournal } from '../../src/journal/embedded/embedded-journal.js'
import { journalRepairPeer } from '../../src/mirror/index.js'
import { arca } from '../helpers/cli.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe('journal repair peer and skipped contents', () => {
  const tmp = makeTemp('arca-repair-skipped-')
  const data = join(tmp, 'data')
  const repo = join(tmp, 'repo')
  const big = 'a large file\n'.repeat(200)

  beforeAll(() => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
    writeFileSync(join(repo, 'small.txt'), 'small\n')
    writeFileSync(join(repo, 'big.txt'), big)
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', 'one'])
    const saved = arca(['save', '--data', data, '--max-content-size', '1k', repo])
    expect(saved.status).toBe(0)
  })
  afterAll(() => removeTemp(tmp))

  it('answers a skipped content by its sha1_git, a content row as before, and null otherwise', async () => {
    const journal = new EmbeddedJournal({ root: join(data, 'journal') })
    await journal.open()
    const peer = journalRepairPeer({
      journal,
      name: 'journal',
      indexPath: join(tmp, 'repair', 'journal.sqlite'),
    })
    try {
      const bigId = git(repo, ['rev-parse', 'main:big.txt'])
      const got = await peer.content(bigId)
      expect(got).not.toBeNull()
      expect(got && 'skipped' in got).toBe(true)
      if (got && 'skipped' in got) {
        expect(got.skipped).toHaveLength(1)
        expect(got.skipped[0]).toMatchObject({
          sha1Git: bigId,
          length: big.length,
          status: 'absent',
        })
      }
      const small = await peer.content(git(repo, ['rev-parse', 'main:small.txt']))
      expect(small && 'row' in small ? small.row.length : null).toBe('small\n'.length)
      expect(await peer.content('0'.repeat(40))).toBeNull()
    } finally {
      await peer.close()
    }
  })
})
