/**
 * `fsck`: every stored object of the archive, kind by kind in reference order, each kind paged
 * by key. Memory holds one page (and its findings) at a time, whatever the archive's size;
 * each page is one short read, so writers are never held up. The position is checkpointed
 * about once a second and after each kind (`checkpoint.ts`), and a run that was interrupted
 * continues from there.
 *
 * On a live archive, objects written after their page was read are not seen by this run;
 * nothing is reported dangling for being written late, because every writer stores an object's
 * references before the object (the kinds are walked in that same order).
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'
import type { CoreType } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import {
  type PackedDirectory,
  SCAN_KINDS,
  type ScanItem,
  type ScanKind,
  type Storage,
  type StorageScan,
} from '../storage/index.js'
import { FsckCheckpoint } from './checkpoint.js'
import { checkPackedDirectories } from './directories.js'
import { type FsckCounts, type FsckFinding, type FsckReport, zeroCounts } from './findings.js'
import { KnownIds } from './known.js'
import { checkPage, PresentCache } from './objects.js'

/** Progress of a run. */
export interface FsckProgress {
  readonly kind: ScanKind
  readonly checked: Readonly<FsckCounts>
  readonly findings: number
}

/** Settings of {@link fsck}. */
export interface FsckOptions extends AbortOptions {
  /** The backend (it must be scannable: the SQL backends are). */
  readonly storage: Storage & StorageScan
  readonly objstorage: ObjStorage
  /** The data directory (the checkpoint lives in `<dataDir>/fsck/`). */
  readonly dataDir: string
  /** The storage URL (names the storage the checkpoint belongs to). */
  readonly storageUrl: string
  /** Discard an unfinished run instead of continuing it. */
  readonly restart?: boolean
  /** Objects per page (default 1000). */
  readonly batchSize?: number
  /** Pause between pages, to spare a busy archive (ms, default 0). */
  readonly throttleMs?: number
  readonly onProgress?: (p: FsckProgress) => void
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(t)
      reject(signal.reason as Error)
    })
  })

/** The kinds each kind references, whose ids are read before its pages are checked. */
const REFERENCED: Readonly<Record<ScanKind, readonly CoreType[]>> = {
  content: [],
  directory: ['cnt', 'dir'],
  revision: ['dir', 'rev'],
  release: ['cnt', 'dir', 'rev', 'rel', 'snp'],
  snapshot: ['cnt', 'dir', 'rev', 'rel', 'snp'],
  origin_visit_status: ['snp'],
}

/** `p`, its rejection handled when nobody awaits it (a check failed while it was read ahead). */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined)
  return p
}

/** A page read and not yet checked. */
type ReadPage =
  | { readonly kind: 'directory'; readonly items: readonly PackedDirectory[]; next: string | null }
  | { readonly kind: 'other'; readonly items: readonly ScanItem[]; next: string | null }

/** Reads the page of `kind` after `after`. */
async function readPage(
  options: FsckOptions,
  kind: ScanKind,
  after: string | null,
  batch: number,
): Promise<ReadPage> {
  if (kind === 'directory') {
    const page = await options.storage.scanPackedDirectories(after, batch)
    return { kind: 'directory', items: page.items, next: page.next }
  }
  const page = await options.storage.scan(kind, after, batch)
  return { kind: 'other', items: page.items, next: page.next }
}

/**
 * The findings of a page read. Directory ids are hashed on this thread: handing a page to a
 * worker (its rows joined into one buffer, its keys posted) cost about as much as hashing it,
 * and the worker's start and heap came on top.
 */
function checkRead(
  options: FsckOptions,
  kind: ScanKind,
  page: ReadPage,
  present: PresentCache,
  known: KnownIds,
): Promise<FsckFinding[]> {
  if (page.kind === 'directory')
    return checkPackedDirectories(options.storage, options.objstorage, page.items, present, known)
  return checkPage(options.storage, options.objstorage, kind, page.items, present, known)
}

/**
 * Checks the whole archive and returns the report (the findings of an interrupted run that is
 * continued are part of it).
 *
 * @example
 * ```ts
 * const report = await fsck({ storage: archive.backend, objstorage: archive.objstorage, dataDir, storageUrl })
 * if (!report.clean) console.log(reportText(report))
 * ```
 */
export async function fsck(options: FsckOptions): Promise<FsckReport> {
  const batch = Math.max(1, options.batchSize ?? 1000)
  const checkpoint = new FsckCheckpoint(options.dataDir, options.storageUrl)
  const previous = options.restart ? null : checkpoint.load()
  let state = previous ?? checkpoint.start(SCAN_KINDS[0], zeroCounts())
  const findings: FsckFinding[] = previous ? checkpoint.findings(previous) : []
  const checked: FsckCounts = { ...state.checked }
  const present = new PresentCache()
  const known = new KnownIds(options.storage)
  for (let k = SCAN_KINDS.indexOf(state.kind); k < SCAN_KINDS.length; k++) {
    const kind = SCAN_KINDS[k]!
    let after = kind === state.kind ? state.after : null
    await known.load(REFERENCED[kind], options.signal)
    // The next page is read while this one is checked (within a kind: the next kind's
    // referenced ids are read first).
    let reading = quiet(readPage(options, kind, after, batch))
    for (;;) {
      options.signal?.throwIfAborted()
      const page = await reading
      const checking = checkRead(options, kind, page, present, known)
      if (page.next !== null) reading = quiet(readPage(options, kind, page.next, batch))
      const found = await checking
      findings.push(...found)
      checked[kind] += page.items.length
      const last = page.next
      if (last === null) {
        // The kind is done: the next run starts at the next kind.
        const nextKind = SCAN_KINDS[k + 1]
        state = checkpoint.advance(
          state,
          {
            kind: nextKind ?? kind,
            after: nextKind ? null : (page.items.at(-1)?.key ?? after),
            checked,
          },
          found,
          true,
        )
        options.onProgress?.({ kind, checked, findings: findings.length })
        break
      }
      state = checkpoint.advance(state, { kind, after: last, checked }, found)
      after = last
      options.onProgress?.({ kind, checked, findings: findings.length })
      if (options.throttleMs) await sleep(options.throttleMs, options.signal)
    }
  }
  checkpoint.clear()
  return { clean: findings.length === 0, checked, findings, resumed: previous !== null }
}
