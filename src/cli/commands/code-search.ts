/**
 * `arca code-search reindex`: fill or refresh the code search index (docs/code-search.md) of
 * every origin with a snapshot, for archives made before the index existed or saved with
 * `ARCA_CODE_INDEX=off` (ingest keeps it up to date otherwise).
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

/** Registers `code-search` and `code-search reindex`. */
export function registerCodeSearch(program: Command): void {
  const cmd = program
    .command('code-search')
    .summary('Maintain the code search index (trigrams of archived files).')
    .description(
      'Commands of the code search index: the files of the latest snapshot of every origin, ' +
        'searched by /browse/code/search/ and /api/1/code/search/. Ingest keeps the index up ' +
        'to date; `code-search reindex` fills it for what was archived before.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca code-search reindex\n  $ arca code-search reindex --force',
    )
  addArchiveOptions(
    cmd
      .command('reindex')
      .summary('Index the files of the latest snapshot of every origin.')
      .description(
        "Index the files of the head of every origin's latest snapshot (texts of at most " +
          '1 MiB, without NUL bytes, valid UTF-8), drop the files no longer there and the ' +
          'texts no file names any more. Origins already indexed at their latest snapshot are ' +
          'skipped unless --force is given. It can be stopped at any time and run again.',
      )
      .option('--force', 'Index origins already indexed at their latest snapshot again.')
      .option('--json', 'Print the outcome as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca code-search reindex\n' +
          '  $ arca code-search reindex --force --json\n' +
          '  $ arca code-search reindex --storage postgres://arca@db/arca',
      ),
  ).action(async (flags: ReindexFlags) => {
    const progress = new ProgressReporter({
      op: 'code-search reindex',
      delayMs: 500,
      format: (f) =>
        `code-search reindex: ${Number(f['checked']).toLocaleString('en')} origins checked, ` +
        `${Number(f['indexed']).toLocaleString('en')} texts indexed`,
    })
    const report = await withArchive(flags, null, (archive) =>
      archive.backend.codeSearchReindex({
        force: flags.force === true,
        onOrigin: (checked, stats) => progress.update({ checked, indexed: stats.indexed }),
      }),
    )
    progress.done()
    if (flags.json) writeOut(JSON.stringify(report) + '\n')
    else
      writeOut(
        `${report.checked.toLocaleString('en')} origins with a snapshot checked, ` +
          `${report.origins.toLocaleString('en')} indexed (${report.files.toLocaleString('en')} files), ` +
          `${report.indexed.toLocaleString('en')} texts added (${report.bytes.toLocaleString('en')} bytes), ` +
          `${report.skipped.toLocaleString('en')} not searchable, ${report.dropped.toLocaleString('en')} dropped\n`,
      )
  })
}
