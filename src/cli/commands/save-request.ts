/**
 * `arca save-request list|accept|reject|prefix`: moderation of Save Code Now from the command
 * line, on the archive's database (the same requests the `/admin/1/save/…` routes moderate).
 *
 * @module
 */

import type { Command } from 'commander'

import { InvalidInputError } from '../../errors.js'
import { visitTypes } from '../../loader/index.js'
import {
  openSaveCodeNow,
  PREFIX_LISTS,
  type PrefixList,
  SAVE_REQUEST_STATUSES,
  type SaveCodeNow,
  type SaveRequestInfo,
  type SaveRequestStatus,
} from '../../scheduler/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'

type JsonFlag = ArchiveFlags & { json?: boolean }

function withSave<T>(flags: ArchiveFlags, fn: (scn: SaveCodeNow) => Promise<T>): Promise<T> {
  return withArchive(flags, null, async (archive) =>
    fn(await openSaveCodeNow(archive.backend.db, { visitTypes: visitTypes() })),
  )
}

function infoJson(i: SaveRequestInfo): Record<string, unknown> {
  const r = i.request
  return {
    id: r.id,
    visit_type: r.visitType,
    origin_url: r.originUrl,
    save_request_date: new Date(r.requestDate).toISOString(),
    save_request_status: r.status,
    save_task_status: i.taskStatus,
    visit_status: i.visitStatus,
    visit_date: i.visitDate,
    loading_task_id: r.taskId ?? -1,
    note: r.note,
    requesters: r.requesters,
  }
}

function print(i: SaveRequestInfo, json: boolean | undefined): void {
  const r = i.request
  if (json) writeOut(JSON.stringify(infoJson(i)) + '\n')
  else
    writeOut(
      `${r.id}\t${new Date(r.requestDate).toISOString()}\t${r.visitType}\t${r.originUrl}\t${r.status}\t${i.taskStatus}\t${r.note.replace(/\s+/g, ' ')}\n`,
    )
}

function requestId(text: string): number {
  const id = Number(text)
  if (!Number.isSafeInteger(id) || id < 1)
    throw new InvalidInputError(`"${text}" is not a save request id`)
  return id
}

function prefixList(text: string): PrefixList {
  if (!(PREFIX_LISTS as readonly string[]).includes(text))
    throw new InvalidInputError(`Unknown prefix list "${text}": use ${PREFIX_LISTS.join(' or ')}`)
  return text as PrefixList
}

/** Registers `save-request`. */
export function registerSaveRequest(program: Command): void {
  const cmd = program
    .command('save-request')
    .summary('Moderate Save Code Now requests and URL prefix lists.')
    .description(
      'List Save Code Now requests, accept or reject pending ones, and manage the URL prefix ' +
        'lists that decide new requests: under an authorized prefix a request is accepted at ' +
        'once, under an unauthorized one it is rejected, otherwise it waits for a moderator.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca save-request list --status pending\n  $ arca save-request accept 12\n' +
        '  $ arca save-request reject 13 --reason "not source code"\n' +
        '  $ arca save-request prefix add authorized https://github.com/',
    )
  addArchiveOptions(
    cmd
      .command('list')
      .summary('List requests, newest first.')
      .description(
        'List save requests, newest first: id, date, visit type, origin URL, request status, loading status, note.',
      )
      .option('--status <status>', `Only this status: ${SAVE_REQUEST_STATUSES.join(', ')}.`)
      .option('--limit <n>', 'At most this many.', '100')
      .option('--json', 'Print one JSON object per line.')
      .addHelpText(
        'after',
        '\nExample:\n  $ arca save-request list --status pending\n' +
          '  12\t2026-01-05T10:00:00.000Z\tgit\thttps://example.org/r.git\tpending\tnot created\t',
      ),
  ).action(async (flags: JsonFlag & { status?: string; limit: string }) => {
    if (
      flags.status !== undefined &&
      !(SAVE_REQUEST_STATUSES as readonly string[]).includes(flags.status)
    )
      throw new InvalidInputError(
        `Unknown status "${flags.status}": use ${SAVE_REQUEST_STATUSES.join(', ')}`,
      )
    const limit = Number(flags.limit)
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidInputError(`--limit must be a positive integer, not "${flags.limit}"`)
    await withSave(flags, async (scn) => {
      const status = flags.status as SaveRequestStatus | undefined
      for (const i of await scn.list({ ...(status ? { status } : {}), limit })) print(i, flags.json)
    })
  })
  addArchiveOptions(
    cmd
      .command('accept')
      .summary('Accept a pending request (its load task is enqueued).')
      .description(
        'Accept a pending request: its origin URL becomes an authorized prefix and its load task is enqueued.',
      )
      .argument('<id>', 'Request id (see arca save-request list).')
      .option('--note <text>', 'A note kept with the request.')
      .option('--json', 'Print the request as JSON.')
      .addHelpText('after', '\nExample:\n  $ arca save-request accept 12 --note "checked by hand"'),
  ).action(async (id: string, flags: JsonFlag & { note?: string }) => {
    await withSave(flags, async (scn) =>
      print(await scn.accept(requestId(id), flags.note), flags.json),
    )
  })
  addArchiveOptions(
    cmd
      .command('reject')
      .summary('Reject a pending request, with a reason.')
      .description(
        'Reject a pending request; the reason is kept as its note and shown to requesters.',
      )
      .argument('<id>', 'Request id (see arca save-request list).')
      .requiredOption('--reason <text>', 'Why (shown as the request note).')
      .option('--json', 'Print the request as JSON.')
      .addHelpText(
        'after',
        '\nExample:\n  $ arca save-request reject 13 --reason "not a source code repository"',
      ),
  ).action(async (id: string, flags: JsonFlag & { reason: string }) => {
    if (flags.reason.trim() === '') throw new InvalidInputError('--reason cannot be empty')
    await withSave(flags, async (scn) =>
      print(await scn.reject(requestId(id), flags.reason), flags.json),
    )
  })
  addArchiveOptions(
    cmd
      .command('prefix')
      .summary('List, add or remove URL prefixes.')
      .description(
        `Manage the URL prefix lists (${PREFIX_LISTS.join(', ')}). Adding a prefix decides the pending requests it covers.`,
      )
      .argument('<action>', 'What to do: list, add or remove.')
      .argument('<list>', `Which list: ${PREFIX_LISTS.join(' or ')}.`)
      .argument('[prefix]', 'The URL prefix (add, remove).')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca save-request prefix add authorized https://github.com/\n' +
          '  $ arca save-request prefix list unauthorized',
      ),
  ).action(
    async (action: string, listText: string, prefix: string | undefined, flags: ArchiveFlags) => {
      const list = prefixList(listText)
      if (action !== 'list' && action !== 'add' && action !== 'remove')
        throw new InvalidInputError(`Unknown action "${action}": use list, add or remove`)
      if (action !== 'list' && !prefix)
        throw new InvalidInputError(`prefix ${action} needs a prefix`)
      await withSave(flags, async (scn) => {
        if (action === 'list') {
          for (const p of await scn.store.prefixes(list)) writeOut(`${p}\n`)
        } else if (action === 'add') {
          const decided = await scn.addPrefix(list, prefix!)
          writeOut(
            `added ${prefix!} to ${list}${decided.length > 0 ? `; decided requests ${decided.join(', ')}` : ''}\n`,
          )
        } else {
          if (!(await scn.removePrefix(list, prefix!)))
            throw new InvalidInputError(`"${prefix!}" is not in the ${list} list`)
          writeOut(`removed ${prefix!} from ${list}\n`)
        }
      })
    },
  )
}
