/**
 * The `/save/` page in real headless Chromium: submit the form, see the request's row, then
 * move its load task through the real queue (claim, complete) and watch the row follow
 * (scheduled → running → succeeded) without reloading: the page script polls `/save/status/`.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openSaveCodeNow, SqlTaskQueue } from '../../src/scheduler/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { type RunningServer, startServer } from '../../src/web/server.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { REPO_ROOT } from '../helpers/vectors.js'

const CHROMIUM = process.env['ARCA_CHROMIUM'] ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  if (process.env['CI'] === 'true')
    throw new Error(`Chromium not found at ${CHROMIUM}: CI must run the browser suite`)
  console.warn(`NOTICE: no Chromium at ${CHROMIUM}: skipping the /save/ browser suite`)
}
const SHOTS = join(REPO_ROOT, 'test-artifacts', 'browse')

describe.runIf(haveChromium)('the /save/ page in Chromium', () => {
  let data: string
  let archive: Archive
  let server: RunningServer
  let browser: Browser
  let queue: SqlTaskQueue

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    data = makeTemp('arca-save-e2e-')
    archive = await openArchive({ dataDir: data })
    const saveCodeNow = await openSaveCodeNow(archive.backend.db, { visitTypes: ['git', 'hg'] })
    await saveCodeNow.addPrefix('authorized', 'https://github.com/')
    queue = new SqlTaskQueue(archive.backend.db, { ownsDatabase: false })
    server = await startServer({ archive, port: 0, saveCodeNow })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await archive?.close()
    removeTemp(data)
  })

  it('a submitted request is listed and its row follows the task live', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${server.url}/save/`)
    expect(
      (await page.locator('#visit_type option').allTextContents()).map((s) => s.trim()),
    ).toEqual(['git', 'hg'])
    await page.fill('#origin_url', 'https://github.com/e2e/live')
    await Promise.all([
      page.waitForURL(/\/save\/\?request=\d+/),
      page.click('form.save-form button'),
    ])
    const id = /request=(\d+)/.exec(page.url())![1]!
    const row = page.locator(`tr[data-save-id="${id}"]`)
    const cell = (f: string) => row.locator(`[data-field="${f}"]`)
    expect(await cell('save_request_status').textContent()).toBe('accepted')
    expect(await cell('save_task_status').textContent()).toBe('scheduled')

    const [task] = await queue.claim('e2e-worker', { leaseMs: 60_000 })
    await expect
      .poll(() => cell('save_task_status').textContent(), { timeout: 15_000 })
      .toBe('running')
    await queue.complete(task!.lease, {
      visit: 1,
      status: 'full',
      snapshot: null,
      date: new Date().toISOString(),
      eventful: true,
      message: 'ok',
    })
    await expect
      .poll(() => cell('save_task_status').textContent(), { timeout: 15_000 })
      .toBe('succeeded')
    expect(await cell('visit_status').textContent()).toBe('full')
    // finished: the row is no longer polled
    expect(await row.getAttribute('data-live')).toBeNull()
    await page.screenshot({ path: join(SHOTS, 'save.png'), fullPage: true })

    // a refused URL shows the reason on the page, with the form kept
    await page.fill('#origin_url', 'file:///etc/passwd')
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('#origin_url')!
      input.type = 'text' // past the browser's own URL check, to the server's
    })
    await page.click('form.save-form button')
    await page.waitForSelector('p.error')
    expect(await page.locator('p.error').textContent()).toContain('is not valid!')
    expect(await page.inputValue('#origin_url')).toBe('file:///etc/passwd')
    await page.close()
  }, 60_000)
})
