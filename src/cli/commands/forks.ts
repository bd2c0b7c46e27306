/**
 * `arca forks reindex`: fill or refresh the fork index (docs/forks.md) of every origin with a
 * snapshot, for archives made before the index existed (ingest keeps it up to date after).
 *
 * @module
 */

import type { Command } from 'commander'

import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface ReindexFlags extends ArchiveFlags {
  force?: boolean
  json?: boolean
}

/** Registers `forks` and `forks reindex`. */
export function registerForks(program: Command): void {
  const cmd = program
    .command('forks')
    .summary('Maintain the fork index (origins sharing a root revision).')
    .description(
      'Commands of the fork index: the origins that share a root revision with an origin are ' +
        'its forks, shown by the Forks tab and /api/1/origin/<url>/forks/. Ingest keeps the ' +
        'index up to date; `forks reindex` fills it for what was archived before.',
    )
    .addHelpText('after', '\nExamples:\n  $ arca forks reindex\n  $ arca forks reindex --force')
  addArchiveOptions(
    cmd
      .command('reindex')
      .summary('Index the roots of every origin with a snapshot.')
      .description(
        'Compute the roots of the latest snapshot of every origin that has one and make them ' +
          "the origin's roots in the fork index (roots no longer reachable are dropped). Origins " +
          'already indexed at their latest snapshot are skipped unless --force is given. Walks ' +
          'stop at revisions whose roots are recorded, so a second run costs little. It can be ' +
          'stopped at any time and run again.',
      )
      .option('--force', 'Recompute origins already indexed at their latest snapshot too.')
      .option('--json', 'Print the outcome as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca forks reindex\n' +
          '  $ arca forks reindex --force --json\n' +
          '  $ arca forks reindex --storage postgres://arca@db/arca',
      ),
  ).action(async (flags: ReindexFlags) => {
    const progress = new ProgressReporter({
      op: 'forks reindex',
      delayMs: 500,
      format: (f) => `forks reindex: ${Number(f['checked']).toLocaleString('en')} origins checked`,
    })
    const report = await withArchive(flags, null, (archive) =>
      archive.backend.forksReindex({
        force: flags.force === true,
        onOrigin: (checked) => progress.update({ checked }),
      }),
    )
    progress.done()
    if (flags.json) writeOut(JSON.stringify(report) + '\n')
    else
      writeOut(
        `${report.checked.toLocaleString('en')} origins with a snapshot checked, ` +
          `${report.origins.toLocaleString('en')} indexed, ` +
          `${report.walked.toLocaleString('en')} revisions walked\n`,
      )
  })
}
