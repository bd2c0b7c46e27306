/**
 * `arca remove restore`: writing the objects of a recovery bundle back, each one re-verified
 * (contents against their four hashes and length, other objects against their id), bottom-up
 * as the bundle holds them, through the archive's writing layers (so the journal sees them
 * again and mirrors get them back).
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import {
  encodeRecord,
  type JournalWriter,
  type Topic,
  type TopicObjects,
} from '../journal/index.js'
import { originId, swhidString, verify } from '../model/index.js'
import {
  addTopicObjects,
  type GraphTopic,
  isGraphTopic,
  type Storage,
  type StorageRemoval,
} from '../storage/index.js'
import { SWHIDS_PER_RECORD } from './remove.js'
import { type BundleEntry, type BundleHeader, readBundle } from './remove-bundle.js'

/** What a restore wrote. */
export interface RestoreOutcome {
  readonly header: BundleHeader
  /** Objects written per journal topic. */
  readonly counts: Readonly<Record<string, number>>
}

/** Options of {@link restoreBundle}. */
export interface RestoreOptions {
  /** The archive's writing storage (the `import` layers). */
  readonly storage: Storage
  /** Where the removal is recorded: its masks lifted, marked `restored` when known here. */
  readonly backend: StorageRemoval
  /**
   * Where the lifting of the removal's masks is published (a `takedown` record, action
   * `unmask`), so that mirrors show the restored objects again.
   */
  readonly journal?: JournalWriter
  readonly path: string
  /** age identities (`AGE-SECRET-KEY-1…`). */
  readonly identities: readonly string[]
  readonly onProgress?: (written: number) => void
}

/** The SWHID a bundle entry restores, if it is one a removal lists. */
function swhidOf(e: BundleEntry): string | null {
  switch (e.topic) {
    case 'content':
      return swhidString('cnt', e.obj.sha1Git)
    case 'directory':
      return swhidString('dir', e.obj.id)
    case 'revision':
      return swhidString('rev', e.obj.id)
    case 'release':
      return swhidString('rel', e.obj.id)
    case 'snapshot':
      return swhidString('snp', e.obj.id)
    case 'origin':
      return swhidString('ori', originId(e.obj.url))
    default:
      return null
  }
}

function check(e: BundleEntry): void {
  switch (e.topic) {
    case 'content':
      if (!e.data) throw new CorruptError(`Content ${e.obj.sha1Git}: no bytes in the bundle`)
      verify.content(e.obj, e.data)
      return
    case 'directory':
      return verify.directory(e.obj)
    case 'revision':
      return verify.revision(e.obj)
    case 'release':
      return verify.release(e.obj)
    case 'snapshot':
      return verify.snapshot(e.obj)
    case 'extid':
      return verify.extid(e.obj)
    default:
      return
  }
}

async function write(storage: Storage, topic: Topic, group: BundleEntry[]): Promise<void> {
  if (topic === 'content')
    await storage.contentAdd(
      group.map((e) => ({ ...(e.obj as TopicObjects['content']), data: e.data! })),
    )
  else if (isGraphTopic(topic))
    await addTopicObjects(storage, topic, group.map((e) => e.obj) as TopicObjects[GraphTopic][])
}

/** Restores a bundle (see the module documentation); throws CorruptError on a bad object. */
export async function restoreBundle(options: RestoreOptions): Promise<RestoreOutcome> {
  const { header, entries } = await readBundle(options.path, options.identities)
  const counts: Record<string, number> = {}
  let group: BundleEntry[] = []
  let bytes = 0
  let written = 0
  const flush = async (): Promise<void> => {
    if (group.length === 0) return
    await write(options.storage, group[0]!.topic, group)
    written += group.length
    options.onProgress?.(written)
    group = []
    bytes = 0
  }
  const swhids: string[] = []
  for await (const e of entries) {
    check(e)
    const swhid = swhidOf(e)
    if (swhid !== null) swhids.push(swhid)
    // A group is one topic: the bundle is bottom-up, so each group only needs earlier ones.
    if (
      group.length > 0 &&
      (group[0]!.topic !== e.topic || group.length >= 500 || bytes > 32 << 20)
    )
      await flush()
    group.push(e)
    bytes += e.data?.length ?? 0
    counts[e.topic] = (counts[e.topic] ?? 0) + 1
  }
  await flush()
  await options.storage.flush()
  await options.backend.removalUnmask(header.removal.id)
  for (let i = 0; i < swhids.length; i += SWHIDS_PER_RECORD) {
    await options.journal?.append('takedown', [
      encodeRecord('takedown', {
        id: `${header.removal.id}/restored`,
        swhids: swhids.slice(i, i + SWHIDS_PER_RECORD),
        action: 'unmask',
        reason: `restored: ${header.removal.reason}`,
        date: new Date(),
      }),
    ])
  }
  if (await options.backend.removalGet(header.removal.id))
    await options.backend.removalUpdate(header.removal.id, { state: 'restored' })
  return { header, counts }
}
