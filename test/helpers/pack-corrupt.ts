/**
 * Corrupting contents of a pack store behind its back, for tests: written by hand from the
 * entry layout documented in docs/objstorage.md (not with the store's own encoder).
 *
 * Entry: "APK1" · sha1_git (20 bytes) · codec (1: brotli, 0: none) · 3 zero bytes · raw length
 * (u48 BE) · stored length (u48 BE) · payload · CRC-32 of payload then header (u32 BE) · "1KPA".
 */
import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, crc32 } from 'node:zlib'

import Database from 'better-sqlite3'

interface Row {
  pack: number
  name: string
  off: number
  len: number
}

function row(root: string, id: string): Row {
  const db = new Database(join(root, 'index.sqlite'), { readonly: true })
  try {
    const r = db
      .prepare(
        'SELECT e.pack AS pack, p.name AS name, e.off AS off, e.len AS len FROM entry e JOIN pack p ON p.id = e.pack WHERE e.id = ?',
      )
      .get(id) as Row | undefined
    if (!r) throw new Error(`${id} is not in the pack index under ${root}`)
    return r
  } finally {
    db.close()
  }
}

function readEntry(root: string, r: Row): Buffer {
  const fd = openSync(join(root, r.name), 'r')
  try {
    const buf = Buffer.alloc(r.len)
    readSync(fd, buf, 0, r.len, r.off)
    return buf
  } finally {
    closeSync(fd)
  }
}

/** The raw bytes stored for `id` (decoded by hand). */
export function packedBytes(root: string, id: string): Buffer {
  const buf = readEntry(root, row(root, id))
  const stored = buf.readUIntBE(34, 6)
  const payload = buf.subarray(40, 40 + stored)
  return buf[24] === 1 ? brotliDecompressSync(payload) : Buffer.from(payload)
}

/**
 * Flips one stored byte of `id`'s entry in place: every read then fails its CRC (bit rot).
 */
export function flipPackedByte(root: string, id: string): void {
  const r = row(root, id)
  const fd = openSync(join(root, r.name), 'r+')
  try {
    const b = Buffer.alloc(1)
    const at = r.off + 40
    readSync(fd, b, 0, 1, at)
    b[0] = b[0]! ^ 0xff
    writeSync(fd, b, 0, 1, at)
  } finally {
    closeSync(fd)
  }
}

/**
 * Makes `id` hold other bytes in a well-formed entry (right CRC, wrong content: only the
 * sha1_git check finds it): the entry is written to a pack file of its own and the index row
 * pointed at it, as a store that wrote wrong bytes would have done.
 */
export function replacePackedContent(root: string, id: string, data?: Uint8Array): void {
  row(root, id) // throws when absent
  const raw = Buffer.from(data ?? packedBytes(root, id))
  if (!data) raw[0] = (raw[0] ?? 0) ^ 0xff
  const header = Buffer.alloc(40)
  header.write('APK1', 0, 'latin1')
  header.write(id, 4, 20, 'hex')
  header[24] = 0
  header.writeUIntBE(raw.length, 28, 6)
  header.writeUIntBE(raw.length, 34, 6)
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32BE(crc32(header, crc32(raw)) >>> 0, 0)
  trailer.write('1KPA', 4, 'latin1')
  const entry = Buffer.concat([header, raw, trailer])
  const name = `pack-corrupt-${id}-${Math.random().toString(36).slice(2, 8)}.pack`
  writeFileSync(join(root, name), entry)
  const db = new Database(join(root, 'index.sqlite'))
  try {
    db.pragma('busy_timeout = 10000')
    const pack = Number(
      db.prepare('INSERT INTO pack (name, size) VALUES (?, ?)').run(name, entry.length)
        .lastInsertRowid,
    )
    db.prepare('UPDATE entry SET pack = ?, off = 0, len = ? WHERE id = ?').run(
      pack,
      entry.length,
      id,
    )
  } finally {
    db.close()
  }
}
