import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import {
  gitWriteTree,
  makeTemp,
  materialize,
  removeTemp,
  type TreeSpec,
} from '../../test/helpers/tree.js'
import { b64, loadVectors } from '../../test/helpers/vectors.js'
import { walkDirectory } from './walk.js'

interface Case {
  name: string
  note?: string
  tree: {
    path_b64: string
    type: 'file' | 'dir' | 'symlink' | 'fifo'
    data_b64?: string
    mode?: string
    target_b64?: string
  }[]
  exclude: string[]
  swhid: string
  git_write_tree_same?: boolean
  upstream_quirk?: boolean
}

const vectors = loadVectors<Case>('identify-fs')

function spec(c: Case): TreeSpec[] {
  return c.tree.map((t) => {
    const path = b64(t.path_b64)
    switch (t.type) {
      case 'file':
        return {
          type: 'file',
          path,
          data: b64(t.data_b64 ?? ''),
          mode: parseInt(t.mode ?? '644', 8),
        }
      case 'symlink':
        return { type: 'symlink', path, target: b64(t.target_b64!) }
      case 'dir':
        return { type: 'dir', path }
      case 'fifo':
        return { type: 'fifo', path, mode: parseInt(t.mode ?? '644', 8) }
    }
  })
}

describe('identify-fs vectors', () => {
  let root: string
  beforeEach(() => {
    root = makeTemp()
  })
  afterEach(() => removeTemp(root))

  for (const c of vectors.cases) {
    if (c.upstream_quirk) {
      it.skip(`${c.name} (upstream quirk, not reproduced: ${c.note ?? ''})`, () => undefined)
      console.info(
        `identify-fs: skipping "${c.name}": reproduces an upstream bug (${c.note ?? ''})`,
      )
      continue
    }
    it(c.name, async () => {
      materialize(root, spec(c))
      const { directory } = await walkDirectory(Buffer.from(root), { exclude: c.exclude })
      expect(`swh:1:dir:${directory.id}`).toBe(c.swhid)
      if (c.git_write_tree_same === true) expect(gitWriteTree(root)).toBe(directory.id)
    })
  }
})
