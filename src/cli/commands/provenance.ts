/**
 * `arca provenance reindex`: fill or rebuild the provenance index (docs/provenance.md) from every
 * snapshot a visit status names, for archives made before the index existed or after a crash
 * (ingest keeps it up to date after).
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

/** Registers `provenance` and `provenance reindex`. */
export function registerProvenance(program: Command): void {
  const cmd = program
    .command('provenance')
    .summary('Maintain the provenance index (where contents and directories occur).')
    .description(
      'Commands of the provenance index: for every content and directory, its first ' +
        'occurrence (earliest revision, origin and path) and the reverse edges walked to list ' +
        'the revisions, releases and origins holding it, served by ' +
        '/api/1/provenance/whereis/<swhid>/ and the browse pages. Ingest and mirrors keep the ' +
        'index up to date; `provenance reindex` fills it for what was archived before.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca provenance reindex\n  $ arca provenance reindex --force',
    )
  addArchiveOptions(
    cmd
      .command('reindex')
      .summary('Index every snapshot named by a visit status.')
      .description(
        'Walk the history of every snapshot a visit status names, oldest status first, and ' +
          'index the trees of the revisions not indexed yet. Walks stop at revisions already ' +
          'recorded for the origin, so a second run costs little; it can be stopped at any ' +
          'time and run again. With --force the index is emptied first and built anew.',
      )
      .option('--force', 'Empty the index first and rebuild it from scratch.')
      .option('--json', 'Print the outcome as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca provenance reindex\n' +
          '  $ arca provenance reindex --force --json\n' +
          '  $ arca provenance reindex --storage postgres://arca@db/arca',
      ),
  ).action(async (flags: ReindexFlags) => {
    const progress = new ProgressReporter({
      op: 'provenance reindex',
      delayMs: 500,
      format: (f) =>
        `provenance reindex: ${Number(f['statuses']).toLocaleString('en')} visit statuses, ` +
        `${Number(f['revisions']).toLocaleString('en')} revisions indexed`,
    })
    const report = await withArchive(flags, null, (archive) =>
      archive.backend.provenanceReindex({
        force: flags.force === true,
        onProgress: (r) => progress.update({ statuses: r.statuses, revisions: r.revisions }),
      }),
    )
    progress.done()
    if (flags.json) writeOut(JSON.stringify(report) + '\n')
    else
      writeOut(
        `${report.statuses.toLocaleString('en')} visit statuses with a snapshot checked, ` +
          `${report.revisions.toLocaleString('en')} revisions and ` +
          `${report.directories.toLocaleString('en')} directories indexed\n`,
      )
  })
}
