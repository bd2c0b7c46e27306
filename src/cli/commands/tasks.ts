/**
 * `arca tasks`: the harvesting task queue of the archive, counted per kind, or the tasks in one
 * state (dead ones with their error).
 *
 * @module
 */

import type { Command } from 'commander'

import { InvalidInputError } from '../../errors.js'
import {
  SqlTaskQueue,
  SqlVisitScheduler,
  TASK_STATES,
  type TaskState,
} from '../../scheduler/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'

type TasksFlags = ArchiveFlags & { state?: string; limit: string; json?: boolean }

const oneLine = (s: string | null): string => (s === null ? '' : s.replace(/\s+/g, ' '))

/** Registers `tasks`. */
export function registerTasks(program: Command): void {
  addArchiveOptions(
    program
      .command('tasks')
      .summary('Show the task queue: counts per kind, or the tasks in one state.')
      .description(
        'Show the harvesting task queue kept in the archive database. Without --state, one line per ' +
          'task kind: tasks ready to run, delayed (not yet due, or backing off after a failure), ' +
          'running, done, dead, and how long the oldest ready task has waited; then, when origins ' +
          'are listed for recurrent visits, one line per visit type: origins, enabled, never ' +
          'visited, due now, and how long the most overdue has been due. With --state, the ' +
          'tasks in that state, oldest first; a dead task shows its last error.',
      )
      .option('--state <state>', `List the tasks in this state: ${TASK_STATES.join(', ')}.`)
      .option('--limit <n>', 'List at most this many tasks.', '100')
      .option('--json', 'Print one JSON object per line.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca tasks\n  kind\tready\tdelayed\trunning\tdone\tdead\tlag_s\n' +
          '  load-git\t12\t3\t2\t480\t1\t4.2\n  $ arca tasks --state dead',
      ),
  ).action(async (flags: TasksFlags) => {
    const state = flags.state
    if (state !== undefined && !(TASK_STATES as readonly string[]).includes(state))
      throw new InvalidInputError(
        `Unknown task state "${state}": use one of ${TASK_STATES.join(', ')}`,
      )
    const limit = Number(flags.limit)
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidInputError(`--limit must be a positive integer, not "${flags.limit}"`)
    await withArchive(flags, null, async (archive) => {
      const queue = new SqlTaskQueue(archive.backend.db, { ownsDatabase: false })
      await queue.open()
      if (state === undefined) {
        const counts = await queue.counts()
        if (!flags.json) writeOut('kind\tready\tdelayed\trunning\tdone\tdead\tlag_s\n')
        for (const c of counts) {
          if (flags.json) writeOut(JSON.stringify(c) + '\n')
          else
            writeOut(
              `${c.kind}\t${c.ready}\t${c.delayed}\t${c.running}\t${c.done}\t${c.dead}\t${(c.lagMs / 1000).toFixed(1)}\n`,
            )
        }
        // the recurrent visits, when origins are listed: how far behind each visit type is
        const visits = new SqlVisitScheduler(archive.backend.db)
        const lags = await visits.lag()
        if (lags.length > 0 && !flags.json)
          writeOut('\nvisit_type\torigins\tenabled\tnever_visited\tdue\tlag_s\n')
        for (const l of lags) {
          if (flags.json) writeOut(JSON.stringify(l) + '\n')
          else
            writeOut(
              `${l.visitType}\t${l.origins}\t${l.enabled}\t${l.neverVisited}\t${l.due}\t${(l.lagMs / 1000).toFixed(1)}\n`,
            )
        }
        return
      }
      for (const t of await queue.list({ state: state as TaskState, limit })) {
        if (flags.json) writeOut(JSON.stringify(t) + '\n')
        else
          writeOut(
            `${t.id}\t${t.kind}\t${t.origin ?? '-'}\tattempts ${t.attempts}/${t.maxAttempts}\t${oneLine(t.lastError)}\n`,
          )
      }
    })
  })
}
