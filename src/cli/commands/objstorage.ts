/**
 * `arca objstorage stats|compact|migrate`: the content store's figures, compaction of packs
 * (reclaiming the bytes of deleted and replaced contents), and moving an archive's contents
 * from the file store into packs.
 *
 * @module
 */

import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { type Command, InvalidArgumentError } from 'commander'

import { InvalidInputError } from '../../errors.js'
import {
  FsObjStorage,
  migrateToPacks,
  PackObjStorage,
  type S3ObjStorage,
} from '../../objstorage/index.js'
import { CONTENT_STORE_DIRS, contentStoreKind, openContentStore } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { writeErr, writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface StatsFlags extends ArchiveFlags {
  json?: boolean
}

interface CompactFlags extends ArchiveFlags {
  json?: boolean
  minDead?: number
}

interface MigrateFlags extends ArchiveFlags {
  json?: boolean
  batch?: number
  removeFiles?: boolean
}

const n = (x: number): string => x.toLocaleString('en')
const mib = (x: number): string => `${(x / (1 << 20)).toFixed(1)} MiB`

function parseRatio(v: string): number {
  const x = Number(v)
  if (!/^\d*\.?\d+$/.test(v.trim()) || x < 0 || x > 1)
    throw new InvalidArgumentError(`"${v}" is not a fraction from 0 to 1`)
  return x
}

function parseCount(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > 100_000)
    throw new InvalidArgumentError(`"${v}" is not a number from 1 to 100000`)
  return Number(v)
}

/** The pack store of the archive in `dataDir`, opened; an error when there is none. */
async function openPacks(dataDir: string): Promise<PackObjStorage> {
  if (contentStoreKind(dataDir) === 's3')
    throw new InvalidInputError(
      `The archive in ${dataDir} keeps its contents in an S3 bucket: removals rewrite its packs at once, so there is nothing to compact, and nothing to migrate`,
    )
  const root = join(dataDir, CONTENT_STORE_DIRS.pack)
  if (!existsSync(join(root, 'index.sqlite')))
    throw new InvalidInputError(
      `The archive in ${dataDir} has no pack store (its contents are in the file store; see arca objstorage migrate)`,
    )
  const packs = new PackObjStorage({ root })
  await packs.open()
  return packs
}

/** `stats` of an S3 store: its bucket's packs, contents and tombstones. */
async function s3Stats(dataDir: string, flags: StatsFlags): Promise<void> {
  const store = openContentStore(dataDir, { kind: 's3' }) as S3ObjStorage
  await store.open()
  try {
    const st = await store.stats()
    if (flags.json) {
      writeOut(JSON.stringify({ store: 's3', ...st }) + '\n')
      return
    }
    writeOut(
      [
        `content store: s3 (${st.bucket})`,
        `packs: ${n(st.packs)}`,
        `contents: ${n(st.entries)}`,
        `raw bytes: ${n(st.rawBytes)} (${mib(st.rawBytes)})`,
        `pack object bytes: ${n(st.packBytes)} (${mib(st.packBytes)})`,
        `removed (tombstones): ${n(st.gone)}`,
      ].join('\n') + '\n',
    )
  } finally {
    await store.close()
  }
}

