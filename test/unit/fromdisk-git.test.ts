/**
 * Property: the directory id of random trees created on disk equals
 * `git add -A -f && git write-tree` (filters and ignores disabled) whenever git can represent the
 * tree the same way (no empty directories, exec bits only on the owner).
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { walkDirectory } from '../../src/index.js'
import { gitWriteTree, makeTemp, materialize, removeTemp, type TreeSpec } from '../helpers/tree.js'

const nameByte = fc.constantFrom(
  ...[...'abcABZ019-_ .~+=,'].map((c) => c.charCodeAt(0)),
  0xc3,
  0xa9,
  0xff,
  0x80,
  0x01,
  0x1f,
)
const nameArb = fc
  .uint8Array({ minLength: 1, maxLength: 8 })
  .chain((len) => fc.array(nameByte, { minLength: Math.max(1, len.length % 8), maxLength: 8 }))
  .map((bytes) => Uint8Array.from(bytes))
  .filter((n) => {
    const s = Buffer.from(n).toString('latin1')
    return (
      s !== '.' &&
      s !== '..' &&
      !s.toLowerCase().startsWith('.git') &&
      !s.startsWith(' ') &&
      !s.endsWith(' ')
    )
  })

type Node =
  | { kind: 'file'; data: Uint8Array; exec: boolean }
  | { kind: 'link'; target: Uint8Array }
  | { kind: 'dir'; children: Map<string, Node> }

const leafArb: fc.Arbitrary<Node> = fc.oneof(
  fc.record({
    kind: fc.constant('file' as const),
    data: fc.uint8Array({ maxLength: 64 }),
    exec: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('link' as const),
    target: fc
      .uint8Array({ minLength: 1, maxLength: 20 })
      .map((t) => t.map((b) => (b === 0 ? 0x41 : b))),
  }),
)

const treeArb: fc.Arbitrary<Node> = fc.letrec<{ tree: Node }>((tie) => ({
  tree: fc
    .array(fc.tuple(nameArb, fc.oneof({ depthSize: 'small' }, leafArb, tie('tree'))), {
      minLength: 1,
      maxLength: 6,
    })
    .map((pairs) => ({
      kind: 'dir' as const,
      children: new Map(pairs.map(([n, c]) => [Buffer.from(n).toString('latin1'), c])),
    })),
})).tree

function flatten(node: Node, prefix: Buffer, out: TreeSpec[]): boolean {
  // Returns whether the subtree holds at least one file or link (git drops empty directories).
  if (node.kind !== 'dir') return true
  let any = false
  for (const [name, child] of node.children) {
    const path =
      prefix.length === 0
        ? Buffer.from(name, 'latin1')
        : Buffer.concat([prefix, Buffer.from('/'), Buffer.from(name, 'latin1')])
    if (child.kind === 'file')
      out.push({ type: 'file', path, data: child.data, mode: child.exec ? 0o755 : 0o644 })
    else if (child.kind === 'link') out.push({ type: 'symlink', path, target: child.target })
    else if (flatten(child, path, out)) any = true
    else continue
    any = true
  }
  return any
}

describe('walkDirectory agrees with git write-tree', () => {
  let root: string
  beforeEach(() => {
    root = makeTemp()
  })
  afterEach(() => removeTemp(root))

  it('on random trees', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, async (tree) => {
        removeTemp(root)
        root = makeTemp()
        const specs: TreeSpec[] = []
        flatten(tree, Buffer.alloc(0), specs)
        materialize(root, specs)
        const { directory } = await walkDirectory(Buffer.from(root), { workers: 2 })
        expect(directory.id).toBe(gitWriteTree(root))
      }),
      { numRuns: 40, seed: 20261122 },
    )
  })
})
