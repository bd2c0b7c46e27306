/**
 * Compressed documents (src/net/decompress.ts): what the real `xz` and `gzip` tools make comes
 * back byte for byte; a file of another format is refused naming its URL; the output is bounded.
 */
import { execFileSync } from 'node:child_process'

import { describe, expect, it } from 'vitest'

import { decompressDocument } from '../../src/net/index.js'

const TEXT = Buffer.from('Package: hello\nVersion: 1.0-1\n\n'.repeat(500))

describe('decompressDocument', () => {
  for (const format of ['xz', 'gz'] as const) {
    const tool = format === 'xz' ? 'xz' : 'gzip'
    it(`reads what the real ${tool} makes`, async () => {
      const packed = execFileSync(tool, ['-c'], { input: TEXT })
      expect((await decompressDocument(packed, format, 'http://m/Sources')).equals(TEXT)).toBe(true)
    })

    it(`refuses a file that is not ${format}, naming it`, async () => {
      await expect(decompressDocument(TEXT, format, `http://m/Sources.${format}`)).rejects.toThrow(
        new RegExp(
          `http://m/Sources\\.${format} is not an? ${format === 'xz' ? 'xz' : 'gzip'} file`,
        ),
      )
    })

    it(`stops ${format} output past the bound`, async () => {
      const packed = execFileSync(tool, ['-c'], { input: Buffer.alloc(4 << 20) })
      await expect(decompressDocument(packed, format, 'http://m/S', 1 << 20)).rejects.toThrow(
        /decompresses to more than 1048576 bytes/,
      )
    })
  }
})
