/**
 * `arca repair --from DIR`: heal what fsck finds from a peer archive (a mirror, or a mirror's
 * upstream), verified object by object.
 *
 * @module
 */

import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import type { Command } from 'commander'

import { InvalidInputError, IoError } from '../../errors.js'
import {
  fsck,
  type FsckFinding,
  repair,
  type RepairPeer,
  type RepairReport,
} from '../../integrity/index.js'
import { redactUserinfo } from '../../loader/index.js'
import { type Archive, openArchive } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'

interface RepairFlags extends ArchiveFlags {
  from?: string[]
  fromStorage?: string
  findings?: string
  json?: boolean
}

/** The findings of an `arca fsck --json` report file. */
function readFindings(path: string): FsckFinding[] {
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new InvalidInputError(
      `--findings ${path}: not an fsck JSON report (${(e as Error).message})`,
    )
  }
  const findings = (doc as { findings?: unknown }).findings
  if (!Array.isArray(findings))
    throw new InvalidInputError(
      `--findings ${path}: no "findings" list (made by arca fsck --json?)`,
    )
  return findings as FsckFinding[]
}

function reportText(r: RepairReport): string {
  const lines = r.outcomes.map((o) =>
    o.repaired
      ? `repaired ${o.finding.problem} ${o.finding.problem === 'dangling' ? o.finding.target : o.finding.swhid} from ${o.from}`
      : `NOT repaired ${o.finding.problem} ${o.finding.swhid}: ${o.reason}`,
  )
  lines.push(
    r.outcomes.length === 0
      ? 'nothing to repair'
      : `${r.repaired} of ${r.outcomes.length} problem${r.outcomes.length === 1 ? '' : 's'} repaired` +
          `${r.added > 0 ? ` (${r.added} object${r.added === 1 ? '' : 's'} brought over)` : ''}` +
          `${r.unrepaired > 0 ? `; ${r.unrepaired} left` : ''}`,
  )
  return lines.join('\n') + '\n'
}

/** Registers `repair`. */
export function registerRepair(program: Command): void {
  addArchiveOptions(
    program
      .command('repair')
      .summary('Repair corrupt and missing objects from a peer archive (a mirror).')
      .description(
        'Run fsck (or read its JSON report with --findings), then fetch every corrupt or missing ' +
          'object, and everything a dangling reference names, from the peer archives given by ' +
          '--from, verify each one (its id recomputed; content bytes against every recorded ' +
          'hash), and write it back bottom-up: rows rewritten in one transaction each, bytes by ' +
          'an atomic rename. Each repaired object is checked again. Peers are only read. Exit 0 ' +
          'when everything was repaired (or nothing needed it), 1 when something is left, 2 on ' +
          'bad input.',
      )
      .requiredOption(
        '--from <dir>',
        "A peer archive's data directory (repeatable; tried in order).",
        (v: string, p: string[] | undefined) => [...(p ?? []), v],
      )
      .option(
        '--from-storage <url>',
        "The peer's graph storage when it is not the SQLite file of its data directory (one --from only).",
      )
      .option('--findings <file>', 'Repair what this `arca fsck --json` report lists.')
      .option('--json', 'Print the outcome as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca repair --from /srv/arca-mirror\n' +
          '  $ arca fsck --json > fsck.json; arca repair --findings fsck.json --from /mnt/mirror-a --from /mnt/mirror-b\n' +
          '  $ arca repair --storage postgres://arca@db/arca --from /srv/mirror --from-storage postgres://arca@db2/mirror',
      ),
  ).action(async (flags: RepairFlags) => {
    const from = flags.from ?? []
    if (flags.fromStorage && from.length !== 1)
      throw new InvalidInputError('--from-storage goes with exactly one --from')
    const loc = archiveLocation(flags)
    const findings = flags.findings ? readFindings(flags.findings) : null
    const interrupt = new AbortController()
    const onSignal = (sig: NodeJS.Signals): void => {
      interrupt.abort(new IoError(`Interrupted by ${sig}; run fsck and repair again to finish`))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const peers: Archive[] = []
    try {
      for (const dir of from) {
        const dataDir = resolve(dir)
        if (dataDir === loc.dataDir) throw new InvalidInputError(`--from ${dir} is this archive`)
        peers.push(
          await openArchive({
            dataDir,
            storageUrl: flags.fromStorage ?? `sqlite:${join(dataDir, 'graph.sqlite')}`,
          }),
        )
      }
      const report = await withArchive(flags, null, async (archive) => {
        const found =
          findings ??
          (
            await fsck({
              storage: archive.backend,
              objstorage: archive.objstorage,
              dataDir: loc.dataDir,
              storageUrl: loc.storageUrl ?? `sqlite:${join(loc.dataDir, 'graph.sqlite')}`,
              restart: true,
              signal: interrupt.signal,
            })
          ).findings
        const progress = new ProgressReporter({
          op: 'repair',
          delayMs: 500,
          format: (f) => `repair: ${Number(f['done'])}/${Number(f['total'])} problems`,
        })
        const r = await repair({
          storage: archive.backend,
          objstorage: archive.objstorage,
          peers: peers.map((p, i): RepairPeer => ({
            name:
              from.length === 1 && flags.fromStorage
                ? redactUserinfo(flags.fromStorage)
                : resolve(from[i]!),
            storage: p.storage,
            objstorage: p.objstorage,
          })),
          findings: found,
          signal: interrupt.signal,
          onProgress: (p) => progress.update({ done: p.done, total: p.total }),
        })
        progress.done()
        return r
      })
      writeOut(flags.json ? JSON.stringify(report) + '\n' : reportText(report))
      process.exitCode = report.unrepaired === 0 ? 0 : 1
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      for (const p of peers) await p.close()
    }
  })
}
