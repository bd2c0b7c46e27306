/**
 * The revision Software Heritage's svn loader makes of a Subversion revision: synthetic, type
 * `svn`, author and committer the `svn:author` (the whole value as the full name; none gives an
 * empty name), both dates the `svn:date` (UTC, `+0000`, microseconds kept; none gives the
 * epoch), message the `svn:log` (none gives an empty message), extra headers `svn_repo_uuid`
 * and `svn_revision`, one parent: the previous revision loaded from this origin.
 *
 * @module
 */

import { CorruptError } from '../../errors.js'
import { makeRevision, type Revision, type TimestampWithTimezone, utf8 } from '../../model/index.js'
import type { SvnProps } from './dump.js'

const UTC = utf8('+0000')

/** The `svn:date` as a timestamp (the epoch when absent or empty). */
export function svnDate(value: Uint8Array | undefined): TimestampWithTimezone {
  const s = value === undefined ? '' : Buffer.from(value).toString('latin1').trim()
  if (s === '') return { timestamp: { seconds: 0, microseconds: 0 }, offsetBytes: UTC }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/.exec(s)
  if (!m) throw new CorruptError(`bad svn:date "${s.slice(0, 40)}"`)
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  )
  const micro = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6))
  return { timestamp: { seconds: ms / 1000, microseconds: micro }, offsetBytes: UTC }
}

/** The revision of svn revision `rev` with its revision properties. */
export function svnRevision(init: {
  readonly rev: number
  readonly props: SvnProps
  readonly uuid: string
  readonly directory: string
  readonly parents: readonly string[]
}): Revision {
  const date = svnDate(init.props.get('svn:date'))
  const person = { fullname: init.props.get('svn:author') ?? new Uint8Array() }
  return makeRevision({
    directory: init.directory,
    parents: init.parents,
    author: person,
    committer: person,
    date,
    committerDate: date,
    message: init.props.get('svn:log') ?? new Uint8Array(),
    extraHeaders: [
      [utf8('svn_repo_uuid'), utf8(init.uuid)],
      [utf8('svn_revision'), utf8(String(init.rev))],
    ],
    type: 'svn',
    synthetic: true,
  })
}
