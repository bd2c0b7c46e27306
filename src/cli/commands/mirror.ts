/**
 * `arca mirror` (follow an upstream archive), `arca mirror status`, `arca mirror verify`, and
 * `arca takedown` (mask objects, through the journal, on this node and its mirrors).
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

import type { Command } from 'commander'

import { InvalidInputError, UnavailableError } from '../../errors.js'
import { encodeRecord, type TakedownRecord } from '../../journal/index.js'
import {
  MirrorState,
  Replayer,
  resumeDelayMs,
  SELECTIVE_TOPICS,
  walkArchive,
} from '../../mirror/index.js'
import { formatSwhid, originId, parseExtendedSwhid } from '../../model/index.js'
import { KINDS_IN_REFERENCE_ORDER } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeErr, writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'
import { openUpstream, type UpstreamFlags } from '../upstream.js'

function statePath(dataDir: string): string {
  return join(dataDir, 'mirror', 'state.sqlite')
}

/** Waits `ms`, or less once `signal` aborts (the loop then ends). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined)

/** Registers `mirror` and `takedown`. */
export function registerMirror(program: Command): void {
  const mirror = addArchiveOptions(
    program
      .command('mirror')
      .summary('Follow an upstream archive, verifying everything.')
      .description(
        'Replay an upstream archive into this one: every record is re-verified (ids, content hashes), bad ones are rejected and reported, objects whose references have not arrived are held back. Follows the upstream until interrupted, or once with --once.',
      )
      .option(
        '--upstream <url>',
        'Upstream node (http(s)://HOST) or its journal (nats://HOST:PORT[/PREFIX]).',
      )
      .option(
        '--feed <url>',
        'With a nats:// upstream: the node serving content bytes (env ARCA_MIRROR_FEED).',
      )
      .option(
        '--token <token>',
        'A token of the upstream with the mirror scope (env ARCA_MIRROR_TOKEN).',
      )
      .option(
        '--select <pattern>',
        'Selective mirror: keep only origins whose URL matches this glob (repeatable; * and ?).',
        (v: string, p: string[] | undefined) => [...(p ?? []), v],
      )
      .option('--once', 'Replay up to the upstream’s current end, then exit.')
      .option('--interval <seconds>', 'Pause between polls when caught up, in seconds', '5')
      .option('--batch <n>', 'Records per batch, 1 to 50000', '2000')
      .option('--json', 'Print the summary as JSON.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca mirror --upstream https://archive.example.org --token "$TOKEN" --once\n' +
          '  $ arca mirror --upstream nats://10.0.0.5:4222 --feed https://archive.example.org --select "https://github.com/*"',
      ),
  )
  // `arca mirror status --data X`: options after a subcommand belong to the subcommand.
  mirror.enablePositionalOptions()
  mirror.action(
    async (
      flags: ArchiveFlags &
        UpstreamFlags & {
          once?: boolean
          interval: string
          batch: string
          json?: boolean
          select?: string[]
        },
    ) => {
      const select = flags.select ?? []
      if (!flags.upstream) throw new InvalidInputError('arca mirror needs --upstream URL')
      const interval = Number(flags.interval)
      const batch = Number(flags.batch)
      if (!(interval >= 0)) throw new InvalidInputError(`Invalid --interval "${flags.interval}"`)
      if (!Number.isInteger(batch) || batch < 1 || batch > 50_000)
        throw new InvalidInputError(`Invalid --batch "${flags.batch}": 1 to 50000`)
      const abort = new AbortController()
      const upstream = await openUpstream(flags.upstream, flags, abort.signal)
      const stop = (): void => abort.abort()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      try {
        await withArchive(flags, 'mirror', async (archive) => {
          const state = new MirrorState(statePath(archive.dataDir))
          try {
            state.bindUpstream(upstream.description)
            const previous = state.select()
            if (
              JSON.stringify(previous) !== JSON.stringify(select) &&
              state.topics().some((t) => t.committed > 0)
            )
              throw new InvalidInputError(
                `This mirror was started with ${previous.length > 0 ? `--select ${previous.join(' --select ')}` : 'no --select'}; use the same selection, or another --data directory`,
              )
            state.setSelect(select)
            const progress = new ProgressReporter({
              op: 'mirror',
              format: (f) => `mirror ${f['topic']} ${f['offset']}/${f['end']}`,
            })
            const replayer = new Replayer({
              masks: archive.backend,
              removals: archive.backend,
              // The mirror's layers (WRITER_STACKS.mirror); it journals records itself.
              storage: archive.storage,
              journal: archive.journal,
              objstorage: archive.objstorage,
              upstream,
              state,
              batchSize: batch,
              select,
              signal: abort.signal,
              onBatch: (topic, offset, end) => progress.update({ topic, offset, end }),
            })
            const total = { records: 0, written: 0, rejected: 0, held: 0, released: 0 }
            const started = Date.now()
            let failures = 0
            for (;;) {
              let s
              try {
                s = await replayer.catchUp()
              } catch (e) {
                if (abort.signal.aborted) break
                // A lost connection or a busy upstream: resume from the committed offsets.
                // With --once, give up after 20 failures in a row.
                failures++
                if (!(e instanceof UnavailableError) || (flags.once && failures > 20)) throw e
                writeErr(`arca: mirror: ${(e as Error).message}; resuming`)
                await sleep(resumeDelayMs(failures), abort.signal)
                continue
              }
              failures = 0
              for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += s[k]
              if (flags.once || abort.signal.aborted) break
              if (s.records === 0) await sleep(interval * 1000, abort.signal)
              if (abort.signal.aborted) break
            }
            progress.done()
            const seconds = (Date.now() - started) / 1000
            if (flags.json) writeOut(JSON.stringify({ ...total, seconds }) + '\n')
            else
              writeErr(
                `arca: mirror: ${total.records} records, ${total.written} written, ${total.released} released, ${total.held} held back, ${total.rejected} rejected (${seconds.toFixed(1)}s)`,
              )
            if (total.rejected > 0) process.exitCode = 1
          } finally {
            state.close()
          }
        })
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        await upstream.close()
      }
    },
  )

  addArchiveOptions(
    mirror
      .command('status')
      .summary('Show lag per topic, objects replayed, records rejected and held back.')
      .description(
        'Show the state of this mirror: lag per journal topic against the upstream, objects replayed, and the records rejected or held back.',
      )
      .option(
        '--upstream <url>',
        'Upstream to measure the lag against (default: the one mirrored).',
      )
      .option('--feed <url>', 'With a nats:// upstream: the node serving content bytes.')
      .option('--token <token>', 'Upstream token with the mirror scope (env ARCA_MIRROR_TOKEN).')
      .option('--rejects <n>', 'List at most this many rejected records', '20')
      .option('--json', 'Print JSON.')
      .addHelpText('after', '\nExample:\n  $ arca mirror status --data /srv/mirror --json'),
  ).action(async (flags: ArchiveFlags & UpstreamFlags & { rejects: string; json?: boolean }) => {
    await withArchive(flags, null, async (archive) => {
      const state = new MirrorState(statePath(archive.dataDir))
      try {
        const url = flags.upstream ?? state.upstream()?.split(' ')[0]
        let ends: Record<string, number> | null = null
        let upstreamError: string | null = null
        if (url) {
          try {
            const up = await openUpstream(url, flags)
            try {
              ends = await up.endOffsets()
            } finally {
              await up.close()
            }
          } catch (e) {
            upstreamError = (e as Error).message
          }
        }
        // A selective mirror reads only the origin topics; it fetches the graph top-down.
        const selective = state.select().length > 0
        const topics = state.topics().map((t) => {
          const followed = !selective || SELECTIVE_TOPICS.includes(t.topic)
          return {
            ...t,
            followed,
            end: ends ? ends[t.topic] : null,
            lag: ends && followed ? Math.max(0, ends[t.topic]! - t.committed) : null,
          }
        })
        const rejects = state.rejects(Number(flags.rejects))
        if (flags.json) {
          writeOut(
            JSON.stringify({ upstream: state.upstream(), upstreamError, topics, rejects }) + '\n',
          )
          return
        }
        writeOut(`upstream: ${state.upstream() ?? '(none yet)'}\n`)
        if (selective)
          writeOut(
            `selective: ${state.select().join(' ')} (graph topics are not read: objects are fetched from the snapshots down)\n`,
          )
        if (upstreamError) writeOut(`upstream unreachable: ${upstreamError}\n`)
        writeOut('topic\tcommitted\tupstream end\tlag\treplayed\trejected\theld\n')
        for (const t of topics)
          writeOut(
            `${t.topic}\t${t.committed}\t${t.end ?? '?'}\t${t.followed ? (t.lag ?? '?') : '-'}\t${t.replayed}\t${t.rejected}\t${t.held}\n`,
          )
        for (const r of rejects)
          writeOut(`rejected ${r.topic}@${r.offset} (${r.date.toISOString()}): ${r.reason}\n`)
      } finally {
        state.close()
      }
    })
  })

  addArchiveOptions(
    mirror
      .command('verify')
      .summary('Check this mirror against the upstream, object by object.')
      .description(
        'Compare counters with the upstream, and walk every snapshot proving each reachable object present and correctly hashed. Exit 1 if anything is missing or wrong.',
      )
      .option('--upstream <url>', 'Upstream to compare counters with (default: the one mirrored).')
      .option('--feed <url>', 'With a nats:// upstream: the node serving content bytes.')
      .option('--token <token>', 'Upstream token with the mirror scope (env ARCA_MIRROR_TOKEN).')
      .option('--no-rehash', 'Check presence only, without recomputing ids and hashes.')
      .option('--json', 'Print JSON.')
      .addHelpText('after', '\nExample:\n  $ arca mirror verify --data /srv/mirror --no-rehash'),
  ).action(async (flags: ArchiveFlags & UpstreamFlags & { rehash: boolean; json?: boolean }) => {
    await withArchive(flags, null, async (archive) => {
      const state = new MirrorState(statePath(archive.dataDir))
      const url = flags.upstream ?? state.upstream()?.split(' ')[0]
      const selective = state.select().length > 0
      state.close()
      const local = await archive.storage.statCounters()
      let counters: { kind: string; local: number; upstream: number | null }[] = []
      let countersOk = true
      // A selective mirror holds a part of the upstream: only the walk applies.
      if (url && !selective) {
        const up = await openUpstream(url, flags)
        try {
          const remote = await up.counters()
          counters = KINDS_IN_REFERENCE_ORDER.map((k) => ({
            kind: k,
            local: local[k],
            upstream: remote[k] ?? null,
          }))
          countersOk = counters.every((c) => c.local === c.upstream)
        } finally {
          await up.close()
        }
      }
      const progress = new ProgressReporter({
        op: 'verify',
        format: (f) => `verify ${f['objects']} objects`,
      })
      const report = await walkArchive(archive.storage, archive.objstorage, {
        rehash: flags.rehash,
        onProgress: (objects) => progress.update({ objects }),
      })
      progress.done()
      const ok = countersOk && report.problems.length === 0
      if (flags.json) {
        writeOut(JSON.stringify({ ok, counters, walk: report }) + '\n')
      } else {
        for (const c of counters)
          writeOut(
            `${c.kind}\tlocal ${c.local}\tupstream ${c.upstream ?? '?'}${c.local === c.upstream ? '' : '\tDIFFERENT'}\n`,
          )
        const o = report.objects
        writeOut(
          `walked ${o.ori} origins, ${o.snp} snapshots, ${o.rel} releases, ${o.rev} revisions, ${o.dir} directories, ${o.cnt} contents${flags.rehash ? ', all rehashed' : ''}\n`,
        )
        for (const p of report.problems) writeOut(`${p.problem}\t${p.swhid}\t${p.detail}\n`)
        writeOut(ok ? 'OK: verified copy\n' : 'NOT OK\n')
      }
      process.exitCode = ok ? 0 : 1
    })
  })

  addArchiveOptions(
    program
      .command('takedown')
      .summary('Mask objects or origins here and on every mirror.')
      .description(
        'Mask objects (SWHIDs, including swh:1:ori:…) or origins (URLs): the API answers 403 with a "masked" field. The request is recorded with its reason and date, and goes through the journal to every mirror. --restore lifts it.',
      )
      .argument('<targets...>', 'SWHIDs or origin URLs.')
      .requiredOption('--reason <text>', 'Why the targets are masked (kept with the request).')
      .option('--restore', 'Lift the mask of these targets.')
      .option('--state <state>', 'Mask state: restricted or pending_decision', 'restricted')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca takedown --reason "DMCA notice 2026-17" https://example.org/leaked.git\n' +
          '  $ arca takedown --restore --reason "notice withdrawn" https://example.org/leaked.git',
      ),
  ).action(
    async (
      targets: string[],
      flags: ArchiveFlags & { reason: string; restore?: boolean; state: string },
    ) => {
      if (flags.state !== 'restricted' && flags.state !== 'pending_decision')
        throw new InvalidInputError(
          `Invalid --state "${flags.state}": restricted or pending_decision`,
        )
      if (flags.reason.trim() === '') throw new InvalidInputError('--reason must not be empty')
      const swhids = targets.map((t) => {
        if (t.startsWith('swh:')) return formatSwhid(parseExtendedSwhid(t.split(';')[0]!))
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return `swh:1:ori:${originId(t)}`
        throw new InvalidInputError(`"${t}" is neither a SWHID nor an origin URL`)
      })
      await withArchive(flags, null, async (archive) => {
        const record: TakedownRecord = {
          id: randomUUID(),
          swhids,
          action: flags.restore ? 'unmask' : 'mask',
          reason: flags.reason,
          date: new Date(),
        }
        // Journal first, as for every object: mirrors see every takedown this node applies.
        await archive.journal.append('takedown', [encodeRecord('takedown', record)])
        await archive.backend.maskSet(
          record.id,
          record.reason,
          swhids,
          flags.restore ? null : (flags.state as 'restricted' | 'pending_decision'),
          record.date,
        )
        for (const s of swhids) writeOut(`${flags.restore ? 'restored' : 'masked'}\t${s}\n`)
        writeErr(`arca: takedown ${record.id} recorded (${record.reason})`)
      })
    },
  )
}
