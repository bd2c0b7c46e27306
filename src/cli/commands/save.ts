/**
 * `arca save URL`: archive a git repository now.
 *
 * @module
 */

import { type Command, InvalidArgumentError } from 'commander'

import { IoError } from '../../errors.js'
import {
  DEFAULT_MAX_CONTENT_SIZE,
  DEFAULT_STALL_TIMEOUT_MS,
  LOADER_BUFFER_THRESHOLDS,
  loadGit,
  type LoadProgress,
} from '../../loader/index.js'
import { LOADER_LAYERS } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { formatBytes, ProgressReporter } from '../progress.js'

interface SaveFlags extends ArchiveFlags {
  forkOf: string[]
  maxContentSize?: number
  stallTimeout?: number
  json?: boolean
}

/** Exit codes after an interruption (128 + the signal's number, as shells report it). */
const EXIT_OF_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

function parseSeconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || Number(v) <= 0)
    throw new InvalidArgumentError(`"${v}" is not a number of seconds`)
  return Number(v)
}

function parseSize(v: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(v.trim())
  if (!m) throw new Error(`"${v}" is not a size (e.g. 100MiB)`)
  const unit = (m[2] ?? '').toLowerCase()[0]
  return (
    Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1)
  )
}

/** Registers `save`. */
export function registerSave(program: Command): void {
  addArchiveOptions(
    program
      .command('save')
      .summary('archive a git repository now')
      .description(
        'Visit the git repository at URL (https://, git://, ssh://, file:// or a local path): fetch\n' +
          'what the archive lacks, store every object, record a snapshot of every ref, and print\n' +
          'the visit status and snapshot SWHID. Exit 0 for a full visit, 1 for a partial one, 2\n' +
          'for not found or failed.',
      )
      .argument('<url>', 'repository URL or path')
      .option(
        '--fork-of <url>',
        'an archived origin this one is a fork of (repeatable)',
        (v: string, p: string[]) => [...p, v],
        [] as string[],
      )
      .option(
        '--max-content-size <size>',
        `store larger files as skipped contents (default ${DEFAULT_MAX_CONTENT_SIZE / 1024 / 1024}MiB)`,
        parseSize,
      )
      .option(
        '--stall-timeout <seconds>',
        `give up a remote that sends nothing for this long (default ${DEFAULT_STALL_TIMEOUT_MS / 1000})`,
        parseSeconds,
      )
      .option('--json', 'print the result as JSON'),
  ).action(async (url: string, flags: SaveFlags) => {
    const progress = new ProgressReporter({
      op: 'save',
      delayMs: 500,
      format: (f, s) => {
        const phase = String(f['phase'])
        const objects = Number(f['objects'])
        const total = f['total'] === undefined ? '' : `/${Number(f['total']).toLocaleString('en')}`
        const bytes = Number(f['bytes'])
        return `${phase}: ${objects.toLocaleString('en')}${total} objects, ${formatBytes(bytes)} (${formatBytes(bytes / Math.max(s, 0.001))}/s)`
      },
    })
    // SIGINT / SIGTERM abort the load: the visit ends failed, the scratch directory is removed,
    // and the exit code is 130 / 143. A second signal exits at once.
    const interrupt = new AbortController()
    let caught: NodeJS.Signals | null = null
    const onSignal = (sig: NodeJS.Signals): void => {
      if (caught) process.exit(EXIT_OF_SIGNAL[sig] ?? 130)
      caught = sig
      interrupt.abort(new IoError(`Interrupted by ${sig}`))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const result = await withArchive(
      flags,
      LOADER_LAYERS,
      (archive) =>
        loadGit(url, {
          signal: interrupt.signal,
          storage: archive.storage,
          scratchDir: archive.tmpDir,
          forkOf: flags.forkOf,
          ...(flags.maxContentSize === undefined ? {} : { maxContentSize: flags.maxContentSize }),
          ...(flags.stallTimeout === undefined
            ? {}
            : { stallTimeoutMs: Math.round(flags.stallTimeout * 1000) }),
          onProgress: (p: LoadProgress) => progress.update({ ...p }),
        }),
      { bufferThresholds: LOADER_BUFFER_THRESHOLDS },
    ).finally(() => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    })
    progress.done()
    if (flags.json) {
      writeOut(
        JSON.stringify({
          ...result,
          snapshot_swhid: result.snapshot ? `swh:1:snp:${result.snapshot}` : null,
        }) + '\n',
      )
    } else {
      const s = result.stats
      writeOut(`origin: ${result.origin}\nvisit: ${result.visit}\nstatus: ${result.status}\n`)
      if (result.snapshot)
        writeOut(`snapshot: swh:1:snp:${result.snapshot}${result.eventful ? '' : ' (unchanged)'}\n`)
      writeOut(
        `new objects: ${s.contents} contents (${formatBytes(s.contentBytes)}), ${s.skippedContents} skipped contents, ` +
          `${s.directories} directories, ${s.revisions} revisions, ${s.releases} releases; ` +
          `fetched ${s.fetchedObjects} objects (${formatBytes(s.fetchedBytes)})\n`,
      )
      if (result.submodules.length > 0)
        writeOut(`submodules recorded for a later visit: ${result.submodules.join(' ')}\n`)
      if (result.message) writeOut(`message: ${result.message}\n`)
    }
    process.exitCode = result.status === 'full' ? 0 : result.status === 'partial' ? 1 : 2
    if (caught) process.exitCode = EXIT_OF_SIGNAL[caught] ?? 130
  })
}
