/**
 * `arca vault flat|git-bare SWHID`: cook a vault bundle from the local archive into a file
 * (or standard output), through the masking layers, with progress on stderr. The bundle is
 * written to a temporary file next to the destination and renamed when complete, so an
 * interrupted cook leaves no partial file under the final name.
 *
 * @module
 */

import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Writable } from 'node:stream'

import type { Command } from 'commander'

import { IoError, UnavailableError } from '../../errors.js'
import { formatSwhid } from '../../model/index.js'
import { maskedView } from '../../storage/index.js'
import { type BundleType, defaultCookers } from '../../vault/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { swhidArg, withArchive } from '../open.js'
import { formatBytes, ProgressReporter } from '../progress.js'

interface VaultFlags extends ArchiveFlags {
  output?: string
}

const EXT: Readonly<Record<BundleType, string>> = { flat: '.tar.gz', 'git-bare': '.git.tar' }

const ABOUT: Readonly<Record<BundleType, string>> = {
  flat:
    'Cook a flat bundle: the .tar.gz of a directory, or of the root directory of a revision, ' +
    "a release or a snapshot's HEAD branch, under one top folder named after the SWHID, as " +
    "Software Heritage's vault makes it. Modes, symlinks, empty directories and names that " +
    'are not UTF-8 are kept; a submodule is an empty directory. A masked or missing object ' +
    'fails the cook with its SWHID. Exit 0 on success, 2 on bad input or a refused object.',
  'git-bare':
    'Cook a git-bare bundle: a tar of a bare git repository holding the history of a ' +
    "revision, a release or a snapshot, as Software Heritage's vault makes it. Exit 0 on " +
    'success, 2 on bad input, a refused object, or when this archive has no git-bare cooker.',
}

/** Counts the bytes passed on to `inner`. */
function counting(inner: NodeJS.WritableStream, onBytes: (total: number) => void): Writable {
  let total = 0
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      total += chunk.length
      onBytes(total)
      if (inner.write(chunk)) cb()
      else inner.once('drain', () => cb())
    },
    final(cb) {
      if (inner === process.stdout) cb()
      else inner.end(() => cb())
    },
  })
  inner.on('error', (e: Error) => w.destroy(e))
  return w
}

async function cook(type: BundleType, swhidText: string, flags: VaultFlags): Promise<void> {
  const target = swhidArg(swhidText)
  const cooker = defaultCookers().get(type)
  if (!cooker) throw new UnavailableError(`The ${type} bundle type is not available in this build`)
  const output = flags.output ?? `${formatSwhid(target).replace(/:/g, '_')}${EXT[type]}`
  const toStdout = output === '-'
  const tmp = toStdout ? null : join(dirname(output), `.${process.pid}.arca-vault.tmp`)
  const progress = new ProgressReporter({
    op: `vault ${type}`,
    delayMs: 500,
    format: (f) => `${String(f['message'] ?? '')} ${formatBytes(Number(f['bytes'] ?? 0))} written`,
  })
  let message = 'Processing...'
  let bytes = 0
  const interrupt = new AbortController()
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupt.abort(new IoError(`Interrupted by ${sig}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await withArchive(flags, null, async (archive) => {
      const view = maskedView(archive)
      const sink = counting(toStdout ? process.stdout : createWriteStream(tmp!), (n) => {
        bytes = n
        progress.update({ message, bytes })
      })
      await cooker(
        {
          storage: view.storage,
          objstorage: view.objstorage,
          signal: interrupt.signal,
          progress: (m) => {
            message = m
            progress.update({ message, bytes })
          },
        },
        target,
        sink,
      )
    })
    if (tmp) await rename(tmp, output)
    progress.update({ message: 'Done:', bytes }, true)
    progress.done()
  } catch (e) {
    if (tmp) await rm(tmp, { force: true })
    throw e
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** Registers `vault` and its bundle kinds. */
export function registerVault(program: Command): void {
  const vault = program
    .command('vault')
    .summary('Cook vault bundles (flat tarballs, bare git repositories) of archived objects.')
    .description(
      "Cook the bundles of Software Heritage's vault from the local archive: flat (a .tar.gz of " +
        'a directory) and git-bare (a tar of a bare git repository). The Web API serves the ' +
        'same bundles under /api/1/vault/.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ arca vault flat swh:1:dir:9a0b3b6aab3ac40d2d7e0a9d3fb27f6c7b8e04b1 -o src.tar.gz\n' +
        '  $ arca vault git-bare swh:1:rev:0e2f6e2cdeeb7b1bc3bd4a6f2c0a8d0f2f7a8c3d -o repo.git.tar',
    )
  for (const type of ['flat', 'git-bare'] as const) {
    addArchiveOptions(
      vault
        .command(type)
        .summary(`Cook a ${type} bundle of an archived object.`)
        .description(ABOUT[type])
        .argument('<swhid>', 'The SWHID of the object to cook.')
        .option(
          '-o, --output <file>',
          `File to write (default ./swh_1_TYPE_ID${EXT[type]}; - for standard output).`,
        )
        .addHelpText(
          'after',
          '\nExamples:\n' +
            (type === 'flat'
              ? '  $ arca vault flat swh:1:dir:9a0b3b6aab3ac40d2d7e0a9d3fb27f6c7b8e04b1 -o src.tar.gz\n' +
                '  $ arca vault flat swh:1:snp:c7c108084bc0bf3d81436bf980b46e98bd338453 -o - | tar -xz'
              : '  $ arca vault git-bare swh:1:rev:0e2f6e2cdeeb7b1bc3bd4a6f2c0a8d0f2f7a8c3d -o repo.git.tar\n' +
                '  $ tar -xf repo.git.tar && git clone swh:1:rev:0e2f6e2cdeeb7b1bc3bd4a6f2c0a8d0f2f7a8c3d.git work'),
        ),
    ).action((swhid: string, flags: VaultFlags) => cook(type, swhid, flags))
  }
}
