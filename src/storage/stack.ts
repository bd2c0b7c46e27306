/**
 * The write layers, decided once: which layers sit between each writer and the backend, and
 * the one function that builds them. `openArchive({ writer })` builds its storage from here;
 * nothing else composes write layers. docs/storage.md describes the same table.
 *
 * @module
 */

import type { JournalWriter } from '../journal/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { Storage } from './interface.js'
import { BufferingStorage, type BufferThresholds } from './proxies/buffer.js'
import { FilteringStorage } from './proxies/filter.js'
import { JournalWritingStorage } from './proxies/journal-writer.js'
import { ValidatingStorage } from './proxies/validate.js'

/** A storage layer. */
export type Layer = 'validate' | 'buffer' | 'filter' | 'journal'

/** The programs that write into an archive. */
export type Writer = 'loader' | 'mirror' | 'import'

/**
 * Layers per writer, outermost first (the backend is under the last one).
 *
 * - `loader` (`arca save`, the git loader): `validate → buffer → filter → journal`. Validation is
 *   outermost, so a wrong id fails the add that carries it (not a later flush) and nothing of
 *   that batch is buffered; the buffer batches the loader's many small adds; the filter asks
 *   `*Missing` once per full batch, so the journal below sees only new objects and journals
 *   each once.
 * - `import` (library writers of objects they built themselves, e.g. from `fromdisk` trees):
 *   the same stack as the loader.
 * - `mirror` (`arca mirror`, the replayer): `validate` only.
 *   - validate: the replayer already verifies each record as it decodes it (`mirror/decode.ts`,
 *     and contents against their bytes in `mirror/write.ts`), because one bad record must be
 *     rejected with its offset while replay goes on, which a layer refusing a whole batch cannot
 *     do. The layer is kept under it all the same: every path that writes (batches, released
 *     held objects, the selective closure, withheld contents) then reaches the backend only
 *     through a recomputed id. An object the replayer checked is known to the layer
 *     (`verify.checked`, by identity) and not hashed again; a content's bytes are not read back
 *     unless the content store held them before the replayer wrote (then they are checked).
 *   - no buffer: the replayer writes each group in one call (one transaction) and records what
 *     was written in its state; the next group's presence checks must see it at once.
 *   - no filter: contents are filtered by the replayer before their bytes are fetched; the
 *     other kinds are idempotent in the backend.
 *   - no journal layer: the replayer journals the upstream's record bytes verbatim (so this
 *     mirror can itself be mirrored byte for byte), bytes first, then record, then rows.
 */
export const WRITER_STACKS: Readonly<Record<Writer, readonly Layer[]>> = {
  loader: ['validate', 'buffer', 'filter', 'journal'],
  import: ['validate', 'buffer', 'filter', 'journal'],
  mirror: ['validate'],
}

/** What the layers need besides the storage under them. */
export interface StackComponents {
  readonly journal: JournalWriter
  readonly objstorage: ObjStorage
  readonly bufferThresholds?: Partial<BufferThresholds> | undefined
}

/**
 * Wraps `backend` in `layers` (outermost first).
 *
 * @example
 * ```ts
 * const storage = buildStack(backend, WRITER_STACKS.loader, { journal, objstorage })
 * ```
 */
export function buildStack(
  backend: Storage,
  layers: readonly Layer[],
  components: StackComponents,
): Storage {
  let storage = backend
  for (const layer of [...layers].reverse()) {
    switch (layer) {
      case 'journal':
        storage = new JournalWritingStorage(storage, components)
        break
      case 'filter':
        storage = new FilteringStorage(storage)
        break
      case 'buffer':
        storage = new BufferingStorage(storage, components.bufferThresholds)
        break
      case 'validate':
        storage = new ValidatingStorage(storage, components)
        break
    }
  }
  return storage
}
