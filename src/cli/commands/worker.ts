/**
 * `arca worker`: runs the archive's harvesting tasks (loads of every visit type) until stopped,
 * and schedules the recurrent visits. Any number of workers, on any machines, may share one
 * archive (its PostgreSQL storage, or its SQLite file on one machine).
 *
 * @module
 */

import { type Command, InvalidArgumentError } from 'commander'

import { errorMessage } from '../../errors.js'
import { scrub, ScrubStore } from '../../integrity/index.js'
import { openScheduler } from '../../scheduler/index.js'
import { defaultStorageUrl, openArchive } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { startHarvestWorker, workerName } from '../harvest.js'
import { addNetOptions, type NetFlags, netPolicy, visitLimits } from '../net-options.js'
import { writeErr } from '../output.js'

interface WorkerFlags extends ArchiveFlags, NetFlags {
  restrictNetwork?: boolean
  concurrency: number
  lease: number
  grace: number
  schedule: boolean
  json?: boolean
  scrubRate?: number
}

/** A positive integer option. */
export function parseCount(v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${v}" is not a positive integer`)
  return n
}

function parseSeconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim()))
    throw new InvalidArgumentError(`"${v}" is not a number of seconds`)
  return Number(v)
}

/** Exit codes after a signal (128 + its number). */
const EXIT_OF_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

/** Registers `worker`. */
export function registerWorker(program: Command): void {
  addNetOptions(
    addArchiveOptions(
      program
        .command('worker')
        .summary('Run harvesting tasks (loads) from the task queue until stopped.')
        .description(
          'Claim load tasks from the archive task queue (save requests, first and recurrent visits) ' +
            'and run them, --concurrency at a time, keeping each lease alive; every 10 s one worker ' +
            'of those sharing the archive enqueues the recurrent visits that are due. Logs one JSON ' +
            'line per task claimed and ended (a readable line per task on a terminal). SIGTERM or ' +
            'SIGINT: claim nothing more, let running tasks finish within --grace seconds, then hand ' +
            'them back to the queue; a second signal exits at once.',
        )
        .option('--concurrency <n>', 'Tasks run at once.', parseCount, 1)
        .option(
          '--lease <seconds>',
          'Lease of a claimed task, renewed every third.',
          parseSeconds,
          60,
        )
        .option('--grace <seconds>', 'Time running tasks get to finish on stop.', parseSeconds, 30)
        .option('--no-schedule', 'Do not enqueue recurrent visits from this worker.')
        .option('--json', 'JSON log lines even on a terminal.')
        .addHelpText(
          'after',
          '\nExamples:\n  $ arca worker --data /srv/arca --concurrency 4\n' +
            '  $ arca worker --storage postgres://arca@db/arca --data /srv/shared/arca --concurrency 8',
        )
        .option(
          '--scrub-rate <objects-per-second>',
          'Also scrub the archive in the background at this rate (one scrubber per archive; see arca scrub).',
          parseCount,
        )
        .option(
          '--restrict-network',
          "Apply the network checks to every load, the operator's listed origins too (loads made on request always are).",
        ),
    ),
  ).action(async (flags: WorkerFlags) => {
    const loc = archiveLocation(flags)
    const archive = await openArchive({
      dataDir: loc.dataDir,
      storageUrl: loc.storageUrl,
      journalUrl: loc.journalUrl,
      contentStore: loc.contentStore,
      s3: loc.s3,
    })
    const scheduler = await openScheduler(loc.storageUrl ?? defaultStorageUrl(loc.dataDir)).catch(
      async (e: unknown) => {
        await archive.close()
        throw e
      },
    )
    const readable = !flags.json && process.stdout.isTTY === true
    const log = (line: string): void => {
      if (readable) writeErr(`arca worker: ${line}`)
      else process.stdout.write(line + '\n')
    }
    const worker = startHarvestWorker({
      archive,
      scheduler,
      concurrency: flags.concurrency,
      leaseMs: Math.max(1000, Math.round(flags.lease * 1000)),
      graceMs: Math.round(flags.grace * 1000),
      schedule: flags.schedule,
      log,
      readable,
      net: {
        network: netPolicy(flags),
        restrictAll: flags.restrictNetwork === true,
        limits: visitLimits(flags),
      },
    })
    // the background scrubber: waits for the archive's scrubber lease, then checks round after
    // round at its rate until the worker stops
    const scrubStop = new AbortController()
    const scrubbing =
      flags.scrubRate === undefined
        ? Promise.resolve()
        : (async () => {
            // on the scheduler's connection: its writes take turns with the queue's in one process
            const store = new ScrubStore(scheduler.db)
            await store.open()
            await scrub({
              storage: archive.backend,
              objstorage: archive.objstorage,
              store,
              holder: workerName(),
              rate: flags.scrubRate!,
              wait: true,
              signal: scrubStop.signal,
            })
          })().catch((e: unknown) => log(`scrubber stopped: ${errorMessage(e)}`))
    let caught: NodeJS.Signals | null = null
    const onSignal = (sig: NodeJS.Signals): void => {
      if (caught) process.exit(EXIT_OF_SIGNAL[sig] ?? 130)
      caught = sig
      scrubStop.abort()
      void worker.stop()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    if (readable)
      log(
        `working on ${loc.dataDir} (${flags.concurrency} at a time); Ctrl-C stops after running tasks`,
      )
    await worker.done
    scrubStop.abort()
    await scrubbing
    await scheduler.close()
    await archive.close()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  })
}
