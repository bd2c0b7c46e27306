/**
 * `arca schedule add FILE|URL…` lists origins for recurrent visits (workers visit them when due);
 * `arca schedule list` shows them with their last visit and when the next is due.
 *
 * @module
 */

import { readFileSync, statSync } from 'node:fs'

import { type Command, InvalidArgumentError } from 'commander'

import { InvalidInputError, isArcaError } from '../../errors.js'
import { probeVisitType, redactUserinfo, splitRemoteUrl, visitTypes } from '../../loader/index.js'
import { type ListedOriginInit, SqlVisitScheduler } from '../../scheduler/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeErr, writeOut } from '../output.js'

type AddFlags = ArchiveFlags & { type?: string; lister: string }
type ListFlags = ArchiveFlags & { json?: boolean; type?: string; limit: string }

const checkType = (v: string): string => {
  if (!visitTypes().includes(v))
    throw new InvalidArgumentError(`"${v}" is not a visit type (${visitTypes().join(', ')})`)
  return v
}

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

/** `URL [TYPE]` per line of a list file; blank lines and `#` comments skipped. */
function readList(path: string): { url: string; type: string | undefined; where: string }[] {
  const out: { url: string; type: string | undefined; where: string }[] = []
  const lines = readFileSync(path, 'utf8').split(/\r?\n/)
  lines.forEach((line, i) => {
    const text = line.trim()
    if (text === '' || text.startsWith('#')) return
    const [url, type, ...rest] = text.split(/\s+/)
    const where = `${path}:${i + 1}`
    if (rest.length > 0)
      throw new InvalidInputError(
        `${where}: expected "URL [VISIT_TYPE]", got ${rest.length + 2} columns`,
      )
    if (type !== undefined && !visitTypes().includes(type))
      throw new InvalidInputError(
        `${where}: "${type}" is not a visit type (${visitTypes().join(', ')})`,
      )
    out.push({ url: url!, type, where })
  })
  return out
}

const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString())

/** Registers `schedule`. */
export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .summary('List origins for recurrent visits, and show the schedule.')
    .description(
      'Origins listed here are visited by "arca worker" (or the worker of "arca serve"): never ' +
        'visited ones first, then by how overdue they are, each again after an interval of its own ' +
        '(shorter after visits that found changes, longer after those that found none); after ' +
        'three unsuccessful visits in a row an origin is disabled until it is added again.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca schedule add https://github.com/python/cpython\n  $ arca schedule list --json',
    )
  addArchiveOptions(
    schedule
      .command('add')
      .summary('List origins (URLs, or files of one URL per line) for recurrent visits.')
      .description(
        'Add origins to the schedule: each argument is a repository URL or local path, or a file ' +
          'with one "URL [VISIT_TYPE]" per line (# comments allowed). The visit type is --type, ' +
          'the file column, or found by probing the URL (git when probing cannot tell, with a note). ' +
          'An origin added again is seen again, and enabled again if it was disabled.',
      )
      .argument('<source...>', 'URLs, paths, or list files.')
      .option(
        '--type <visit-type>',
        `Visit type of every origin: ${visitTypes().join(', ')}.`,
        checkType,
      )
      .option('--lister <name>', 'Who lists them (recorded with each origin).', 'manual')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca schedule add https://github.com/python/cpython\n' +
          '  $ arca schedule add --type git origins.txt',
      ),
  ).action(async (sources: string[], flags: AddFlags) => {
    const entries: { url: string; type: string | undefined; where: string }[] = []
    for (const s of sources) {
      if (isFile(s)) entries.push(...readList(s))
      else entries.push({ url: s, type: undefined, where: s })
    }
    const origins: ListedOriginInit[] = []
    for (const e of entries) {
      const url = splitRemoteUrl(e.url).originUrl
      let visitType = flags.type ?? e.type
      if (visitType === undefined) {
        try {
          visitType = await probeVisitType(e.url)
        } catch (err) {
          if (!isArcaError(err)) throw err
          visitType = 'git'
          writeErr(
            `arca schedule: note: could not tell the kind of ${redactUserinfo(e.url)}; listed as git (give --type or a type column)`,
          )
        }
      }
      origins.push({ url, visitType, lister: flags.lister })
    }
    await withArchive(flags, null, async (archive) => {
      const visits = new SqlVisitScheduler(archive.backend.db)
      await visits.open()
      const { added } = await visits.addOrigins(origins)
      writeOut(
        `listed ${origins.length} origin(s): ${added} new, ${origins.length - added} seen again\n`,
      )
    })
  })
  addArchiveOptions(
    schedule
      .command('list')
      .summary('Show the listed origins: type, enabled, last visit, next visit due.')
      .description(
        'Show the origins listed for recurrent visits, by URL: visit type, whether enabled, the ' +
          'last visit and its status (successful, failed, not_found), and when the next visit is due.',
      )
      .option('--type <visit-type>', 'Only origins of this visit type.')
      .option('--limit <n>', 'At most this many origins.', '1000')
      .option('--json', 'One JSON object per line.')
      .addHelpText('after', '\nExample:\n  $ arca schedule list --type git --limit 50'),
  ).action(async (flags: ListFlags) => {
    const limit = Number(flags.limit)
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidInputError(`--limit must be a positive integer, not "${flags.limit}"`)
    await withArchive(flags, null, async (archive) => {
      const visits = new SqlVisitScheduler(archive.backend.db)
      await visits.open()
      const rows = await visits.list({
        limit,
        ...(flags.type === undefined ? {} : { visitType: flags.type }),
      })
      if (!flags.json) writeOut('url\ttype\tenabled\tlast_visit\tlast_status\tnext_due\n')
      for (const o of rows) {
        if (flags.json) writeOut(JSON.stringify(o) + '\n')
        else
          writeOut(
            `${o.url}\t${o.visitType}\t${o.enabled ? 'yes' : 'no'}\t${iso(o.lastVisit)}\t${o.lastVisitStatus ?? '-'}\t${iso(o.nextVisitDue)}\n`,
          )
      }
    })
  })
}
