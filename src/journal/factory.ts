/**
 * Journal backends by URL: `embedded` (the default: segment files in the data directory,
 * `embedded:PATH` for another directory) or `nats://HOST:PORT[/PREFIX]` (NATS JetStream).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { EmbeddedJournal } from './embedded/embedded-journal.js'
import type { Journal } from './interface.js'
import { NatsJournal, natsJournalInitFromUrl } from './nats/nats-journal.js'

/** A journal (not yet opened) for `url`; `defaultRoot` is the embedded journal's directory. */
export function journalFromUrl(url: string | undefined, defaultRoot: string): Journal {
  if (url === undefined || url === '' || url === 'embedded')
    return new EmbeddedJournal({ root: defaultRoot })
  if (url.startsWith('embedded:'))
    return new EmbeddedJournal({ root: url.slice('embedded:'.length) })
  if (url.startsWith('nats://')) return new NatsJournal(natsJournalInitFromUrl(url))
  throw new InvalidInputError(
    `Unsupported journal URL "${url}": use embedded, embedded:PATH or nats://HOST:PORT[/PREFIX]`,
  )
}
