/**
 * `arca tasks` on a real archive: counts per kind, and the tasks of one state with the error of
 * a dead one. The queue is filled through the library, the output read from the built CLI.
 */
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openTaskQueue } from '../../src/scheduler/index.js'
import { arca } from '../helpers/cli.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe('arca tasks', () => {
  let dir: string
  const farFuture = Date.UTC(2100, 0, 1)
  beforeAll(async () => {
    dir = makeTemp('arca-cli-tasks-')
    const queue = await openTaskQueue(`sqlite:${join(dir, 'graph.sqlite')}`)
    await queue.enqueue([
      { kind: 'load-git', origin: 'https://example.org/dead.git', maxAttempts: 1 },
      { kind: 'load-git', origin: 'https://example.org/later.git', notBefore: farFuture },
      { kind: 'list-gitlab', notBefore: farFuture },
    ])
    const [t] = await queue.claim('w1', { leaseMs: 60_000 })
    await queue.fail(t!.lease, 'fatal: repository\nnot found')
    await queue.close()
  })
  afterAll(() => removeTemp(dir))

  it('counts tasks per kind', () => {
    const r = arca(['tasks', '--data', dir])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(
      'kind\tready\tdelayed\trunning\tdone\tdead\tlag_s\n' +
        'list-gitlab\t0\t1\t0\t0\t0\t0.0\n' +
        'load-git\t0\t1\t0\t0\t1\t0.0\n',
    )
  })

  it('lists dead tasks with their error, as text and as JSON', () => {
    const r = arca(['tasks', '--data', dir, '--state', 'dead'])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(
      '1\tload-git\thttps://example.org/dead.git\tattempts 1/1\tfatal: repository not found\n',
    )
    const j = arca(['tasks', '--data', dir, '--state', 'queued', '--json'])
    expect(j.status).toBe(0)
    const lines = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map((l) => [l['id'], l['kind'], l['origin'], l['notBefore']])).toEqual([
      [2, 'load-git', 'https://example.org/later.git', farFuture],
      [3, 'list-gitlab', null, farFuture],
    ])
  })

  it('refuses an unknown state (exit 2)', () => {
    const r = arca(['tasks', '--data', dir, '--state', 'sleeping'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(
      /Unknown task state "sleeping": use one of queued, running, done, dead/,
    )
  })
})
