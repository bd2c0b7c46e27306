/**
 * `arca graph reindex`: fill the reverse-edge index of the graph API (docs/graph-api.md) for
 * archives made before it existed (ingest keeps it up to date after).
 *
 * @module
 */

import type { Command } from 'commander'

import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface ReindexFlags extends ArchiveFlags {
  json?: boolean
}

/** Registers `graph` and `graph reindex`. */
export function registerGraph(program: Command): void {
  const cmd = program
    .command('graph')
    .summary('Maintain the index of the graph API (backward traversals).')
    .description(
      'Commands of the graph API (/api/1/graph/): backward traversals find the directories ' +
        'holding an entry and the children of a revision through a reverse index. Ingest ' +
        'keeps it up to date; `graph reindex` fills it for what was archived before.',
    )
    .addHelpText('after', '\nExamples:\n  $ arca graph reindex\n  $ arca graph reindex --json')
  addArchiveOptions(
    cmd
      .command('reindex')
      .summary('Index the entries of every directory and the parents of every revision.')
      .description(
        'Read every stored directory and revision, in pages, and record their reverse edges. ' +
          'Until it has finished once, backward traversals through directory entries and ' +
          'revision parents answer 503. It can be stopped at any time: the next run resumes ' +
          'where it stopped, and a run on a complete index does nothing.',
      )
      .option('--json', 'Print the outcome as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca graph reindex\n' +
          '  $ arca graph reindex --json\n' +
          '  $ arca graph reindex --storage postgres://arca@db/arca',
      ),
  ).action(async (flags: ReindexFlags) => {
    const progress = new ProgressReporter({
      op: 'graph reindex',
      delayMs: 500,
      format: (f) =>
        `graph reindex: ${Number(f['directories']).toLocaleString('en')} directories, ` +
        `${Number(f['revisions']).toLocaleString('en')} revisions`,
    })
    const report = await withArchive(flags, null, (archive) =>
      archive.backend.graphReindex({
        onPage: (r) => progress.update({ directories: r.directories, revisions: r.revisions }),
      }),
    )
    progress.done()
    if (flags.json) writeOut(JSON.stringify(report) + '\n')
    else
      writeOut(
        `${report.directories.toLocaleString('en')} directories and ` +
          `${report.revisions.toLocaleString('en')} revisions indexed\n`,
      )
  })
}
