/**
 * `arca save [--type T] URL`: archive a repository (git, or any visit type the loader
 * registry knows) now; without `--type`, the type is found by probing.
 *
 * @module
 */

import { type Command, InvalidArgumentError } from 'commander'

import { IoError } from '../../errors.js'
import {
  DEFAULT_MAX_CONTENT_SIZE,
  DEFAULT_STALL_TIMEOUT_MS,
  LOADER_BUFFER_THRESHOLDS,
  loadOrigin,
  type LoadProgress,
  probeVisitType,
  visitTypes,
} from '../../loader/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { indexMetadata } from '../metadata-index.js'
import { addNetOptions, type NetFlags, netPolicy, visitLimits } from '../net-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'
import { formatBytes, type ProgressFields, ProgressReporter } from '../progress.js'
import { parseSeconds, parseSize } from '../units.js'

interface SaveFlags extends ArchiveFlags, NetFlags {
  restrictNetwork?: boolean
  type?: string
  forkOf?: string[]
  maxContentSize?: number
  stallTimeout?: number
  json?: boolean
  progress?: boolean
  checksum?: Record<string, string>
}

/** `--checksum ALGO:HEX` (repeatable) into declared checksums. */
function parseChecksum(v: string, p: Record<string, string> | undefined): Record<string, string> {
  const m = /^(sha1|sha256|sha512|md5):([0-9a-fA-F]+)$/.exec(v)
  if (!m) throw new InvalidArgumentError(`"${v}" is not ALGO:HEX (sha1, sha256, sha512 or md5)`)
  return { ...p, [m[1]!]: m[2]!.toLowerCase() }
}

/** Exit codes after an interruption (128 + the signal's number, as shells report it). */
const EXIT_OF_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

/**
 * One line of progress: a phase's own objects (of its total when known), its bytes where it
 * has some (fetch, contents), and its rate since the phase began; `done` sums up what the load
 * stored.
 */
export function formatProgress(f: ProgressFields): string {
  const phase = String(f['phase'])
  const objects = Number(f['objects'])
  const bytes = Number(f['bytes'])
  const seconds = Math.max(Number(f['elapsedMs']) / 1000, 0.001)
  const count = (n: number): string => n.toLocaleString('en')
  const total = f['total'] === undefined ? '' : `/${count(Number(f['total']))}`
  if (phase === 'done')
    return `done: ${count(objects)} objects stored${bytes > 0 ? `, ${formatBytes(bytes)} of contents` : ''} in ${seconds.toFixed(1)} s`
  const parts: string[] = []
  if (objects > 0 || phase !== 'fetch') parts.push(`${count(objects)}${total} objects`)
  if (bytes > 0 || phase === 'fetch' || phase === 'contents') parts.push(formatBytes(bytes))
  const rate =
    bytes > 0
      ? `${formatBytes(bytes / seconds)}/s`
      : `${count(Math.round(objects / seconds))} objects/s`
  return `${phase}: ${parts.join(', ')} (${rate})`
}

