/**
 * `arca scrub`: check the archive continuously at a bounded rate (see
 * `src/integrity/scrub.ts`); `arca scrub status`: where the scrubber is and what it found.
 *
 * @module
 */

import { hostname } from 'node:os'

import { type Command, InvalidArgumentError } from 'commander'

import { IoError } from '../../errors.js'
import {
  DEFAULT_SCRUB_RATE,
  FSCK_KIND_PLURAL,
  scrub,
  scrubStatus,
  ScrubStore,
} from '../../integrity/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface ScrubFlags extends ArchiveFlags {
  rate?: number
  batch?: number
  once?: boolean
  wait?: boolean
}

function parsePositive(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1)
    throw new InvalidArgumentError(`"${v}" is not a whole number of at least 1`)
  return Number(v)
}

/** A holder `host:pid` of this host whose process is gone (killed scrubbers leave a lease). */
function holderGone(holder: string): boolean {
  const m = /^(.*):(\d+)$/.exec(holder)
  if (!m || m[1] !== hostname()) return false
  try {
    process.kill(Number(m[2]), 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** Registers `scrub` and `scrub status`. */
export function registerScrub(program: Command): void {
  const cmd = program
    .command('scrub')
    .summary('Check the archive continuously, at a bounded rate; `scrub status` shows findings.')
    .description(
      'Scrub the archive in the background (the default command, `scrub run`), or show where ' +
        'the scrubber is and what it found (`scrub status`).',
    )
    .addHelpText('after', '\nExamples:\n  $ arca scrub --rate 200\n  $ arca scrub status --json')
  addArchiveOptions(
    cmd
      .command('run', { isDefault: true })
      .summary('Scrub until stopped (or for one round with --once).')
      .description(
        'Walk the archive page by page, as fsck does (every object hashed again, content bytes ' +
          'read back, every reference resolved), at most --rate objects per second, round after ' +
          'round. The position and findings are stored in the archive database after every ' +
          'page: a stopped or killed scrubber continues where it was. A finding keeps the date ' +
          'it was first seen and is marked fixed when a whole round no longer finds it. One ' +
          'scrubber runs per archive at a time. SIGINT/SIGTERM stop it after the current page.',
      )
      .option(
        '--rate <objects-per-second>',
        `At most this many objects checked per second (default ${DEFAULT_SCRUB_RATE}).`,
        parsePositive,
      )
      .option('--batch <n>', 'Objects per page (default 500).', parsePositive)
      .option('--once', 'Stop at the end of the current round.')
      .option('--wait', 'If another scrubber is running, wait for it instead of exiting.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca scrub --rate 200\n  $ arca scrub --once\n  $ arca scrub status',
      ),
  ).action(async (flags: ScrubFlags) => {
    const stop = new AbortController()
    const onSignal = (sig: NodeJS.Signals): void => stop.abort(new IoError(`Interrupted by ${sig}`))
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const progress = new ProgressReporter({
      op: 'scrub',
      delayMs: 500,
      format: (f) =>
        `scrub round ${Number(f['round']) + 1}: ${String(f['kind'])}, ${Number(f['checked']).toLocaleString('en')} objects checked this round, ${Number(f['findings'])} findings`,
    })
    try {
      const run = await withArchive(flags, null, async (archive) => {
        const store = new ScrubStore(archive.backend.db)
        await store.open()
        let findings = 0
        return scrub({
          storage: archive.backend,
          objstorage: archive.objstorage,
          store,
          holder: `${hostname()}:${process.pid}`,
          holderGone,
          signal: stop.signal,
          once: flags.once === true,
          wait: flags.wait === true,
          ...(flags.rate === undefined ? {} : { rate: flags.rate }),
          ...(flags.batch === undefined ? {} : { batchSize: flags.batch }),
          onPage: (p) => {
            findings += p.findings
            progress.update({
              round: p.position.round,
              kind: FSCK_KIND_PLURAL[p.position.kind],
              checked: p.position.checked,
              findings,
            })
          },
        })
      })
      progress.done()
      writeOut(
        `scrubbed ${run.checked.toLocaleString('en')} objects in ${run.pages} pages` +
          `${run.rounds > 0 ? `, ${run.rounds} round${run.rounds === 1 ? '' : 's'} completed` : ''}` +
          `; ${run.findings} findings seen, ${run.fixed} marked fixed\n`,
      )
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  })
  addArchiveOptions(
    cmd
      .command('status')
      .summary("The scrubber's position and open findings.")
      .description(
        'Print whether a scrubber is running, its position (round, kind, key reached) and the ' +
          'open findings (corrupt, missing, dangling) with the dates each was first and last seen.',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca scrub status\n  $ arca scrub status --all --json',
      )
      .option('--all', 'Also list findings already fixed.')
      .option('--limit <n>', 'List at most this many findings (default 100).', parsePositive)
      .option('--json', 'Print one JSON document.'),
  ).action(async (flags: ArchiveFlags & { all?: boolean; limit?: number; json?: boolean }) => {
    await withArchive(flags, null, async (archive) => {
      const store = new ScrubStore(archive.backend.db)
      await store.open()
      const [position, counts, findings, holder] = await Promise.all([
        store.position(),
        store.counts(),
        store.findings({ all: flags.all === true, limit: flags.limit ?? 100 }),
        store.leaseHolder(Date.now()),
      ])
      if (flags.json) {
        writeOut(
          JSON.stringify(
            await scrubStatus(store, { all: flags.all === true, limit: flags.limit ?? 100 }),
          ) + '\n',
        )
        return
      }
      const lines: string[] = []
      lines.push(holder ? `running: ${holder}` : 'running: no')
      lines.push(
        position
          ? `position: round ${position.round + 1}, ${FSCK_KIND_PLURAL[position.kind]} after ${position.after ?? 'the beginning'}, ${position.checked.toLocaleString('en')} objects checked this round (updated ${iso(position.updatedAt)})`
          : 'position: never run',
      )
      const o = counts.open
      lines.push(
        `open findings: ${o.corrupt} corrupt, ${o.missing} missing, ${o.dangling} dangling; ${counts.fixed} fixed`,
      )
      for (const f of findings)
        lines.push(
          `${f.fixedAt === null ? '' : 'fixed '}${f.problem} ${f.swhid}: ${f.detail} (first seen ${iso(f.firstSeen)}, last seen ${iso(f.lastSeen)}${f.fixedAt === null ? '' : `, fixed ${iso(f.fixedAt)}`})`,
        )
      writeOut(lines.join('\n') + '\n')
    })
  })
}
