/**
 * Content bytes through the masking rules: reading the bytes of a masked content throws
 * {@link MaskedError}, whoever asks. The web reads bytes only through it, so a route cannot
 * serve masked bytes even if it skipped the storage's metadata read.
 *
 * @module
 */

import { swhidString } from '../../model/index.js'
import type {
  AbortOptions,
  ObjGetOptions,
  ObjListOptions,
  ObjStorage,
} from '../../objstorage/index.js'
import type { MaskChecker } from './masking.js'

/**
 * An objstorage whose reads refuse masked contents (`swh:1:cnt:<sha1_git>`).
 *
 * `getBytes` checks before reading; `get` checks when the stream is first pulled (a masked
 * content's stream fails before its first byte).
 */
export class MaskingObjStorage implements ObjStorage {
  constructor(
    readonly inner: ObjStorage,
    readonly masks: MaskChecker,
  ) {}

  open(options?: AbortOptions): Promise<void> {
    return this.inner.open(options)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  add(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options?: AbortOptions,
  ): Promise<void> {
    return this.inner.add(id, data, options)
  }

  replace(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options?: AbortOptions,
  ): Promise<void> {
    return this.inner.replace(id, data, options)
  }

  addBatch(
    items: readonly { id: string; data: Uint8Array }[],
    options?: AbortOptions,
  ): Promise<void> {
    return this.inner.addBatch(items, options)
  }

  has(id: string, options?: AbortOptions): Promise<boolean> {
    return this.inner.has(id, options)
  }

  missing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.inner.missing(ids, options)
  }

  async *get(id: string, options?: ObjGetOptions): AsyncIterable<Uint8Array> {
    await this.masks.check([swhidString('cnt', id)], options)
    yield* this.inner.get(id, options)
  }

  async getBytes(id: string, options?: ObjGetOptions): Promise<Uint8Array> {
    await this.masks.check([swhidString('cnt', id)], options)
    return this.inner.getBytes(id, options)
  }

  /** Refuses the whole batch (MaskedError) when any of `ids` is masked: one masking query. */
  async getBytesMany(ids: readonly string[], options?: ObjGetOptions): Promise<Uint8Array[]> {
    await this.masks.check(
      ids.map((id) => swhidString('cnt', id)),
      options,
    )
    return this.inner.getBytesMany(ids, options)
  }

  /**
   * A reader of many contents with one masking query for all of them: it answers null for a
   * masked content, as for one whose bytes are not here (batch readers skip rather than fail).
   */
  async batchReader(
    ids: readonly string[],
    options?: ObjGetOptions,
  ): Promise<(id: string) => Promise<Uint8Array | null>> {
    const masked = await this.masks.masked(
      ids.map((id) => swhidString('cnt', id)),
      options,
    )
    return (id) =>
      masked.has(swhidString('cnt', id))
        ? Promise.resolve(null)
        : this.inner.getBytes(id, options).then(
            (data) => data,
            () => null,
          )
  }

  delete(id: string, options?: AbortOptions): Promise<boolean> {
    return this.inner.delete(id, options)
  }

  list(options?: ObjListOptions): AsyncIterable<string> {
    return this.inner.list(options)
  }
}