/** Registers `objstorage` and its subcommands. */
export function registerObjstorage(program: Command): void {
  const cmd = program
    .command('objstorage')
    .summary('Content store: figures, compaction of packs, migration from files to packs.')
    .description(
      'The content store holds the bytes of every content: either the file store (one file ' +
        'per content under <data>/objects/) or the pack store (contents appended, compressed, ' +
        'to pack files under <data>/packs/ with a shared index). A new archive takes ' +
        '--objstorage (env ARCA_OBJSTORAGE); an existing one keeps its store until migrated.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ arca objstorage stats\n' +
        '  $ arca objstorage migrate --data /srv/arca\n' +
        '  $ arca objstorage compact --min-dead 0.2',
    )

  addArchiveOptions(
    cmd
      .command('stats')
      .description(
        'Print the pack store: packs, contents, bytes raw and stored (compressed), dead bytes ' +
          '(deleted or replaced contents, abandoned tails), which compaction reclaims.',
      )
      .option('--json', 'Print the figures as one JSON document.')
      .addHelpText('after', '\nExample:\n  $ arca objstorage stats --json'),
  ).action(async (flags: StatsFlags) => {
    const loc = archiveLocation(flags)
    const kind = contentStoreKind(loc.dataDir)
    if (kind === 's3') {
      await s3Stats(loc.dataDir, flags)
      return
    }
    const packs = await openPacks(loc.dataDir)
    try {
      const st = packs.stats()
      if (flags.json) {
        writeOut(JSON.stringify({ store: kind, state: packs.state, ...st }) + '\n')
        return
      }
      writeOut(
        [
          `content store: ${kind}${kind === 'pack' ? '' : ` (pack store ${packs.state})`}`,
          `packs: ${n(st.packs)}`,
          `contents: ${n(st.entries)}`,
          `raw bytes: ${n(st.rawBytes)} (${mib(st.rawBytes)})`,
          `stored bytes: ${n(st.storedBytes)} (${mib(st.storedBytes)}${st.rawBytes > 0 ? `, ${((100 * st.storedBytes) / st.rawBytes).toFixed(1)}% of raw` : ''})`,
          `pack file bytes: ${n(st.fileBytes)}`,
          `dead bytes: ${n(st.deadBytes)} (${mib(st.deadBytes)})`,
          ...(st.orphanFiles > 0 ? [`orphan pack files: ${n(st.orphanFiles)}`] : []),
        ].join('\n') + '\n',
      )
    } finally {
      await packs.close()
    }
  })

  addArchiveOptions(
    cmd
      .command('compact')
      .description(
        'Rewrite the packs that hold dead bytes into new packs holding only live contents, ' +
          'then remove the old packs: the bytes of deleted (taken down) and replaced contents ' +
          'are gone from disk afterwards. Crash-safe (a killed run loses nothing; run it ' +
          'again) and safe beside running writers (packs being written are left alone).',
      )
      .option(
        '--min-dead <fraction>',
        'Rewrite a pack only when at least this fraction of it is dead (default 0: any).',
        parseRatio,
      )
      .option('--json', 'Print the report as one JSON document.')
      .addHelpText('after', '\nExample:\n  $ arca objstorage compact --min-dead 0.25'),
  ).action(async (flags: CompactFlags) => {
    const loc = archiveLocation(flags)
    const packs = await openPacks(loc.dataDir)
    const progress = new ProgressReporter({
      op: 'objstorage compact',
      delayMs: 500,
      format: (f) => `${f['done']}/${f['total']} packs`,
    })
    try {
      const report = await packs.compact({
        ...(flags.minDead === undefined ? {} : { minDeadRatio: flags.minDead }),
        onProgress: (done, total) => progress.update({ done, total }),
      })
      progress.done()
      writeOut(
        flags.json
          ? JSON.stringify(report) + '\n'
          : `compacted ${n(report.packsRemoved)} packs into ${n(report.packsRewritten)}: ${n(report.entriesMoved)} contents moved, ${n(report.bytesReclaimed)} bytes reclaimed${report.orphansRemoved > 0 ? `, ${n(report.orphansRemoved)} leftover packs removed` : ''}\n`,
      )
    } finally {
      await packs.close()
    }
  })

  addArchiveOptions(
    cmd
      .command('migrate')
      .description(
        'Move the archive from the file store to packs: every content is read back verified ' +
          'and appended to packs in batches. Resumable (an interrupted run continues where it ' +
          'stopped). When every content is in packs the archive switches to them; the file ' +
          'store is kept unless --remove-files. Run it with no writer on the archive (a ' +
          'content written to the file store meanwhile is copied by running it again). A ' +
          'corrupt content stops the switch (exit 1): repair it (arca repair) and run again.',
      )
      .option('--batch <n>', 'Contents per batch (default 1000).', parseCount)
      .option('--remove-files', 'Remove the file store once the archive has switched to packs.')
      .option('--json', 'Print the report as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca objstorage migrate\n  $ arca objstorage migrate --data /srv/arca --remove-files',
      ),
  ).action(async (flags: MigrateFlags) => {
    const loc = archiveLocation(flags)
    const filesRoot = join(loc.dataDir, CONTENT_STORE_DIRS.files)
    if (!existsSync(filesRoot))
      throw new InvalidInputError(`The archive in ${loc.dataDir} has no file store to migrate`)
    const files = new FsObjStorage({ root: filesRoot })
    await files.open()
    const packs = new PackObjStorage({ root: join(loc.dataDir, CONTENT_STORE_DIRS.pack) })
    await packs.open({ state: 'migrating' })
    const progress = new ProgressReporter({
      op: 'objstorage migrate',
      delayMs: 500,
      format: (f, s) =>
        `${n(Number(f['seen']))} contents seen, ${n(Number(f['copied']))} copied (${mib(Number(f['bytes']))}, ${n(Math.round(Number(f['copied']) / Math.max(s, 0.001)))}/s), ${n(Number(f['present']))} already in packs${Number(f['corrupt']) > 0 ? `, ${n(Number(f['corrupt']))} corrupt` : ''}`,
    })
    const interrupt = new AbortController()
    const onSignal = (): void => interrupt.abort(new Error('Interrupted; run again to continue'))
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const report = await migrateToPacks(files, packs, {
        signal: interrupt.signal,
        ...(flags.batch === undefined ? {} : { batchSize: flags.batch }),
        onProgress: (p) => progress.update({ ...p }),
      })
      progress.done()
      await packs.close()
      await files.close()
      if (report.complete && flags.removeFiles) rmSync(filesRoot, { recursive: true, force: true })
      if (flags.json) writeOut(JSON.stringify(report) + '\n')
      else {
        writeOut(
          `${n(report.copied)} contents copied into packs (${mib(report.bytes)}), ${n(report.present)} already there, ${n(report.corrupt)} corrupt\n`,
        )
        if (report.complete)
          writeOut(
            `the archive now uses packs${flags.removeFiles ? '; the file store is removed' : `; the file store (${filesRoot}) may be removed`}\n`,
          )
      }
      if (!report.complete) {
        for (const id of report.corruptIds) writeErr(`corrupt: swh:1:cnt:${id}`)
        writeErr(
          'arca objstorage migrate: corrupt contents were not copied; repair them and run again',
        )
        process.exitCode = 1
      }
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await packs.close()
      await files.close()
    }
  })
}
