/**
 * The browse pages in real headless Chromium (Debian's chromium driven by playwright-core):
 * archive a generated repository, search it, go origin → directory → file, select a line range,
 * copy the qualified SWHID, open it and land on the same highlighted lines. Script-injection
 * payloads in file names, contents, messages, branch names and origin URLs must never run.
 * Screenshots of each page are kept in test-artifacts/browse/.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { type RunningServer, startServer } from '../../src/web/server.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { REPO_ROOT } from '../helpers/vectors.js'

const CHROMIUM = process.env['ARCA_CHROMIUM'] ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  if (process.env['CI'] === 'true')
    throw new Error(`Chromium not found at ${CHROMIUM}: CI must run the browser suite`)
  console.warn(`NOTICE: no Chromium at ${CHROMIUM}: skipping the browser suite (it runs in CI)`)
}

const SHOTS = join(REPO_ROOT, 'test-artifacts', 'browse')
const XSS = '<img src=x onerror="window.__xss=1">'
const XSS_SCRIPT = '<script>window.__xss=1</script>'
/** A plain-text README: shown as text, every character as written. */
const README_TXT = `Plain ${XSS_SCRIPT} & "double" 'single' <b>not bold</b> &amp; stays\n`

function makeRepo(root: string): string {
  const repo = join(root, 'project')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  mkdirSync(join(repo, 'src'))
  const long =
    Array.from({ length: 40 }, (_, i) => `int line_${i + 1} = ${i + 1}; /* line ${i + 1} */`).join(
      '\n',
    ) + '\n'
  writeFileSync(join(repo, 'src', 'long.c'), long)
  writeFileSync(join(repo, 'src', 'README.txt'), README_TXT)
  writeFileSync(
    join(repo, 'README.md'),
    `# Project\n\nSome *markdown* with ${XSS_SCRIPT} and [a link](javascript:window.__xss=1).\n`,
  )
  writeFileSync(join(repo, `evil ${XSS}.txt`), `${XSS_SCRIPT}\n${XSS}\n`)
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', `first commit ${XSS_SCRIPT}`])
  git(repo, ['branch', `evil-${'<b>x</b>'}`])
  return repo
}

