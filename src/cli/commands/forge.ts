/**
 * `arca forge request|accept|reject|list`: Add Forge Now from the command line, on the
 * archive's database (the same requests as `/api/1/add-forge/request/…`). `accept` enqueues
 * the first listing as a high-priority `list-forge` task for the workers; with `--now` it runs
 * it in this process.
 *
 * @module
 */

import type { Command } from 'commander'

import { InvalidInputError } from '../../errors.js'
import {
  AddForgeNow,
  forgeMetadataStorage,
  type ForgeRequest,
  LIST_FORGE_TASK,
  LISTER_TYPES,
  ListerHttp,
  listForgeHandler,
  makeLister,
} from '../../lister/index.js'
import { checkUrl } from '../../net/index.js'
import { SqlTaskQueue, TaskFailure } from '../../scheduler/index.js'
import type { Archive } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { workerName } from '../harvest.js'
import { addNetOptions, type NetFlags, netPolicy } from '../net-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'

type RequestFlags = ArchiveFlags &
  NetFlags & {
    type: string
    contactEmail?: string
    contactName?: string
    comment?: string
    submitter?: string
    submitterEmail?: string
  }
type AcceptFlags = ArchiveFlags & NetFlags & { text?: string; now?: boolean; moderator?: string }
type RejectFlags = ArchiveFlags & { reason: string; moderator?: string }
type ListFlags = ArchiveFlags & { json?: boolean }

const CLI_ACTOR = 'cli'

async function withForge<T>(
  flags: ArchiveFlags & Partial<NetFlags>,
  fn: (afn: AddForgeNow, queue: SqlTaskQueue, archive: Archive) => Promise<T>,
): Promise<T> {
  return withArchive(flags, null, async (archive) => {
    const queue = new SqlTaskQueue(archive.backend.db, { ownsDatabase: false })
    await queue.open()
    const policy = netPolicy(flags)
    const afn = new AddForgeNow({
      db: archive.backend.db,
      queue,
      listerTypes: LISTER_TYPES,
      checkUrl: (url) => checkUrl(url, policy, { allowUnresolved: true }),
    })
    await afn.open()
    return fn(afn, queue, archive)
  })
}

function requestId(text: string): number {
  const id = Number(text)
  if (!Number.isSafeInteger(id) || id < 1)
    throw new InvalidInputError(`"${text}" is not an add-forge request id`)
  return id
}

/**
 * A request as a line: id, date, type, URL, status; with `who`, then the submitter and their
 * email (the operator of the database is a moderator: `arca forge list` shows them).
 */
function print(r: ForgeRequest, json: boolean | undefined, who = false): void {
  if (json)
    writeOut(
      JSON.stringify({
        id: r.id,
        status: r.status,
        forge_type: r.forgeType,
        forge_url: r.forgeUrl,
        submission_date: new Date(r.submissionDate).toISOString(),
        submitter_name: r.submitterName,
        submitter_email: r.submitterEmail,
        forge_contact_name: r.forgeContactName,
        forge_contact_email: r.forgeContactEmail,
        last_moderator: r.lastModerator,
        lister_task_id: r.taskId,
      }) + '\n',
    )
  else
    writeOut(
      `${r.id}\t${new Date(r.submissionDate).toISOString()}\t${r.forgeType}\t${r.forgeUrl}\t${r.status}` +
        (who ? `\t${r.submitterName}\t${r.submitterEmail}` : '') +
        '\n',
    )
}

/** Runs the `list-forge` task `taskId` in this process (claiming it from the queue). */
async function runNow(
  queue: SqlTaskQueue,
  archive: Archive,
  taskId: number,
  flags: NetFlags,
): Promise<string> {
  const name = workerName()
  const claimed = await queue.claim(name, {
    kinds: [LIST_FORGE_TASK],
    limit: 1000,
    leaseMs: 3_600_000,
  })
  const mine = claimed.find((t) => t.id === taskId)
  for (const t of claimed) if (t !== mine) await queue.release(t.lease)
  if (!mine) return `task ${taskId} is not ready here: left to the workers`
  const handler = listForgeHandler({
    db: archive.backend.db,
    storage: forgeMetadataStorage(archive),
    makeLister,
    http: () => new ListerHttp({ policy: netPolicy(flags) }),
  })
  try {
    const result = (await handler(mine, {
      signal: new AbortController().signal,
      progress: () => undefined,
    })) as { pages: number; origins: number; added: number }
    await queue.complete(mine.lease, result)
    return `listed ${result.origins} origin(s) in ${result.pages} page(s), ${result.added} new`
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    await queue.fail(mine.lease, message, { retry: !(e instanceof TaskFailure) || e.retry })
    throw e
  }
}

