/**
 * Content checks: each content row's bytes are read back from the content store and hashed
 * again (sha1, sha1_git, sha256, blake2s256 and the length), several files at a time.
 *
 * @module
 */

import { errorMessage, isArcaError } from '../errors.js'
import { type Content, ContentHasher, type ContentHashes } from '../model/index.js'
import type { ObjStorage, StoredHashes } from '../objstorage/index.js'
import type { FsckFinding } from './findings.js'

/** Contents up to this size are read in one call; larger ones are streamed. */
const WHOLE_READ_LIMIT = 4 << 20

const HASH_NAMES: readonly [keyof ContentHashes, string][] = [
  ['sha1', 'sha1'],
  ['sha1Git', 'sha1_git'],
  ['sha256', 'sha256'],
  ['blake2s256', 'blake2s256'],
]

async function hashStored(
  store: ObjStorage,
  c: Content,
): Promise<{ length: number; hashes: ContentHashes }> {
  if (c.length <= WHOLE_READ_LIMIT) {
    const data = store.getBytesSync
      ? store.getBytesSync(c.sha1Git)
      : await store.getBytes(c.sha1Git)
    const h = new ContentHasher(data.length).update(data)
    return { length: data.length, hashes: h.digest() }
  }
  // Large: streamed once; hashed with the recorded length in the git header, and counted.
  let length = 0
  const h = new ContentHasher(c.length)
  for await (const chunk of store.get(c.sha1Git)) {
    length += chunk.length
    if (length <= c.length) h.update(chunk)
  }
  if (length !== c.length) return { length, hashes: NO_HASHES }
  return { length, hashes: h.digest() }
}

const NO_HASHES: ContentHashes = { sha1: '', sha1Git: '', sha256: '', blake2s256: '' }

/** The finding of content `c` whose stored bytes gave `got`, or null when they match. */
function verdict(c: Content, got: StoredHashes): FsckFinding | null {
  const bad: string[] = []
  if (got.length !== c.length) bad.push(`length: ${got.length} bytes stored, ${c.length} recorded`)
  else
    for (const [key, name] of HASH_NAMES)
      if (got.hashes[key] !== c[key]) bad.push(`${name} ${got.hashes[key]}`)
  if (bad.length === 0) return null
  return {
    kind: 'content',
    swhid: `swh:1:cnt:${c.sha1Git}`,
    problem: 'corrupt',
    detail: `its stored bytes do not match its hashes (${bad.join('; ')})`,
  }
}

/** The finding of one content, or null when its bytes are present and match. */
export async function checkContent(store: ObjStorage, c: Content): Promise<FsckFinding | null> {
  const swhid = `swh:1:cnt:${c.sha1Git}`
  let got: { length: number; hashes: ContentHashes }
  try {
    got = await hashStored(store, c)
  } catch (e) {
    if (isArcaError(e, 'not_found'))
      return {
        kind: 'content',
        swhid,
        problem: 'missing',
        detail: 'its bytes are not in the content store',
      }
    return {
      kind: 'content',
      swhid,
      problem: 'corrupt',
      detail: `its bytes cannot be read back (${errorMessage(e)})`,
    }
  }
  return verdict(c, got)
}

/** Small contents read per {@link ObjStorage.getBytesMany} call, at most. */
const READ_BATCH = 256
/** Bytes read per call, at most (a batch holds at least one content). */
const READ_BATCH_BYTES = 8 << 20
/** Batches being read (and hashed, on the store's threads) while one is checked. */
const READ_AHEAD = 2

/** `contents` cut into batches of at most {@link READ_BATCH} contents and {@link READ_BATCH_BYTES}. */
function batches(contents: readonly Content[]): Content[][] {
  const out: Content[][] = []
  let batch: Content[] = []
  let bytes = 0
  for (const c of contents) {
    if (batch.length > 0 && (batch.length >= READ_BATCH || bytes + c.length > READ_BATCH_BYTES)) {
      out.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(c)
    bytes += c.length
  }
  if (batch.length > 0) out.push(batch)
  return out
}

/** The length and hashes of each of `batch`; undefined: check that content alone. */
type BatchHashes = (StoredHashes | undefined)[]

/**
 * `batch` hashed: by the store where it can ({@link ObjStorage.hashMany}: the pack store
 * decompresses and hashes on its worker threads, only digests come back), else read by its
 * batch read and hashed here. A batch that cannot be read whole gives nothing.
 */
function hashBatch(store: ObjStorage, batch: readonly Content[]): Promise<BatchHashes> {
  const ids = batch.map((c) => c.sha1Git)
  if (store.hashMany) return store.hashMany(ids).catch(() => [])
  return store.getBytesMany(ids).then(
    (all) =>
      all.map((data) => ({
        length: data.length,
        hashes: new ContentHasher(data.length).update(data).digest(),
      })),
    () => [],
  )
}

/**
 * The findings of small contents (at most {@link WHOLE_READ_LIMIT} each), in input order,
 * hashed in batches ({@link hashBatch}: off the main thread where the store allows; few and
 * large batches, since each is a hand-off between threads, which a loaded machine makes slow),
 * the next batches read while this one is checked. A content a batch does not give (missing,
 * unreadable, corrupt) is checked alone, which names its problem.
 */
async function checkSmall(store: ObjStorage, contents: readonly Content[]): Promise<FsckFinding[]> {
  const findings: FsckFinding[] = []
  const all = batches(contents)
  const ahead: Promise<BatchHashes>[] = []
  let requested = 0
  for (const batch of all) {
    while (requested < all.length && ahead.length <= READ_AHEAD)
      ahead.push(hashBatch(store, all[requested++]!))
    const got = await ahead.shift()!
    for (let k = 0; k < batch.length; k++) {
      const c = batch[k]!
      const h = got[k]
      const f = h === undefined ? await checkContent(store, c) : verdict(c, h)
      if (f) findings.push(f)
    }
  }
  return findings
}

/**
 * The findings of `contents`, in input order: small ones by batches ({@link checkSmall}),
 * large ones streamed, `parallel` at a time.
 */
export async function checkContents(
  store: ObjStorage,
  contents: readonly Content[],
  parallel = 4,
): Promise<FsckFinding[]> {
  const small = contents.filter((c) => c.length <= WHOLE_READ_LIMIT)
  const large = contents.filter((c) => c.length > WHOLE_READ_LIMIT)
  const results: (FsckFinding | null)[] = new Array<FsckFinding | null>(large.length).fill(null)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < large.length) {
      const i = next++
      results[i] = await checkContent(store, large[i]!)
    }
  }
  const [fromSmall] = await Promise.all([
    checkSmall(store, small),
    ...Array.from({ length: Math.min(parallel, large.length) }, worker),
  ])
  const found = new Map<string, FsckFinding>()
  for (const f of [...fromSmall, ...results.filter((f): f is FsckFinding => f !== null)])
    found.set(f.swhid, f)
  return contents.flatMap((c) => {
    const f = found.get(`swh:1:cnt:${c.sha1Git}`)
    return f ? [f] : []
  })
}
