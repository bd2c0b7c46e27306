/**
 * Writes journal records' objects into a storage: the one mapping from a journal topic to the
 * storage call that adds its objects, for every reader that replays records (a mirror following
 * its upstream, `arca remove restore` putting a recovery bundle back). Contents and takedowns
 * are not here: how their bytes are fetched and how a takedown is applied belong to the caller.
 *
 * @module
 */

import type { Topic, TopicObjects } from '../journal/index.js'
import type { Storage } from './interface.js'

/** The topics {@link addTopicObjects} writes. */
export type GraphTopic = Exclude<Topic, 'content' | 'takedown'>

/** True when `topic`'s objects are written by {@link addTopicObjects}. */
export function isGraphTopic(topic: Topic): topic is GraphTopic {
  return topic !== 'content' && topic !== 'takedown'
}

/**
 * Adds `objs`, objects of one `topic` already in dependency order, in one storage call.
 *
 * @example
 * ```ts
 * await addTopicObjects(storage, 'revision', revisions)
 * ```
 */
export async function addTopicObjects<T extends GraphTopic>(
  storage: Storage,
  topic: T,
  objs: readonly TopicObjects[T][],
): Promise<void> {
  const all = objs as readonly TopicObjects[GraphTopic][]
  switch (topic) {
    case 'skipped_content':
      await storage.skippedContentAdd(all as TopicObjects['skipped_content'][])
      return
    case 'directory':
      await storage.directoryAdd(all as TopicObjects['directory'][])
      return
    case 'revision':
      await storage.revisionAdd(all as TopicObjects['revision'][])
      return
    case 'release':
      await storage.releaseAdd(all as TopicObjects['release'][])
      return
    case 'snapshot':
      await storage.snapshotAdd(all as TopicObjects['snapshot'][])
      return
    case 'extid':
      await storage.extidAdd(all as TopicObjects['extid'][])
      return
    case 'origin':
      await storage.originAdd(all as TopicObjects['origin'][])
      return
    case 'origin_visit':
      // a replayed visit keeps its number (storage numbers new visits otherwise)
      await storage.originVisitAdd(
        (all as TopicObjects['origin_visit'][]).map((v) => ({
          origin: v.origin,
          visit: v.visit,
          date: v.date,
          ...(v.dateExtraMicros ? { dateExtraMicros: v.dateExtraMicros } : {}),
          type: v.type,
        })),
      )
      return
    case 'origin_visit_status':
      await storage.originVisitStatusAdd(all as TopicObjects['origin_visit_status'][])
      return
    case 'raw_extrinsic_metadata': {
      // a record carries its authority and fetcher: recorded first (known ones are kept)
      const list = all as TopicObjects['raw_extrinsic_metadata'][]
      await storage.metadataAuthorityAdd(list.map((m) => m.authority))
      await storage.metadataFetcherAdd(list.map((m) => m.fetcher))
      await storage.rawExtrinsicMetadataAdd(list)
      return
    }
  }
}
