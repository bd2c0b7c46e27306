/**
 * The `arca` command: argument parsing, and the one table mapping errors to exit codes.
 *
 * Exit codes: 0 success; 1 a negative answer that is not an error (a verify mismatch);
 * 2 usage errors and every expected failure (bad input, missing path, permission denied,
 * unreachable service); 70 an internal error (a bug: run with --debug for the stack).
 *
 * @module
 */

import { Command, CommanderError } from 'commander'

import { type ErrorCode, errorMessage, isArcaError } from '../errors.js'
import { registerCodeSearch } from './commands/code-search.js'
import { registerForge } from './commands/forge.js'
import { registerForks } from './commands/forks.js'
import { registerFsck } from './commands/fsck.js'
import { registerGraph } from './commands/graph.js'
import { registerIdentify } from './commands/identify.js'
import { registerLister } from './commands/lister.js'
import { registerMetadata } from './commands/metadata.js'
import { registerMirror } from './commands/mirror.js'
import { registerObjstorage } from './commands/objstorage.js'
import { registerProvenance } from './commands/provenance.js'
import { registerReadCommands } from './commands/read.js'
import { registerRemove } from './commands/remove.js'
import { registerRepair } from './commands/repair.js'
import { registerSave } from './commands/save.js'
import { registerSaveRequest } from './commands/save-request.js'
import { registerSchedule } from './commands/schedule.js'
import { registerScrub } from './commands/scrub.js'
import { registerServe } from './commands/serve.js'
import { registerSwhid } from './commands/swhid.js'
import { registerTasks } from './commands/tasks.js'
import { registerToken } from './commands/token.js'
import { registerVault } from './commands/vault.js'
import { registerWorker } from './commands/worker.js'
import { writeErr } from './output.js'

/** Exit code of each error code. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 2,
  not_found: 2,
  corrupt: 2,
  conflict: 2,
  unavailable: 2,
  forbidden: 2,
  unauthorized: 2,
  masked: 2,
  too_large: 2,
  throttled: 2,
  io: 2,
  internal: 70,
}

/** Exit code for usage errors (unknown flag, bad value). */
export const EXIT_USAGE = 2
/** Exit code for bugs. */
export const EXIT_INTERNAL = 70

const VERSION = '0.1.0'

/**
 * System and SQLite error codes that are the environment's failure, not a bug: each says what
 * went wrong, and the command exits 2 with that line.
 */
const ENVIRONMENT_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  SQLITE_FULL: 'no space left on device',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EADDRINUSE: 'address already in use',
}
const DISK_FULL: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL'])

const DEBUG_HELP = 'Print stack traces of errors.'

/** Builds the command tree. */
export function buildProgram(): Command {
  const program = new Command('arca')
    .description(
      'Arca: a source-code archive compatible with Software Heritage. Run "arca COMMAND --help" for the options and examples of each command.',
    )
    .version(VERSION, '-V, --version', 'Print the version number.')
    .option('--debug', DEBUG_HELP)
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `arca: ${s}` : s),
    })
  registerIdentify(program)
  registerSwhid(program)
  registerSave(program)
  registerSaveRequest(program)
  registerReadCommands(program)
  registerServe(program)
  registerWorker(program)
  registerToken(program)
  registerTasks(program)
  registerSchedule(program)
  registerLister(program)
  registerForge(program)
  registerMirror(program)
  registerFsck(program)
  registerRepair(program)
  registerRemove(program)
  registerScrub(program)
  registerObjstorage(program)
  registerForks(program)
  registerGraph(program)
  registerCodeSearch(program)
  registerProvenance(program)
  registerVault(program)
  registerMetadata(program)
  program.addHelpText(
    'after',
    '\nExamples:\n  $ arca identify .\n  $ arca save https://github.com/torvalds/linux\n' +
      '  $ arca serve',
  )
  const configure = (cmd: Command): void => {
    if (!cmd.options.some((o) => o.long === '--debug')) cmd.option('--debug', DEBUG_HELP)
    cmd.helpOption('-h, --help', 'Show this help.')
    if (cmd.commands.length > 0) cmd.helpCommand('help [command]', 'Show the help of a command.')
    cmd.exitOverride()
    cmd.configureOutput(program.configureOutput())
    cmd.showHelpAfterError('(run with --help for usage)')
    cmd.commands.forEach(configure)
  }
  configure(program)
  return program
}

/** Runs the CLI with `argv` (as in `process.argv`) and sets `process.exitCode`. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const debug = argv.includes('--debug')
  const program = buildProgram()
  try {
    await program.parseAsync([...argv])
  } catch (e) {
    process.exitCode = exitCodeOf(e, debug)
  }
}

function exitCodeOf(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // Commander has already printed its message (or the help / version text).
    return e.exitCode === 0 ? 0 : EXIT_USAGE
  }
  const sysCode = (e as { code?: unknown } | null)?.code
  if (
    !isArcaError(e) &&
    typeof sysCode === 'string' &&
    Object.hasOwn(ENVIRONMENT_FAILURES, sysCode)
  ) {
    // A full disk, a read-only or forbidden path, a taken port: the environment, not a bug.
    const path = (e as { path?: unknown }).path
    const what =
      sysCode === 'SQLITE_FULL' ? 'the database' : typeof path === 'string' ? path : 'files'
    writeErr(
      `arca: error: ${ENVIRONMENT_FAILURES[sysCode]} while ${DISK_FULL.has(sysCode) ? 'writing' : 'using'} ${what} (${errorMessage(e)})`,
    )
    if (debug && e instanceof Error && e.stack) writeErr(e.stack)
    return EXIT_CODES.io
  }
  if (isArcaError(e)) {
    writeErr(`arca: error: ${e.message}`)
    if (debug && e.stack) writeErr(e.stack)
    return EXIT_CODES[e.code]
  }
  writeErr(
    `arca: internal error: ${errorMessage(e)}${debug ? '' : ' (run with --debug for details)'}`,
  )
  if (debug && e instanceof Error && e.stack) writeErr(e.stack)
  return EXIT_INTERNAL
}
