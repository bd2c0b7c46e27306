/**
 * Filtering layer: asks the inner storage what is missing and forwards only new objects. Placed
 * below the buffer, it asks once per full batch (SWH's documented pipeline: buffer → filter →
 * backend), which is the loaders' and mirrors' main saving on re-visits.
 *
 * @module
 */

import type {
  Content,
  Directory,
  ExtId,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../../model/index.js'
import type { AbortOptions, AddSummary, ContentWithData } from '../interface.js'
import { ForwardingStorage } from './forwarding.js'

function dedupe<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>()
  return items.filter((t) => {
    const k = key(t)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/**
 * Forwards only objects the inner storage lacks.
 *
 * @example
 * ```ts
 * const storage = new FilteringStorage(backend)
 * await storage.directoryAdd(dirs) // only unknown directories reach the backend
 * ```
 */
export class FilteringStorage extends ForwardingStorage {
  async #onlyMissing<T>(
    items: readonly T[],
    key: (t: T) => string,
    missing: (ids: string[]) => Promise<string[]>,
  ): Promise<T[]> {
    const unique = dedupe(items, key)
    if (unique.length === 0) return []
    const todo = new Set(await missing(unique.map(key)))
    return unique.filter((t) => todo.has(key(t)))
  }

  override async contentAdd(
    contents: readonly ContentWithData[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.#onlyMissing(
      contents,
      (c) => c.sha1Git,
      (ids) => this.inner.contentMissing(ids, options),
    )
    return todo.length === 0
      ? { 'content:add': 0, 'content:add:bytes': 0 }
      : super.contentAdd(todo, options)
  }

  override async contentAddMetadata(
    contents: readonly Content[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.#onlyMissing(
      contents,
      (c) => c.sha1Git,
      (ids) => this.inner.contentMissing(ids, options),
    )
    return todo.length === 0 ? { 'content:add': 0 } : super.contentAddMetadata(todo, options)
  }

  override async skippedContentAdd(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.inner.skippedContentMissing(contents, options)
    return todo.length === 0 ? { 'skipped_content:add': 0 } : super.skippedContentAdd(todo, options)
  }

  override async directoryAdd(
    directories: readonly Directory[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.#onlyMissing(
      directories,
      (d) => d.id,
      (ids) => this.inner.directoryMissing(ids, options),
    )
    return todo.length === 0 ? { 'directory:add': 0 } : super.directoryAdd(todo, options)
  }

  override async revisionAdd(
    revisions: readonly Revision[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.#onlyMissing(
      revisions,
      (r) => r.id,
      (ids) => this.inner.revisionMissing(ids, options),
    )
    return todo.length === 0 ? { 'revision:add': 0 } : super.revisionAdd(todo, options)
  }

  override async releaseAdd(
    releases: readonly Release[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.#onlyMissing(
      releases,
      (r) => r.id,
      (ids) => this.inner.releaseMissing(ids, options),
    )
    return todo.length === 0 ? { 'release:add': 0 } : super.releaseAdd(todo, options)
  }

  override async snapshotAdd(
    snapshots: readonly Snapshot[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const todo = await this.#onlyMissing(
      snapshots,
      (s) => s.id,
      (ids) => this.inner.snapshotMissing(ids, options),
    )
    return todo.length === 0 ? { 'snapshot:add': 0 } : super.snapshotAdd(todo, options)
  }

  override async extidAdd(extids: readonly ExtId[], options?: AbortOptions): Promise<AddSummary> {
    const unique = dedupe(extids, (e) => e.id)
    // No extidMissing in the interface: look the extids up by their external ids.
    const known = new Set<string>()
    const byType = new Map<string, ExtId[]>()
    for (const e of unique) byType.set(e.extidType, [...(byType.get(e.extidType) ?? []), e])
    for (const [type, list] of byType) {
      for (const e of await this.inner.extidGetFromExtid(
        type,
        list.map((x) => x.extid),
        options,
      ))
        known.add(e.id)
    }
    const todo = unique.filter((e) => !known.has(e.id))
    return todo.length === 0 ? { 'extid:add': 0 } : super.extidAdd(todo, options)
  }
}
