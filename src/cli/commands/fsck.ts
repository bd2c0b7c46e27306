/**
 * `arca fsck`: check the whole archive (every object re-hashed, every reference resolved).
 *
 * @module
 */

import { join } from 'node:path'

import { type Command, InvalidArgumentError } from 'commander'

import { InvalidInputError, IoError } from '../../errors.js'
import {
  fsck,
  FSCK_KIND_PLURAL,
  type FsckKind,
  reportJson,
  reportText,
} from '../../integrity/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface FsckFlags extends ArchiveFlags {
  json?: boolean
  restart?: boolean
  resume?: boolean
  batch?: number
  throttle?: number
}

function parseCount(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > 100_000)
    throw new InvalidArgumentError(`"${v}" is not a number from 1 to 100000`)
  return Number(v)
}

function parseMs(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`"${v}" is not a number of ms`)
  return Number(v)
}

/** Registers `fsck`. */
export function registerFsck(program: Command): void {
  addArchiveOptions(
    program
      .command('fsck')
      .summary('Check the integrity of the whole archive.')
      .description(
        'Read every stored object back: contents are hashed again from the bytes in the content ' +
          'store, directories, revisions, releases and snapshots from their rows, and every ' +
          'reference (directory entries, root directories, parents, release targets, branch ' +
          'targets, visit snapshots) is looked up. Print each corrupt, missing and dangling ' +
          'object, then a summary. Safe on a live archive (writers are not blocked). An ' +
          'interrupted run continues where it stopped when run again (--restart starts over). ' +
          'Exit 0 when the archive is sound, 1 when something was found, 2 on bad input.',
      )
      .option('--json', 'Print the report as one JSON document.')
      .option('--restart', 'Discard an interrupted run and start from the beginning.')
      .option('--resume', 'Continue an interrupted run (the default when there is one).')
      .option('--batch <n>', 'Objects read per page (default 1000).', parseCount)
      .option('--throttle <ms>', 'Pause between pages, to spare a busy archive.', parseMs)
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca fsck\n' +
          '  $ arca fsck --data /srv/arca --json > fsck.json\n' +
          '  $ arca fsck --storage postgres://arca@db/arca --restart',
      ),
  ).action(async (flags: FsckFlags) => {
    if (flags.restart && flags.resume)
      throw new InvalidInputError('--restart and --resume cannot be used together')
    const loc = archiveLocation(flags)
    const storageUrl = loc.storageUrl ?? `sqlite:${join(loc.dataDir, 'graph.sqlite')}`
    const progress = new ProgressReporter({
      op: 'fsck',
      delayMs: 500,
      format: (f) =>
        `${FSCK_KIND_PLURAL[String(f['kind']) as FsckKind] ?? String(f['kind'])}: ${Number(f['checked']).toLocaleString('en')} checked, ${Number(f['total']).toLocaleString('en')} objects in all, ${Number(f['findings']).toLocaleString('en')} problems`,
    })
    const interrupt = new AbortController()
    const onSignal = (sig: NodeJS.Signals): void => {
      interrupt.abort(new IoError(`Interrupted by ${sig}; run again to continue`))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const report = await withArchive(flags, null, (archive) =>
      fsck({
        storage: archive.backend,
        objstorage: archive.objstorage,
        dataDir: loc.dataDir,
        storageUrl,
        restart: flags.restart === true,
        signal: interrupt.signal,
        ...(flags.batch === undefined ? {} : { batchSize: flags.batch }),
        ...(flags.throttle === undefined ? {} : { throttleMs: flags.throttle }),
        onProgress: (p) =>
          progress.update({
            kind: p.kind,
            checked: p.checked[p.kind],
            total: Object.values(p.checked).reduce((a, b) => a + b, 0),
            findings: p.findings,
          }),
      }),
    ).finally(() => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    })
    progress.done()
    writeOut(flags.json ? reportJson(report) : reportText(report))
    process.exitCode = report.clean ? 0 : 1
  })
}