describe.runIf(haveChromium)('browse pages in Chromium', () => {
  let root: string
  let data: string
  let archive: Archive
  let server: RunningServer
  let browser: Browser
  let origin: string
  let repoDir: string
  const evilOrigin = `https://example.org/${XSS}`

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    root = makeTemp('arca-e2e-')
    data = makeTemp('arca-e2e-data-')
    const repo = makeRepo(root)
    repoDir = repo
    const writer = await openArchive({ dataDir: data, writer: 'loader' })
    const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    expect(r.status).toBe('full')
    origin = r.origin
    await writer.storage.originAdd([{ url: evilOrigin }])
    const [v] = await writer.storage.originVisitAdd([
      { origin: evilOrigin, date: new Date(), type: 'git' },
    ])
    await writer.storage.originVisitStatusAdd([
      {
        origin: evilOrigin,
        visit: v!.visit,
        date: new Date(),
        type: 'git',
        status: 'full',
        snapshot: r.snapshot,
        metadata: null,
      },
    ])
    await writer.close()
    archive = await openArchive({ dataDir: data })
    server = await startServer({ archive, port: 0 })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await archive?.close()
    removeTemp(root)
    removeTemp(data)
  })

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('dialog', (d) => {
      throw new Error(`A dialog opened: ${d.message()}`)
    })
    // Every asset must come from this node.
    page.on('request', (req) => {
      const u = new URL(req.url())
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:')
        throw new Error(`Request left the node: ${req.url()}`)
    })
    return page
  }

  async function noXss(page: Page): Promise<void> {
    expect(
      await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
    ).toBeUndefined()
  }

  it('search → origin → directory → file → select lines → copy SWHID → open it → same lines', async () => {
    const page = await newPage()
    await page.goto(`${server.url}/`)
    await page.screenshot({ path: join(SHOTS, '01-home.png') })
    await page.fill('#home-q', 'project')
    await page.click('form[role=search] button[type=submit] >> nth=1')
    await page.waitForURL(/\/browse\/search\//)
    await expect.poll(() => page.textContent('#total')).toContain('1 origin')
    await page.screenshot({ path: join(SHOTS, '02-search.png') })
    await page.click(`a[href*="origin_url=${encodeURIComponent(origin)}"]`)
    await page.waitForURL(/\/browse\/origin\/directory\//)
    await page.screenshot({ path: join(SHOTS, '03-origin-directory.png') })
    expect(await page.textContent('.readme')).toContain('markdown')
    await page.click('a:text-is("src/")')
    await page.waitForURL(/path=src/)
    await page.screenshot({ path: join(SHOTS, '04-directory.png') })
    await page.click('a:text-is("long.c")')
    await page.waitForURL(/path=src%2Flong\.c/)
    // Syntax highlighting was applied server-side.
    expect(await page.locator('.code .hljs-type, .code .hljs-keyword').count()).toBeGreaterThan(0)
    await page.click('a[data-line="10"]')
    await page.click('a[data-line="20"]', { modifiers: ['Shift'] })
    expect(new URL(page.url()).hash).toBe('#L10-L20')
    expect(await page.locator('.code tr.sel').count()).toBe(11)
    const swhid = (await page.textContent('#swhid-0'))!.trim()
    expect(swhid).toMatch(
      /^swh:1:cnt:[0-9a-f]{40};origin=.*;visit=swh:1:snp:[0-9a-f]{40};anchor=swh:1:rev:[0-9a-f]{40};path=\/src\/long\.c;lines=10-20$/,
    )
    await page.click('button[data-copy="swhid-0"]')
    expect(await page.getAttribute('button[data-copy="swhid-0"]', 'data-copied')).toBe(swhid)
    await page.screenshot({ path: join(SHOTS, '05-content-selected.png') })
    // Unchecking the context box gives the core SWHID.
    await page.uncheck('#swhid-context')
    expect((await page.textContent('#swhid-0'))!.trim()).toMatch(/^swh:1:cnt:[0-9a-f]{40}$/)
    await page.check('#swhid-context')
    // Open the copied SWHID: same file, same lines highlighted.
    await page.goto(`${server.url}/${swhid}`)
    await page.waitForURL(/\/browse\/content\/sha1_git:/)
    expect(new URL(page.url()).hash).toBe('#L10-L20')
    const selected = await page.locator('.code tr.sel').evaluateAll((rows) => rows.map((r) => r.id))
    expect(selected).toEqual(Array.from({ length: 11 }, (_, i) => `L${i + 10}`))
    expect(await page.textContent('#L15')).toContain('line_15')
    await page.screenshot({ path: join(SHOTS, '06-resolved-swhid.png') })
    await noXss(page)
    await page.close()
  }, 60_000)

  it('every page of the hostile origin renders without running injected scripts', async () => {
    const page = await newPage()
    const enc = encodeURIComponent(evilOrigin)
    const head = (await archive.storage.originVisitGetLatest(evilOrigin, {
      requireSnapshot: true,
    }))!.status.snapshot!
    const pages = [
      `/browse/search/?q=${encodeURIComponent('example.org')}`,
      `/browse/origin/directory/?origin_url=${enc}`,
      `/browse/origin/branches/?origin_url=${enc}`,
      `/browse/origin/visits/?origin_url=${enc}`,
      `/browse/origin/log/?origin_url=${enc}`,
      `/browse/origin/content/?origin_url=${enc}&path=${encodeURIComponent(`evil ${XSS}.txt`)}`,
      `/browse/snapshot/${head}/`,
      `/`,
    ]
    let i = 0
    for (const p of pages) {
      const res = await page.goto(`${server.url}${p}`)
      expect(res?.status(), p).toBe(200)
      await page.screenshot({ path: join(SHOTS, `1${i++}-hostile.png`) })
      await noXss(page)
      expect(await page.locator('img[src="x"]').count(), p).toBe(0)
    }
    await page.goto(`${server.url}/browse/origin/log/?origin_url=${enc}`)
    const rev = await page.locator('a.mono[href^="/browse/revision/"]').first().getAttribute('href')
    await page.goto(`${server.url}${rev}`)
    expect(await page.textContent('main')).toContain(XSS_SCRIPT)
    await page.screenshot({ path: join(SHOTS, '20-revision.png') })
    await noXss(page)
    await page.close()
  }, 60_000)

  it('works without JavaScript: links, listing, contextual SWHIDs are server-rendered', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(
      `${server.url}/browse/origin/directory/?origin_url=${encodeURIComponent(origin)}&path=src`,
    )
    expect(await page.textContent('table')).toContain('long.c')
    // The plain-text README is escaped text: no element of its own, every character shown.
    expect(await page.textContent('.readme pre')).toBe(README_TXT)
    expect(await page.locator('.readme pre *').count()).toBe(0)
    expect((await page.textContent('#swhid-0'))!.trim()).toMatch(/^swh:1:dir:[0-9a-f]{40};origin=/)
    await page.click('a:text-is("long.c")')
    expect(await page.textContent('#L3')).toContain('line_3')
    await context.close()
  }, 30_000)

  it('badges and the embeddable viewer', async () => {
    const page = await newPage()
    const badge = await page.goto(`${server.url}/badge/origin/${origin}/`)
    expect(badge?.headers()['content-type']).toContain('image/svg+xml')
    expect(await badge?.text()).toContain('archived')
    const blob = git(repoDir, ['rev-parse', 'main:src/long.c'])
    const embed = await page.goto(`${server.url}/embed/swh:1:cnt:${blob};path=/src/long.c/`)
    expect(embed?.status()).toBe(200)
    expect(await page.locator('header.top').count()).toBe(0)
    expect(await page.textContent('#L40')).toContain('line_40')
    await page.screenshot({ path: join(SHOTS, '30-embed.png') })
    await page.close()
  }, 30_000)
})
