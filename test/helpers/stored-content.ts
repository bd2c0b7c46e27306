/**
 * Reading and breaking the stored bytes of contents behind the content store's back, for tests,
 * whichever store the archive has: the file store (`<data>/objects/ab/cd/<id>`, plain or
 * `.gz`) or the pack store (`<data>/packs/`). Written by hand from the layouts documented in
 * docs/objstorage.md, not with the stores' own code.
 *
 * Store-aware (a data directory and a sha1_git): {@link archiveStore}, {@link storedBytes},
 * {@link isStored}, {@link flipStoredByte}, {@link truncateStored}, {@link deleteStored}.
 * Pack primitives (a pack store root): {@link packedBytes}, {@link flipPackedByte},
 * {@link replacePackedContent}.
 *
 * Pack entry: "APK1" · sha1_git (20 bytes) · codec (1: brotli, 0: none) · 3 zero bytes · raw length
 * (u48 BE) · stored length (u48 BE) · payload · CRC-32 of payload then header (u32 BE) · "1KPA".
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, crc32, gunzipSync } from 'node:zlib'

import Database from 'better-sqlite3'

interface Row {
  pack: number
  name: string
  off: number
  len: number
}

function findRow(root: string, id: string): Row | undefined {
  const db = new Database(join(root, 'index.sqlite'), { readonly: true })
  try {
    db.pragma('busy_timeout = 10000')
    return db
      .prepare(
        'SELECT e.pack AS pack, p.name AS name, e.off AS off, e.len AS len FROM entry e JOIN pack p ON p.id = e.pack WHERE e.id = ?',
      )
      .get(id) as Row | undefined
  } finally {
    db.close()
  }
}

function row(root: string, id: string): Row {
  const r = findRow(root, id)
  if (!r) throw new Error(`${id} is not in the pack index under ${root}`)
  return r
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
 * Flips one stored byte of `id`'s entry in place, `offset` bytes into its payload (clamped to
 * it): every read then fails its CRC (bit rot).
 */
export function flipPackedByte(root: string, id: string, offset = 0): void {
  const r = row(root, id)
  const fd = openSync(join(root, r.name), 'r+')
  try {
    const b = Buffer.alloc(1)
    const at = r.off + 40 + Math.min(offset, Math.max(0, r.len - 49))
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

/** The content store of the archive in `data`, as found on disk: packs when their index is there. */
export function archiveStore(data: string): 'files' | 'pack' {
  if (existsSync(join(data, 'packs', 'index.sqlite'))) return 'pack'
  if (existsSync(join(data, 'objects'))) return 'files'
  throw new Error(`No content store under ${data}`)
}

const packRoot = (data: string): string => join(data, 'packs')

/** The file of `id` in the file store of `data`, plain or gzip, or null. */
function storedFile(data: string, id: string): { path: string; gzip: boolean } | null {
  const base = join(data, 'objects', id.slice(0, 2), id.slice(2, 4), id)
  if (existsSync(base)) return { path: base, gzip: false }
  if (existsSync(base + '.gz')) return { path: base + '.gz', gzip: true }
  return null
}

function needFile(data: string, id: string): { path: string; gzip: boolean } {
  const f = storedFile(data, id)
  if (!f) throw new Error(`${id} has no file under ${join(data, 'objects')}`)
  return f
}

/** Whether the content store of `data` holds bytes for `id`. */
export function isStored(data: string, id: string): boolean {
  if (!existsSync(join(data, 'packs', 'index.sqlite')) && !existsSync(join(data, 'objects')))
    return false
  if (archiveStore(data) === 'pack') return findRow(packRoot(data), id) !== undefined
  return storedFile(data, id) !== null
}

/** The bytes stored for `id` in `data`'s content store, decoded (unchecked). */
export function storedBytes(data: string, id: string): Buffer {
  if (archiveStore(data) === 'pack') return packedBytes(packRoot(data), id)
  const f = needFile(data, id)
  const raw = readFileSync(f.path)
  return f.gzip ? gunzipSync(raw) : raw
}

/**
 * Flips bits of one stored byte of `id`, `offset` bytes in (bit rot): in a plain file the
 * content's own byte (only the hashes find it), in a pack or a gzip file the stored payload (the
 * CRC finds it).
 */
export function flipStoredByte(data: string, id: string, offset = 3): void {
  if (archiveStore(data) === 'pack') return flipPackedByte(packRoot(data), id, offset)
  const f = needFile(data, id)
  const bytes = readFileSync(f.path)
  const at = Math.min(offset, bytes.length - 1)
  bytes[at] = bytes[at]! ^ 0x10
  writeFileSync(f.path, bytes)
}

/**
 * Makes the store hold `id`'s bytes cut short by `by` bytes: a file truncated, or a well-formed
 * pack entry of the shorter bytes (what a store that lost a tail would read back).
 */
export function truncateStored(data: string, id: string, by: number): void {
  if (archiveStore(data) === 'pack') {
    const raw = packedBytes(packRoot(data), id)
    return replacePackedContent(packRoot(data), id, raw.subarray(0, Math.max(0, raw.length - by)))
  }
  const f = needFile(data, id)
  truncateSync(f.path, Math.max(0, statSync(f.path).size - by))
}

/**
 * Removes `id`'s bytes from the store: its file, or its pack index row (the entry's bytes are
 * then dead, as after a deletion). `force`: no error when absent.
 */
export function deleteStored(data: string, id: string, options: { force?: boolean } = {}): void {
  if (archiveStore(data) === 'pack') {
    const db = new Database(join(packRoot(data), 'index.sqlite'))
    try {
      db.pragma('busy_timeout = 10000')
      const n = db.prepare('DELETE FROM entry WHERE id = ?').run(id).changes
      if (n === 0 && !options.force) throw new Error(`${id} is not in the pack index of ${data}`)
    } finally {
      db.close()
    }
    return
  }
  const f = storedFile(data, id)
  if (f) rmSync(f.path)
  else if (!options.force) throw new Error(`${id} has no file under ${join(data, 'objects')}`)
}
