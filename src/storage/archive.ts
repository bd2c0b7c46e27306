/**
 * Opening a whole archive: the graph storage (with its layers), the content store and the
 * journal, from a data directory and an optional storage URL.
 *
 * Layout of the data directory (created on first use):
 * - `graph.sqlite` — the graph (unless `storageUrl` points at PostgreSQL),
 * - `objects/` — content bytes in the file store (sliced paths), or `packs/` — in the pack store
 *   (see `content-store.ts`),
 * - `journal/` — the embedded journal,
 * - `tmp/` — scratch space of loaders (removed by each loader; what killed ones left is swept
 *   at every opening).
 *
 * @module
 */

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { type Journal, journalFromUrl } from '../journal/index.js'
import type { FsCompression, ObjStorage, S3Location } from '../objstorage/index.js'
import { type ContentStoreKind, contentStoreKind, openContentStore } from './content-store.js'
import { openStorage } from './factory.js'
import type { Storage } from './interface.js'
import type { BufferThresholds } from './proxies/buffer.js'
import { sweepScratch } from './scratch-sweep.js'
import type { SqlStorage } from './sql/sql-storage.js'
import { buildStack, type Writer, WRITER_STACKS } from './stack.js'

/** Settings of {@link openArchive}. */
export interface ArchiveInit {
  readonly dataDir: string
  /** `sqlite:PATH` or `postgres://…`; default `sqlite:<dataDir>/graph.sqlite`. */
  readonly storageUrl?: string | undefined
  /**
   * The program writing through `storage`: its layers come from {@link WRITER_STACKS} (default:
   * none, for readers).
   */
  readonly writer?: Writer | undefined
  /** Journal: the embedded one (default) or another backend. */
  readonly journal?: Journal
  /** Journal URL (`embedded`, `embedded:PATH`, `nats://HOST:PORT[/PREFIX]`) when `journal` is unset. */
  readonly journalUrl?: string | undefined
  readonly compression?: FsCompression
  /**
   * Content store of a new archive (`files` or `pack`, default `pack`); an existing archive keeps
   * its own, and asking for the other one is an error.
   */
  readonly contentStore?: ContentStoreKind | undefined
  /** The bucket of a new S3 content store (`contentStore` 's3'). */
  readonly s3?: S3Location | undefined
  /** fsync content files (default true; false only for throwaway or re-creatable archives). */
  readonly fsync?: boolean
  readonly bufferThresholds?: Partial<BufferThresholds>
}

/** An open archive. */
export interface Archive {
  readonly dataDir: string
  /** The storage with the layers of `writer` (the backend itself for readers). */
  readonly storage: Storage
  /** The backend without layers. */
  readonly backend: SqlStorage
  readonly objstorage: ObjStorage
  readonly journal: Journal
  /** Scratch directory for loaders. */
  readonly tmpDir: string
  close(): Promise<void>
}

/** Default storage URL for a data directory. */
export function defaultStorageUrl(dataDir: string): string {
  return `sqlite:${join(dataDir, 'graph.sqlite')}`
}

/**
 * Opens (creating if needed) the archive in `dataDir`.
 *
 * @example
 * ```ts
 * const archive = await openArchive({ dataDir: 'arca-data', writer: 'import' })
 * await archive.storage.contentAdd([content])
 * await archive.close() // flushes
 * ```
 */
export async function openArchive(init: ArchiveInit): Promise<Archive> {
  mkdirSync(init.dataDir, { recursive: true })
  const tmpDir = join(init.dataDir, 'tmp')
  mkdirSync(tmpDir, { recursive: true })
  // Scratch directories of loaders that were killed.
  sweepScratch(tmpDir)
  const objstorage = openContentStore(init.dataDir, {
    kind: contentStoreKind(init.dataDir, init.contentStore),
    compression: init.compression,
    fsync: init.fsync,
    s3: init.s3,
  })
  const journal = init.journal ?? journalFromUrl(init.journalUrl, join(init.dataDir, 'journal'))
  await journal.open()
  const backend = await openStorage(init.storageUrl ?? defaultStorageUrl(init.dataDir), {
    objstorage,
  })
  const storage: Storage = init.writer
    ? buildStack(backend, WRITER_STACKS[init.writer], {
        journal,
        objstorage,
        bufferThresholds: init.bufferThresholds,
      })
    : backend
  return {
    dataDir: init.dataDir,
    storage,
    backend,
    objstorage,
    journal,
    tmpDir,
    async close() {
      await storage.flush()
      await storage.close()
      await journal.close()
    },
  }
}
