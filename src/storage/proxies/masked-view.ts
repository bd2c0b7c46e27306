/**
 * The masked view of an archive: what the web (and any other public reader) is given instead of
 * the archive itself, so that every read goes through the masking rules. Its types are the
 * masking classes (they have private members, so nothing else fits where they are required).
 *
 * @module
 */

import type { JournalReader } from '../../journal/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type { Storage } from '../interface.js'
import { MaskingStorage } from './masking.js'
import { MaskingJournalReader } from './masking-journal.js'
import { MaskingObjStorage } from './masking-objstorage.js'

/** Storage, content bytes and journal, each refusing or withholding masked objects. */
export interface MaskedView {
  readonly storage: MaskingStorage
  readonly objstorage: MaskingObjStorage
  readonly journal: MaskingJournalReader
}

/**
 * Wraps an archive's storage, objstorage and journal in the masking layers.
 *
 * @example
 * ```ts
 * const view = maskedView(archive)
 * await view.objstorage.getBytes(id) // MaskedError when swh:1:cnt:<id> is masked
 * ```
 */
export function maskedView(archive: {
  readonly storage: Storage
  readonly objstorage: ObjStorage
  readonly journal: Pick<JournalReader, 'read' | 'endOffset'>
}): MaskedView {
  const storage =
    archive.storage instanceof MaskingStorage
      ? archive.storage
      : new MaskingStorage(archive.storage)
  return {
    storage,
    objstorage: new MaskingObjStorage(archive.objstorage, storage.masks),
    journal: new MaskingJournalReader(archive.journal, storage.masks),
  }
}