/** Registers `save`. */
export function registerSave(program: Command): void {
  addNetOptions(
    addArchiveOptions(
      program
        .command('save')
        .summary(
          'Archive a repository, tarball or package now (git, hg, svn, bzr, cvs, tar, npm, pypi, crates, deb, nixguix).',
        )
        .description(
          'Visit the repository or tarball at URL (https://, git://, ssh://, svn://, file:// or a local path, ' +
            'of the --type given or found by probing): ' +
            'fetch what the archive lacks, store every object, record a snapshot of every ref, and ' +
            'print the visit status and snapshot SWHID. Exit 0 for a full visit, 1 for a partial ' +
            'one, 2 for not found or failed. A package origin (https://www.npmjs.com/package/NAME, ' +
            'https://pypi.org/project/NAME/, https://crates.io/crates/NAME, ' +
            'deb://Debian/packages/NAME, a sources.json URL) gets one synthetic release per version; ' +
            'the registries read are set by ARCA_NPM_REGISTRY, ARCA_CRATES_INDEX, ARCA_CRATES_API and ' +
            'ARCA_DEBIAN_MIRROR (see docs/packages.md).',
        )
        .argument('<url>', 'Repository URL or path.')
        .option(
          '--type <visit-type>',
          `The kind of repository: ${visitTypes().join(', ')} (default: found by probing URL).`,
          (v: string) => {
            if (!visitTypes().includes(v))
              throw new InvalidArgumentError(
                `"${v}" is not a visit type (${visitTypes().join(', ')})`,
              )
            return v
          },
        )
        .option(
          '--fork-of <url>',
          'An archived origin this one is a fork of (repeatable).',
          (v: string, p: string[] | undefined) => [...(p ?? []), v],
        )
        .option(
          '--max-content-size <size>',
          `Store larger files as skipped contents, e.g. 100MiB, 512k or 1G (default: ${DEFAULT_MAX_CONTENT_SIZE / 1024 / 1024}MiB).`,
          parseSize,
        )
        .option(
          '--stall-timeout <seconds>',
          `Give up a remote that sends nothing for this long (default: ${DEFAULT_STALL_TIMEOUT_MS / 1000}).`,
          parseSeconds,
        )
        .option(
          '--restrict-network',
          'Fetch as for a request made by someone else: refuse local paths, file:// and private, ' +
            'loopback, link-local, metadata and other special addresses (and redirects to them) ' +
            'outside the --allow-network ones.',
        )
        .option(
          '--checksum <algo:hex>',
          'A declared checksum of the tarball (tar, tarball-directory): a mismatch fails it (repeatable).',
          parseChecksum,
        )
        .option('--progress', "Show progress from the start, and every phase's final counts.")
        .option('--json', 'Print the result as JSON.')
        .addHelpText(
          'after',
          '\nExamples:\n' +
            '  $ arca save https://github.com/torvalds/linux\n' +
            '  $ arca save --data /srv/arca ./my-project\n' +
            '  $ arca save https://www.npmjs.com/package/left-pad\n' +
            '  $ arca save --type deb deb://Debian/packages/hello\n' +
            '  $ arca save --max-content-size 10MiB --json file:///srv/git/tool.git\n' +
            '  $ arca save --type tar https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz\n' +
            '  $ arca save --type tarball-directory --checksum sha256:<hex> ./tool-1.0.tar.xz\n' +
            '  $ arca save --restrict-network --allow-network 10.1.0.0/16 --time-limit 3600 https://git.lan/x.git',
        ),
    ),
  ).action(async (url: string, flags: SaveFlags) => {
    // The operator's own command is unrestricted unless asked; the limits apply either way.
    const network = flags.restrictNetwork ? netPolicy(flags) : undefined
    const limits = visitLimits(flags)
    const progress = new ProgressReporter({
      op: 'save',
      delayMs: flags.progress ? 0 : 500,
      format: formatProgress,
    })
    // The last event of a phase holds its final counts: it is always shown when the next
    // phase begins (a log then has one line per phase at least).
    let previous: LoadProgress | null = null
    const onProgress = (p: LoadProgress): void => {
      const ended = previous !== null && previous.phase !== p.phase
      if (ended) progress.update({ ...previous! }, true)
      progress.update({ ...p })
      previous = p
    }
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
      'loader',
      async (archive) => {
        const r = await loadOrigin(
          flags.type ?? (await probeVisitType(url, interrupt.signal, network, 'git')),
          url,
          {
            signal: interrupt.signal,
            ...(network ? { network } : {}),
            ...limits,
            storage: archive.storage,
            scratchDir: archive.tmpDir,
            forkOf: flags.forkOf ?? [],
            ...(flags.checksum ? { checksums: flags.checksum } : {}),
            ...(flags.maxContentSize === undefined ? {} : { maxContentSize: flags.maxContentSize }),
            ...(flags.stallTimeout === undefined
              ? {}
              : { stallTimeoutMs: Math.round(flags.stallTimeout * 1000) }),
            onProgress,
          },
        )
        if (r.status === 'full' || r.status === 'partial') await indexMetadata(archive, r.origin)
        return r
      },
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
