/**
 * `arca repair --from DIR|URL|nats://…`: heal what fsck finds from a peer (a mirror's data
 * directory, a node's mirror feed, or a journal), verified object by object.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import type { Command } from 'commander'

import { InvalidInputError, IoError } from '../../errors.js'
import {
  archivePeer,
  fsck,
  type FsckFinding,
  repair,
  type RepairPeer,
  type RepairReport,
} from '../../integrity/index.js'
import { NatsJournal, natsJournalInitFromUrl } from '../../journal/index.js'
import { redactUserinfo } from '../../loader/index.js'
import { feedRepairPeer, HttpUpstream, journalRepairPeer } from '../../mirror/index.js'
import { openArchive } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { ProgressReporter } from '../progress.js'
import { openUpstream } from '../upstream.js'

interface RepairFlags extends ArchiveFlags {
  from?: string[]
  fromStorage?: string
  token?: string
  feed?: string
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

/** A URL with a scheme (`http:`, `nats:`, …), as opposed to a directory. */
const isUrl = (spec: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(spec)

/**
 * The peer `--from spec` names: a data directory (its storage: the SQLite file there, or
 * --from-storage), a node's mirror feed (http(s)://, read with --token), or a journal
 * (nats://HOST:PORT[/PREFIX], its bytes from --feed when given).
 */
async function openPeer(
  spec: string,
  flags: RepairFlags,
  dataDir: string,
): Promise<RepairPeer & { close(): Promise<void> }> {
  const name = redactUserinfo(spec)
  if (spec.startsWith('nats://')) {
    const journal = new NatsJournal(natsJournalInitFromUrl(spec))
    await journal.open()
    const feedUrl = flags.feed ?? process.env['ARCA_MIRROR_FEED']
    const token = flags.token ?? process.env['ARCA_MIRROR_TOKEN']
    return journalRepairPeer({
      journal,
      name,
      indexPath: join(
        dataDir,
        'repair',
        `journal-${createHash('sha1').update(name).digest('hex').slice(0, 16)}.sqlite`,
      ),
      ...(feedUrl && { feed: new HttpUpstream({ url: feedUrl, token }) }),
    })
  }
  if (/^https?:\/\//i.test(spec)) return feedRepairPeer(await openUpstream(spec, flags), name)
  if (isUrl(spec))
    throw new InvalidInputError(
      `--from ${name}: a directory, an http(s):// node or a nats:// journal`,
    )
  const peerDir = resolve(spec)
  if (peerDir === dataDir) throw new InvalidInputError(`--from ${spec} is this archive`)
  const archive = await openArchive({
    dataDir: peerDir,
    storageUrl: flags.fromStorage ?? `sqlite:${join(peerDir, 'graph.sqlite')}`,
  })
  const shown = flags.fromStorage ? redactUserinfo(flags.fromStorage) : peerDir
  return {
    ...archivePeer(shown, archive.storage, archive.objstorage),
    close: () => archive.close(),
  }
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
      .summary('Repair corrupt and missing objects from a peer (a mirror, a node, a journal).')
      .description(
        'Run fsck (or read its JSON report with --findings), then fetch every corrupt or missing ' +
          'object, and everything a dangling reference names, from the peer archives given by ' +
          "--from (a data directory, a node's mirror feed, or a NATS journal), verify each one (its id recomputed; content bytes against every recorded " +
          'hash), and write it back bottom-up: rows rewritten in one transaction each, bytes by ' +
          'an atomic rename. Each repaired object is checked again. Peers are only read. Exit 0 ' +
          'when everything was repaired (or nothing needed it), 1 when something is left, 2 on ' +
          'bad input.',
      )
      .requiredOption(
        '--from <dir|url>',
        "A peer: an archive's data directory, a node's URL (its mirror feed, read with a " +
          '`mirror` token), or its journal nats://HOST:PORT[/PREFIX] (repeatable; tried in order).',
        (v: string, p: string[] | undefined) => [...(p ?? []), v],
      )
      .option(
        '--from-storage <url>',
        "The peer's graph storage when it is not the SQLite file of its data directory (one --from only).",
      )
      .option('--token <token>', 'A `mirror` token of the http(s) peers (env ARCA_MIRROR_TOKEN).')
      .option(
        '--feed <url>',
        'With a nats:// peer: the node serving content bytes (env ARCA_MIRROR_FEED); the ' +
          'journal carries none.',
      )
      .option('--findings <file>', 'Repair what this `arca fsck --json` report lists.')
      .option('--json', 'Print the outcome as one JSON document.')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  $ arca repair --from /srv/arca-mirror\n' +
          '  $ arca fsck --json > fsck.json; arca repair --findings fsck.json --from /mnt/mirror-a --from /mnt/mirror-b\n' +
          '  $ arca repair --storage postgres://arca@db/arca --from /srv/mirror --from-storage postgres://arca@db2/mirror\n' +
          '  $ arca repair --from https://mirror.example.org --token "$MIRROR_TOKEN"\n' +
          '  $ arca repair --data /srv/mirror --from https://archive.example.org --token "$T"   # a mirror heals from its upstream\n' +
          '  $ arca repair --from nats://10.0.0.5:4222 --feed https://archive.example.org --token "$T"',
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
    const peers: (RepairPeer & { close(): Promise<void> })[] = []
    try {
      for (const spec of from) peers.push(await openPeer(spec, flags, loc.dataDir))
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
          peers,
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
