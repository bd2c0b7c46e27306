/**
 * `arca identify`: the counterpart of `swh identify`, with the same flags and output lines.
 *
 * @module
 */

import { statSync } from 'node:fs'

import { type Command, InvalidArgumentError, Option } from 'commander'

import { InvalidInputError } from '../../errors.js'
import {
  type DiskNode,
  identify,
  IDENTIFY_TYPES,
  type IdentifyType,
  stripTrailingSlashes,
} from '../../fromdisk/index.js'
import { redactUserinfo, splitRemoteUrl } from '../../loader/index.js'
import {
  concatBytes,
  decodeForDisplay,
  formatSwhid,
  parseCoreSwhid,
  utf8,
} from '../../model/index.js'
import { writeErr, writeOut } from '../output.js'
import { formatBytes, ProgressReporter } from '../progress.js'
import { rawArg } from '../raw-argv.js'

interface IdentifyFlags {
  type: IdentifyType
  exclude?: string[]
  dereference?: boolean
  filename?: boolean
  recursive?: boolean
  verify?: string
  json?: boolean
  workers?: number
}

function parseSwhidOption(value: string): string {
  try {
    return formatSwhid(parseCoreSwhid(value))
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e))
  }
}

function parsePositiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not a positive integer`)
  return n
}

function isDirectory(path: Uint8Array): boolean {
  try {
    return statSync(Buffer.from(path)).isDirectory()
  } catch {
    return false
  }
}

const TAB = Uint8Array.of(0x09)
const LF = Uint8Array.of(0x0a)

function line(swhid: string, name: Uint8Array | null, json: boolean): Uint8Array {
  if (json) {
    const rec: Record<string, string> = { swhid }
    if (name !== null) rec['path'] = decodeForDisplay(name).text
    return utf8(JSON.stringify(rec) + '\n')
  }
  return name === null ? utf8(swhid + '\n') : concatBytes([utf8(swhid), TAB, name, LF])
}

function joinDisplay(root: Uint8Array, rel: Uint8Array): Uint8Array {
  if (rel.length === 0) return root
  const base = stripTrailingSlashes(root)
  return base.length === 1 && base[0] === 0x2f
    ? concatBytes([base, rel])
    : concatBytes([base, utf8('/'), rel])
}

/**
 * The repository of `identify -t snapshot`: a path, or a `file://` URL (as `arca save` takes
 * it) made a path. A remote URL is refused: identify reads local repositories only.
 */
function repositoryArg(text: string, raw: Uint8Array): Uint8Array {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return raw
  if (!/^file:/i.test(text))
    throw new InvalidInputError(
      `"${redactUserinfo(text)}" is a remote URL: identify -t snapshot reads a local repository (a path or a file:// URL); arca save archives a remote one`,
    )
  return utf8(splitRemoteUrl(text).fetchUrl)
}

/** Registers `identify` on the program. */
export function registerIdentify(program: Command): void {
  program
    .command('identify')
    .summary('Compute the SWHID of files, directories, origins or git snapshots.')
    .description(
      'Compute the Software Heritage identifier (SWHID) of each OBJECT: a file, a directory ' +
        'tree, an origin URL, or (with -t snapshot) a git repository given as a path or a ' +
        'file:// URL. "-" reads standard input.',
    )
    .argument('<objects...>', 'Paths, URLs, or - for standard input.')
    .addOption(
      new Option('-t, --type <type>', 'Type of object to identify')
        .choices(IDENTIFY_TYPES)
        .default('auto'),
    )
    .option(
      '-x, --exclude <pattern>',
      'Exclude paths matching this shell pattern, relative to the root (repeatable).',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--dereference', 'Follow an OBJECT that is a symlink (the default).')
    .option('--no-dereference', 'Identify a symlink OBJECT itself.')
    .option('--filename', 'Show the file name after the SWHID (the default).')
    .option('--no-filename', 'Print only SWHIDs.')
    .option('-r, --recursive', 'Print the SWHID of every node of a directory.')
    .option(
      '-v, --verify <swhid>',
      'Compare with this SWHID: exit 0 on match, 1 on mismatch.',
      parseSwhidOption,
    )
    .option('--json', 'Print one JSON object per line.')
    .option('--workers <n>', 'Threads hashing files (default: number of cores).', parsePositiveInt)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ arca identify fork.c kmod.c\n' +
        '  swh:1:cnt:2e391c754ae730bd2d8520c2ab497c403220c6e3\tfork.c\n' +
        '  $ arca identify --no-filename -x "*.o" /usr/src/linux/kernel/\n' +
        '  $ arca identify -t snapshot helloworld.git/\n' +
        '  $ arca identify -v swh:1:cnt:ce013625030ba8dba906f756967f9e9ca394464a hello.txt',
    )
    .action(async (objects: string[], flags: IdentifyFlags) => {
      await runIdentify(objects, flags)
    })
}

async function runIdentify(objects: string[], flags: IdentifyFlags): Promise<void> {
  const json = flags.json === true
  if (flags.verify !== undefined && objects.length !== 1) {
    throw new InvalidInputError('Verification requires a single object')
  }
  const args = objects.map(rawArg)
  // What is read: the arguments, except that a file:// repository becomes its path.
  const inputs = args.map((a, i) => (flags.type === 'snapshot' ? repositoryArg(objects[i]!, a) : a))
  const progress = new ProgressReporter({
    op: 'identify',
    format: (f, s) =>
      `${Number(f['files']).toLocaleString('en')} files, ${formatBytes(Number(f['bytes']))}` +
      ` (${formatBytes(Number(f['bytes']) / Math.max(s, 0.001))}/s)`,
  })
  const onProgress = (p: { files: number; bytes: number; directories: number }): void => {
    progress.update(p)
  }
  const common = {
    type: flags.type,
    dereference: flags.dereference !== false,
    exclude: flags.exclude ?? [],
    onProgress,
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
  }

  if (flags.recursive) {
    if (flags.verify !== undefined) {
      throw new InvalidInputError('Verification of a recursive identification is not supported')
    }
    if (flags.type !== 'auto' && flags.type !== 'directory') {
      throw new InvalidInputError('Recursive identification is supported only for directories')
    }
  }

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    let recursive = flags.recursive === true
    if (recursive) {
      if (!isDirectory(arg)) {
        writeErr(`arca: warning: recursive option disabled, "${objects[i]}" is not a directory`)
        recursive = false
      }
    }
    if (recursive) {
      const seen = new Set<string>()
      const onNode = (n: DiskNode): void => {
        const swhid =
          n.kind === 'content' ? `swh:1:cnt:${n.sha1Git}` : `swh:1:dir:${n.directory.id}`
        if (seen.has(swhid)) return
        seen.add(swhid)
        writeOut(line(swhid, flags.filename !== false ? joinDisplay(arg, n.path) : null, json))
      }
      await identify(arg, { ...common, type: 'directory', onNode })
      continue
    }
    const { swhid } = await identify(inputs[i]!, common)
    if (flags.verify !== undefined) {
      const match = swhid === flags.verify
      if (json) writeOut(JSON.stringify({ swhid, expected: flags.verify, match }) + '\n')
      else
        writeOut(
          match ? `SWHID match: ${swhid}\n` : `SWHID mismatch: ${flags.verify} != ${swhid}\n`,
        )
      process.exitCode = match ? 0 : 1
      return
    }
    writeOut(line(swhid, flags.filename !== false ? arg : null, json))
  }
  progress.done()
}
