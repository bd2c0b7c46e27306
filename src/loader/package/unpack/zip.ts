/**
 * Unpacking a zip archive (through yauzl) as Software Heritage does (Python's
 * `shutil.unpack_archive`): names read as UTF-8 when the entry says so, else as CP437, and
 * written as UTF-8; names containing `..` are left out (a `..` name, or an absolute path, is
 * refused here as hostile); no permission is kept (every file 0644, so no executable bit) and a
 * symbolic link becomes a regular file holding its target; the last of two entries of one
 * name wins. Encrypted entries are refused.
 *
 * @module
 */

import type { Readable } from 'node:stream'

import yauzl from 'yauzl'

import { InvalidInputError } from '../../../errors.js'
import type { SafeWriter } from './safe-writer.js'

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0'

/** The name bytes Python's zipfile gives an entry (then written as UTF-8). */
export function zipEntryName(raw: Uint8Array, utf8Flag: boolean): Uint8Array {
  const z = raw.indexOf(0)
  const name = z < 0 ? raw : raw.subarray(0, z)
  if (utf8Flag || name.every((b) => b < 0x80)) return name
  let s = ''
  for (const b of name) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!
  return Buffer.from(s, 'utf8')
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      path,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    ),
  )
}

/** Unpacks the zip file at `path` through `writer`. */
export async function unpackZip(path: string, writer: SafeWriter): Promise<void> {
  let zip: yauzl.ZipFile
  try {
    zip = await openZip(path)
  } catch (e) {
    throw new InvalidInputError(`not a zip archive: ${(e as Error).message}`)
  }
  try {
    const entries: yauzl.Entry[] = []
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(e)
        zip.readEntry()
      })
      zip.on('end', () => resolve())
      zip.on('error', reject)
      zip.readEntry()
    })
    // shutil opens each entry by name: the last entry of a name gives every copy its bytes
    const last = new Map<string, yauzl.Entry>()
    const names = entries.map((e) => {
      const n = zipEntryName(
        e.fileName as unknown as Buffer,
        (e.generalPurposeBitFlag & 0x800) !== 0,
      )
      last.set(Buffer.from(n).toString('latin1'), e)
      return n
    })
    for (let i = 0; i < entries.length; i++) {
      const name = names[i]!
      const text = Buffer.from(name).toString('latin1')
      if (text.includes('..') && !text.split('/').includes('..')) continue // as shutil does
      if (text.endsWith('/')) {
        writer.dir(name)
        continue
      }
      const e = last.get(text)!
      if ((e.generalPurposeBitFlag & 0x1) !== 0) {
        writer.names(name, 'file')
        throw new InvalidInputError(`refused to unpack ${JSON.stringify(text)}: it is encrypted`)
      }
      const stream = await new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))),
      )
      await writer.file(name, 0o644, stream)
    }
  } finally {
    zip.close()
  }
}