/** Registers `forge`. */
export function registerForge(program: Command): void {
  const cmd = program
    .command('forge')
    .summary('Add Forge Now: request, moderate and list requests to archive a whole forge.')
    .description(
      'Add Forge Now: request that a whole forge be listed and archived, and moderate the ' +
        'requests. Accepting a request registers its lister and enqueues a first full listing ' +
        'at high priority; the listed origins are then due for their first visits ' +
        '(docs/add-forge-now.md).',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca forge request https://gitlab.example.org --type gitlab\n' +
        '  $ arca forge list\n  $ arca forge accept 1\n' +
        '  $ arca forge reject 2 --reason "Not a software forge."',
    )

  addNetOptions(
    addArchiveOptions(
      cmd
        .command('request')
        .summary('Request that a forge be listed and archived.')
        .description(
          'Record a request to list a whole forge: its URL is checked as Save Code Now checks ' +
            'origin URLs, its type must be a lister type, and a forge already requested is ' +
            'refused. The request waits, pending, for a moderator.',
        )
        .argument('<url>', 'The base URL of the forge.')
        .requiredOption('--type <type>', `The forge type (${LISTER_TYPES.join(', ')}).`)
        .option('--contact-email <email>', 'The email address of an administrator of the forge.')
        .option('--contact-name <name>', 'The name of that administrator.')
        .option('--comment <text>', 'Where the contact information was found.')
        .option('--submitter <name>', 'Who asks (default "cli").')
        .option(
          '--submitter-email <email>',
          'How moderators reach the submitter (shown to moderators only, never published).',
        )
        .addHelpText(
          'after',
          '\nExamples:\n  $ arca forge request https://gitlab.example.org --type gitlab\n' +
            '  $ arca forge request https://hg.example.org --type hgweb --submitter ana --submitter-email ana@example.org\n' +
            '  $ arca forge request https://git.example.org --type gitlab --contact-email admin@example.org --contact-name "A. Admin"',
        ),
    ),
  ).action(async (url: string, flags: RequestFlags) => {
    await withForge(flags, async (afn) => {
      const r = await afn.create({
        forgeType: flags.type,
        forgeUrl: url,
        forgeContactEmail: flags.contactEmail ?? '',
        forgeContactName: flags.contactName ?? '',
        forgeContactComment: flags.comment ?? '',
        submitterName: flags.submitter ?? CLI_ACTOR,
        submitterEmail: flags.submitterEmail ?? '',
      })
      print(r, false)
    })
  })

  addNetOptions(
    addArchiveOptions(
      cmd
        .command('accept')
        .summary('Accept a request: register its lister and enqueue the first listing.')
        .description(
          'Accept an add-forge request: the lister instance is registered and its first full ' +
            'listing enqueued as a high-priority task for the workers (or run here with --now); ' +
            'the request becomes SCHEDULED, then FIRST_LISTING_DONE once listed.',
        )
        .argument('<id>', 'The request id.')
        .option('--text <text>', 'A comment kept in the request history.')
        .option('--moderator <name>', 'Who decides (default "cli").')
        .option('--now', 'Run the first listing in this process instead of leaving it to workers.')
        .addHelpText(
          'after',
          '\nExamples:\n  $ arca forge accept 1\n  $ arca forge accept 1 --now --allow-network 10.0.0.0/8',
        ),
    ),
  ).action(async (id: string, flags: AcceptFlags) => {
    await withForge(flags, async (afn, queue, archive) => {
      const r = await afn.accept(requestId(id), flags.moderator ?? CLI_ACTOR, flags.text ?? '')
      print(r.request, false)
      if (flags.now && r.request.taskId !== null) {
        writeOut(`${await runNow(queue, archive, r.request.taskId, flags)}\n`)
        print((await afn.get(r.request.id)).request, false)
      }
    })
  })

  addArchiveOptions(
    cmd
      .command('reject')
      .summary('Reject a request with a reason.')
      .description('Reject an add-forge request; the reason is kept in its history.')
      .argument('<id>', 'The request id.')
      .requiredOption('--reason <text>', 'Why the request is rejected.')
      .option('--moderator <name>', 'Who decides (default "cli").')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca forge reject 2 --reason "Not a software forge."',
      ),
  ).action(async (id: string, flags: RejectFlags) => {
    await withForge(flags, async (afn) => {
      const r = await afn.reject(requestId(id), flags.moderator ?? CLI_ACTOR, flags.reason)
      print(r.request, false)
    })
  })

  addArchiveOptions(
    cmd
      .command('list')
      .summary('Show the add-forge requests, newest first.')
      .description(
        'Show the add-forge requests, newest first: id, submission date, forge type, URL, ' +
          'status, submitter and submitter email (the moderator view: this command reads the ' +
          "archive's database directly).",
      )
      .option('--json', 'Print one JSON object per line.')
      .addHelpText('after', '\nExamples:\n  $ arca forge list\n  $ arca forge list --json'),
  ).action(async (flags: ListFlags) => {
    await withForge(flags, async (afn) => {
      for (let offset = 0; ; offset += 500) {
        const { requests } = await afn.store.list({ offset, limit: 500 })
        for (const r of requests) print(r, flags.json, true)
        if (requests.length < 500) break
      }
    })
  })
}
