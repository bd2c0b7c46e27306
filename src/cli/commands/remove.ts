/**
 * `arca remove`: delete an origin or an object subgraph for real, with an audit record, an
 * encrypted recovery bundle and a removal record on the journal for mirrors; `arca remove
 * restore`: undo one from its bundle; `arca remove list`: the audit trail.
 *
 * @module
 */

import { existsSync, readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'

import { type Command, InvalidArgumentError } from 'commander'

import { InvalidInputError } from '../../errors.js'
import { remove, type RemoveProgress, restoreBundle } from '../../integrity/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeErr, writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface RemoveFlags extends ArchiveFlags {
  reason?: string
  dryRun?: boolean
  recipient?: string[]
  recipientsFile?: string
  bundle?: boolean
  actor?: string
  json?: boolean
  batch?: number
}

interface RestoreFlags extends ArchiveFlags {
  identity?: string
}

const KIND_NAMES: Readonly<Record<string, string>> = {
  ori: 'origins',
  snp: 'snapshots',
  rel: 'releases',
  rev: 'revisions',
  dir: 'directories',
  cnt: 'contents',
}

/** Lines of an age recipients or identities file: blank lines and `#` comments left out. */
function keyLines(path: string): string[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new InvalidInputError(`Cannot read ${path}: ${(e as Error).message}`)
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

function recipientsOf(flags: RemoveFlags, dataDir: string): string[] {
  const out = [...(flags.recipient ?? [])]
  const file =
    flags.recipientsFile ??
    process.env['ARCA_REMOVAL_RECIPIENTS'] ??
    (existsSync(join(dataDir, 'removal-recipients.txt'))
      ? join(dataDir, 'removal-recipients.txt')
      : undefined)
  if (file !== undefined) out.push(...keyLines(file))
  return out
}

function describe(p: RemoveProgress): string {
  switch (p.step) {
    case 'plan':
      return p.phase === 'walk'
        ? `planning: ${p.done.toLocaleString('en')} objects reachable`
        : `planning: reverse references, ${p.phase} ${p.done.toLocaleString('en')}`
    case 'bundle':
      return 'writing the encrypted recovery bundle'
    case 'delete':
      return `deleting: ${p.done.toLocaleString('en')} of ${p.total.toLocaleString('en')} objects`
    case 'journal':
      return `publishing on the journal: record ${p.done} of ${p.total}`
  }
}

function parseBatch(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > 100_000)
    throw new InvalidArgumentError(`"${v}" is not a number from 1 to 100000`)
  return Number(v)
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

/** Registers `remove`, `remove restore` and `remove list`. */
export function registerRemove(program: Command): void {
  const cmd = program
    .command('remove')
    .summary('Delete an origin or an object subgraph for real, with an audit trail.')
    .description(
      'Delete objects from the archive for real (legal removals, personal data), unlike a ' +
        'takedown, which only masks them: `remove run` (the default command) deletes, `remove ' +
        'restore` undoes a removal from its recovery bundle, `remove list` shows the audit trail.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ arca remove https://example.org/leak.git --reason "court order 2026-41" --dry-run\n' +
        '  $ arca remove restore arca-data/removals/rm-20261202T1400-1a2b3c4d.age --identity key.txt\n' +
        '  $ arca remove list',
    )
  addArchiveOptions(
    cmd
      .command('run', { isDefault: true })
      .summary('Delete origins or objects and everything only they reference.')
      .argument('<targets...>', 'Origin URLs or SWHIDs to remove.')
      .description(
        'Delete each origin given (its visits, statuses and snapshots) or object given by ' +
          'SWHID, with everything reachable from it that no retained object references ' +
          '(checked through reverse references: what another origin shares stays). The plan is ' +
          'recorded first, then every removed object is written to a recovery bundle encrypted ' +
          'with age for the recipients given, then the objects are deleted top-down (graph ' +
          'rows, content bytes, search and fork indexes, ExtIDs) and the removal is published ' +
          'on the journal, so that mirrors delete the same objects. A removal killed at any ' +
          'point finishes when the same command is run again. A SWHID that a retained object ' +
          'references cannot be removed alone (exit 2). Exit 0 when done.',
      )
      .requiredOption('--reason <text>', 'Why the objects are removed (kept in the audit record).')
      .option(
        '--dry-run',
        'Print what would be removed (counts by kind and SWHIDs), delete nothing.',
      )
      .option(
        '--recipient <age1...>',
        'An age recipient the recovery bundle is encrypted for (repeatable).',
        collect,
      )
      .option(
        '--recipients-file <file>',
        'A file of age recipients, one a line (env ARCA_REMOVAL_RECIPIENTS, default removal-recipients.txt in the data directory when it exists).',
      )
      .option('--no-bundle', 'Write no recovery bundle: the removal cannot be undone.')
      .option('--actor <name>', 'Who removes, for the audit record (default the user name).')
      .option('--json', 'Print the outcome as one JSON document.')
      .option('--batch <n>', 'Objects deleted per transaction (default 500).', parseBatch)
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca remove https://example.org/leak.git --reason "court order 2026-41" --dry-run\n' +
          '  $ arca remove https://example.org/leak.git --reason "court order 2026-41" --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n' +
          '  $ arca remove swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d --reason "personal data" --recipients-file /etc/arca/recipients.txt',
      ),
  ).action(async (targets: string[], flags: RemoveFlags) => {
    const loc = archiveLocation(flags)
    const progress = new ProgressReporter({
      op: 'remove',
      delayMs: 300,
      format: (f) => String(f['text']),
    })
    const outcome = await withArchive(flags, null, (archive) =>
      remove({
        backend: archive.backend,
        objstorage: archive.objstorage,
        journal: archive.journal,
        roots: targets,
        reason: flags.reason ?? '',
        actor: flags.actor ?? userInfo().username,
        dryRun: flags.dryRun === true,
        recipients: recipientsOf(flags, loc.dataDir),
        noBundle: flags.bundle === false,
        bundleDir: join(loc.dataDir, 'removals'),
        onProgress: (p) => progress.update({ text: describe(p) }),
        ...(flags.batch === undefined ? {} : { batchSize: flags.batch }),
      }),
    )
    progress.done()
    const { plan, removal } = outcome
    if (flags.json) {
      writeOut(
        JSON.stringify(
          {
            dry_run: removal === null,
            removal,
            counts: plan.counts,
            kept: plan.kept,
            swhids: plan.swhids,
          },
          null,
          2,
        ) + '\n',
      )
      return
    }
    const lines: string[] = []
    const verb = removal === null ? 'would remove' : 'removed'
    const summary = Object.keys(KIND_NAMES)
      .filter((k) => plan.counts[k])
      .map((k) => `${plan.counts[k]} ${KIND_NAMES[k]}`)
    lines.push(`${verb}: ${summary.join(', ') || 'nothing'}`)
    if (removal === null) {
      lines.push(`kept (referenced by retained objects): ${plan.kept}`)
      lines.push(...plan.swhids)
    } else {
      lines.push(`removal ${removal.id}${outcome.resumed ? ' (resumed)' : ''}: ${removal.reason}`)
      lines.push(`recovery bundle: ${removal.bundle ?? 'none'}`)
    }
    writeOut(lines.join('\n') + '\n')
  })
  addArchiveOptions(
    cmd
      .command('restore')
      .summary('Write the objects of a recovery bundle back.')
      .argument('<bundle>', 'The recovery bundle of a removal (a .age file).')
      .description(
        'Decrypt a recovery bundle with an age identity and write every object it holds back ' +
          'into the archive, bottom-up, each one verified again (contents against their hashes, ' +
          'other objects against their identifier), through the journal so that mirrors get ' +
          'them back too. The removal is marked restored in the audit trail. Exit 0 when every ' +
          'object is back, 1 when one does not verify.',
      )
      .requiredOption('--identity <file>', 'A file of age identities (AGE-SECRET-KEY-1...).')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca remove restore arca-data/removals/rm-20261202T1400-1a2b3c4d.age --identity key.txt',
      ),
  ).action(async (bundle: string, flags: RestoreFlags) => {
    const identities = keyLines(flags.identity!)
    const out = await withArchive(flags, 'import', (archive) =>
      restoreBundle({
        storage: archive.storage,
        backend: archive.backend,
        journal: archive.journal,
        path: bundle,
        identities,
      }),
    )
    const total = Object.values(out.counts).reduce((a, b) => a + b, 0)
    writeErr(`arca: removal ${out.header.removal.id} restored`)
    writeOut(
      `restored ${total} objects (${Object.entries(out.counts)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})\n`,
    )
  })
  addArchiveOptions(
    cmd
      .command('list')
      .summary('The audit trail of removals.')
      .description(
        'Print every removal recorded in this archive, oldest first: its id, date, actor, ' +
          'state, reason, what was asked for and how many objects of each kind went, as text or ' +
          'JSON. Removals received from an upstream (mirrors) are listed with their actor ' +
          '`journal`.',
      )
      .option('--json', 'Print the removals as one JSON document.')
      .addHelpText('after', '\nExamples:\n  $ arca remove list\n  $ arca remove list --json'),
  ).action(async (flags: ArchiveFlags & { json?: boolean }) => {
    const list = await withArchive(flags, null, (archive) => archive.backend.removalList())
    if (flags.json) {
      writeOut(JSON.stringify(list, null, 2) + '\n')
      return
    }
    writeOut(
      list
        .map(
          (r) =>
            `${r.id}  ${r.date.toISOString()}  ${r.actor}  ${r.state}  ${r.reason}\n  ${r.roots.join(' ')}  ${JSON.stringify(r.counts)}`,
        )
        .join('\n') + (list.length > 0 ? '\n' : ''),
    )
  })
}
