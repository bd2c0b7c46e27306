/**
 * `arca metadata index`: (re)builds the origin metadata index that
 * `/api/1/origin/metadata-search/` searches (docs/citation.md), for the given origins or every
 * visited one. Loads index their origin themselves; this is for the backlog and for repairs.
 *
 * @module
 */

import type { Command } from 'commander'

import { indexOriginMetadata, type IndexOutcome } from '../../metadata/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'

interface IndexFlags extends ArchiveFlags {
  origin?: string[]
  json?: boolean
}

/** Registers `metadata`. */
export function registerMetadata(program: Command): void {
  const cmd = program
    .command('metadata')
    .summary('Index the intrinsic metadata of archived origins.')
    .description(
      'Read the intrinsic metadata (CITATION.cff, codemeta.json, package.json, pyproject.toml) ' +
        "of origins' latest visits and record it for the metadata search of the Web API.",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca metadata index\n  $ arca metadata index --origin https://github.com/user/repo',
    )
  addArchiveOptions(
    cmd
      .command('index')
      .summary('Index the given origins, or every origin with a visit.')
      .description(
        "Read the root directory of each origin's latest visit with a snapshot (its HEAD, main " +
          'or master branch) and record its metadata, replacing what was recorded. Origins ' +
          'without a snapshot or without usable metadata are counted and left out. Loads index ' +
          'their origin themselves: this command fills the index for origins archived before, ' +
          'and can be run again at any time.',
      )
      .option(
        '--origin <url>',
        'Index this origin only (repeatable).',
        (v: string, p: string[] | undefined) => [...(p ?? []), v],
      )
      .option('--json', 'Print the counts as JSON.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca metadata index\n  $ arca metadata index --origin https://github.com/user/repo --json',
      ),
  ).action(async (flags: IndexFlags) => {
    const counts: Record<IndexOutcome, number> = {
      indexed: 0,
      'no-metadata': 0,
      'no-snapshot': 0,
    }
    await withArchive(flags, 'loader', async (archive) => {
      const target = { storage: archive.backend, objstorage: archive.objstorage }
      const one = async (url: string) => {
        counts[await indexOriginMetadata(target, url)]++
      }
      if (flags.origin) {
        for (const url of flags.origin) await one(url)
        return
      }
      let token: string | null = null
      do {
        const page = await archive.backend.originList({
          withVisit: true,
          limit: 1000,
          pageToken: token,
        })
        for (const o of page.results) await one(o.url)
        token = page.nextPageToken
      } while (token)
    })
    if (flags.json) writeOut(`${JSON.stringify(counts)}\n`)
    else
      writeOut(
        `indexed: ${counts.indexed}\nwithout metadata: ${counts['no-metadata']}\n` +
          `without a snapshot: ${counts['no-snapshot']}\n`,
      )
  })
}
