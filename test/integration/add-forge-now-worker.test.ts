/**
 * Add Forge Now through `arca serve`'s own worker on the embedded store: an accepted request
 * is listed by the worker against a local GitLab-shaped server, and the listed origins get
 * their first-visit tasks; the journal never holds the submitter's email.
 */
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openScheduler } from '../../src/scheduler/index.js'
import { filesUnder, gitlab, type Json, SUBMITTER_EMAIL } from '../helpers/add-forge-now.js'
import { arca } from '../helpers/cli.js'
import { call, type ServeProcess, startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe("Add Forge Now through arca serve's own worker", () => {
  let dir: string
  let server: ServeProcess
  const forge = gitlab()
  let forgeUrl = ''
  let user = ''
  let moderator = ''

  beforeAll(async () => {
    dir = makeTemp('arca-afn-worker-')
    const args = ['--data', dir]
    user = arca(['token', 'create', '--scope', 'api', '--name', 'bob', ...args]).stdout.trim()
    moderator = arca([
      'token',
      'create',
      '--scope',
      'api',
      '--scope',
      'admin',
      '--name',
      'mod',
      ...args,
    ]).stdout.trim()
    await new Promise<void>((r) => forge.server.listen(0, '127.0.0.1', r))
    forgeUrl = `http://127.0.0.1:${(forge.server.address() as AddressInfo).port}`
    // the embedded store: one worker in the server's process
    server = await startServe([...args, '--allow-network', '127.0.0.1/32'])
  })
  afterAll(async () => {
    await server?.stop()
    await new Promise((r) => forge.server.close(r))
    removeTemp(dir)
  })

  it('an accepted request is listed by the worker, then its origins get their first-visit tasks', async () => {
    const made = await call(server, 'POST', '/api/1/add-forge/request/create/', {
      token: user,
      body: {
        forge_type: 'gitlab',
        forge_url: forgeUrl,
        forge_contact_email: 'admin@forge.example.org',
        forge_contact_name: 'Forge Admin',
        submitter_email: SUBMITTER_EMAIL,
      },
    })
    expect(made.status).toBe(201)
    const id = (made.body as Json)['id'] as number
    const accepted = await call(server, 'POST', `/api/1/add-forge/request/${id}/update/`, {
      token: moderator,
      body: { new_status: 'ACCEPTED' },
    })
    expect((accepted.body as Json)['status']).toBe('SCHEDULED')
    let status = ''
    for (let i = 0; i < 300 && status !== 'FIRST_LISTING_DONE'; i++) {
      await new Promise((r) => setTimeout(r, 200))
      const got = await call(server, 'GET', `/api/1/add-forge/request/${id}/get/`)
      status = String((got.body as { request: Json }).request['status'])
    }
    expect(status).toBe('FIRST_LISTING_DONE')
    // the scheduling job enqueues the first visits (every 10 s): wait for them
    const sched = await openScheduler(`sqlite:${join(dir, 'graph.sqlite')}`)
    try {
      let loads: string[] = []
      for (let i = 0; i < 300 && loads.length < 3; i++) {
        const tasks = await sched.queue.list({ limit: 100 })
        loads = tasks.filter((t) => t.kind === 'load-git').map((t) => t.origin ?? '')
        if (loads.length < 3) await new Promise((r) => setTimeout(r, 200))
      }
      expect(loads.sort()).toEqual([1, 2, 3].map((n) => `https://gitlab.afn.example/g/p${n}.git`))
      // the journal holds what the listing recorded (the forge's JSON), never the submitter
      const journal = filesUnder(join(dir, 'journal'))
      expect(journal.length).toBeGreaterThan(0)
      for (const f of journal) expect(readFileSync(f).includes(SUBMITTER_EMAIL)).toBe(false)
    } finally {
      await sched.close()
    }
  }, 120_000)
})
