/**
 * `arca serve`: the Web API (and browse pages) over the archive. `npm start` runs it.
 *
 * @module
 */

import type { Command } from 'commander'

import { InvalidInputError, isArcaError } from '../../errors.js'
import { ScrubStore } from '../../integrity/index.js'
import { AddForgeNow, LISTER_TYPES } from '../../lister/index.js'
import { probeVisitType, visitTypes } from '../../loader/index.js'
import { checkUrl } from '../../net/index.js'
import {
  openSaveCodeNow,
  openScheduler,
  type Scheduler,
  SqlTaskQueue,
  type Worker,
} from '../../scheduler/index.js'
import { defaultStorageUrl, maskedView, openArchive } from '../../storage/index.js'
import { archiveVault } from '../../vault/index.js'
import {
  DEFAULT_EXEMPT_NETWORKS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_RATES,
  parseScopedRate,
  proxyTrust,
  type Rate,
  RedisRateCounter,
  startServer,
  WEBHOOK_FORGES,
} from '../../web/index.js'
import { addArchiveOptions, type ArchiveFlags, archiveLocation } from '../archive-options.js'
import { startHarvestWorker } from '../harvest.js'
import { addNetOptions, type NetFlags, netPolicy, visitLimits } from '../net-options.js'
import { writeErr } from '../output.js'
import { parseSize } from '../units.js'
import { parseCount } from './worker.js'

interface ServeFlags extends ArchiveFlags, NetFlags {
  port: number
  host: string
  trustProxy?: boolean | string
  rate?: string[]
  exempt?: string
  noRateLimit?: boolean
  rateLimit?: boolean
  rateLimitStore?: string
  workers?: number
  worker?: boolean
  vaultCacheSize?: number
  vaultInlineMax?: number
  vaultImmediateMax?: number
}

function parsePort(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidInputError(`Invalid port "${v}"`)
  return n
}

/** Registers `serve`. */
export function registerServe(program: Command): void {
  addNetOptions(
    addArchiveOptions(
      program
        .command('serve')
        .summary('Serve the Web API and browse pages.')
        .description(
          `Serve the archive over HTTP: the Software Heritage compatible API under /api/1/ and the browse pages. Default: http://${DEFAULT_HOST}:${DEFAULT_PORT}/ (the archive is created on first run).`,
        )
        .option(
          '--port <port>',
          `Port to listen on (env ARCA_PORT, default ${DEFAULT_PORT}).`,
          parsePort,
        )
        .option('--host <host>', `Address to listen on (env ARCA_HOST, default ${DEFAULT_HOST}).`)
        .option(
          '--trust-proxy [proxies]',
          'Behind reverse proxies: believe X-Forwarded-* / Forwarded headers from these (comma list of loopback, linklocal, uniquelocal, addresses, CIDRs; or a hop count; the flag alone: loopback).',
        )
        .option(
          '--rate <scope=rate>',
          `Rate of a scope, e.g. swh_api=120/h (repeatable; scopes: ${Object.keys(DEFAULT_RATES).join(', ')}).`,
          (v: string, p: string[] | undefined) => [...(p ?? []), v],
        )
        .option(
          '--exempt <cidrs>',
          `Networks without rate limits (comma list, default ${DEFAULT_EXEMPT_NETWORKS.join(',')}; "none" for none).`,
        )
        .option(
          '--rate-limit-store <url>',
          'Count rate limits in Redis (redis://HOST:PORT), shared by every web process (env ARCA_RATE_LIMIT_STORE; default: in this process).',
        )
        .option('--no-rate-limit', 'Disable rate limiting.')
        .option(
          '--workers <n>',
          'Tasks the in-process worker runs at once (default 1 on the embedded SQLite store, none on PostgreSQL, where "arca worker" processes run them).',
          parseCount,
        )
        .option('--no-worker', 'Run no tasks in this process (leave them to "arca worker").')
        .option(
          '--vault-cache-size <size>',
          'Total size of the cooked vault bundles kept under DATA/vault (default 10GiB; least recently used evicted).',
          parseSize,
        )
        .option(
          '--vault-inline-max <size>',
          'Cook a vault bundle during its request when its estimate is at most this (default 16MiB; bigger ones are queued).',
          parseSize,
        )
        .option(
          '--vault-immediate-max <size>',
          'Stream a bundle not cooked yet at once from its raw URL when its estimate is at most this (default 256MiB; 0 disables it).',
          parseSize,
        )
        .addHelpText(
          'after',
          '\nSave Code Now push webhooks (/api/1/origin/save/webhook/FORGE/) are enabled per forge by its secret in ' +
            `the environment: ${WEBHOOK_FORGES.map((f) => `ARCA_WEBHOOK_SECRET_${f.toUpperCase()}`).join(', ')}.\n` +
            '\nExamples:\n  $ arca serve --data /srv/arca --port 8080\n' +
            '  $ arca serve --host 0.0.0.0 --trust-proxy loopback --rate swh_api=600/h',
        ),
    ),
  ).action(async (flags: ServeFlags) => {
    const loc = archiveLocation(flags)
    const rates: Record<string, Rate> = {}
    for (const r of flags.rate ?? []) {
      const [scope, rate] = parseScopedRate(r)
      rates[scope] = rate
    }
    const exempt =
      flags.exempt === undefined
        ? undefined
        : flags.exempt === 'none'
          ? []
          : flags.exempt.split(',').map((x) => x.trim())
    const trustProxy = flags.trustProxy ?? false
    proxyTrust(trustProxy) // a bad list is an error before anything starts
    const storeUrl = flags.rateLimitStore ?? process.env['ARCA_RATE_LIMIT_STORE']
    const counter =
      storeUrl && flags.rateLimit !== false ? await RedisRateCounter.connect(storeUrl) : undefined
    const archive = await openArchive({
      dataDir: loc.dataDir,
      storageUrl: loc.storageUrl,
      journalUrl: loc.journalUrl,
      contentStore: loc.contentStore,
      s3: loc.s3,
    })
    // Save Code Now takes every visit type this archive can load
    // the scrubber's tables, before any worker writes (the admin route reads them)
    await new ScrubStore(archive.backend.db).open()
    // Requests are checked when made (a name resolving to a refused address is rejected with the
    // reason) and their loads again at every connection, under the operator's network policy.
    const policy = netPolicy(flags)
    const saveCodeNow = await openSaveCodeNow(archive.backend.db, {
      visitTypes: visitTypes(),
      checkUrl: (url) => checkUrl(url, policy, { allowUnresolved: true }),
    })
    // Add Forge Now: requests name a lister type; the forge URL is checked as Save Code Now's
    const forgeQueue = new SqlTaskQueue(archive.backend.db, { ownsDatabase: false })
    await forgeQueue.open()
    const addForgeNow = new AddForgeNow({
      db: archive.backend.db,
      queue: forgeQueue,
      listerTypes: LISTER_TYPES,
      checkUrl: (url) => checkUrl(url, policy, { allowUnresolved: true }),
    })
    await addForgeNow.open()
    // push webhooks: a forge is enabled by its secret (environment only: never in argv)
    const webhookSecrets: Record<string, string> = {}
    for (const forge of WEBHOOK_FORGES) {
      const secret = process.env[`ARCA_WEBHOOK_SECRET_${forge.toUpperCase()}`]
      if (secret) webhookSecrets[forge] = secret
    }
    // the vault: small bundles cooked inline, others queued for the workers (on the archive's db)
    const vaultQueue = new SqlTaskQueue(archive.backend.db, { ownsDatabase: false })
    await vaultQueue.open()
    const view = maskedView(archive)
    const vault = archiveVault({
      storage: view.storage,
      objstorage: view.objstorage,
      dataDir: loc.dataDir,
      queue: vaultQueue,
      ...(flags.vaultCacheSize !== undefined ? { maxCacheBytes: flags.vaultCacheSize } : {}),
      ...(flags.vaultInlineMax !== undefined ? { inlineMaxBytes: flags.vaultInlineMax } : {}),
      ...(flags.vaultImmediateMax !== undefined
        ? { immediateMaxBytes: flags.vaultImmediateMax }
        : {}),
    })
    const port =
      flags.port ?? (process.env['ARCA_PORT'] ? parsePort(process.env['ARCA_PORT']) : DEFAULT_PORT)
    const host = flags.host ?? process.env['ARCA_HOST'] ?? DEFAULT_HOST
    const server = await startServer({
      archive,
      port,
      host,
      config: { trustProxy },
      saveCodeNow,
      // a bulk save's line without a visit type: probed under the same policy (a minute each)
      detectVisitType: async (url) => {
        try {
          return await probeVisitType(url, AbortSignal.timeout(60_000), policy)
        } catch (e) {
          if (isArcaError(e, 'not_found')) return null
          throw e
        }
      },
      addForgeNow,
      webhookSecrets,
      vault,
      rateLimits: {
        rates,
        ...(exempt ? { exemptNetworks: exempt } : {}),
        disabled: flags.rateLimit === false,
        ...(counter
          ? {
              counter,
              onCounterError: (e: unknown) => {
                if (counter.warnDue())
                  writeErr(
                    `arca: rate limit store ${storeUrl} failed (${(e as Error).message}); requests are let through until it is back`,
                  )
              },
            }
          : {}),
      },
    }).catch(async (e: unknown) => {
      // Nothing is served (e.g. the port is taken): release what was opened, then report.
      await counter?.close()
      await archive.close()
      throw e
    })
    writeErr(`arca: serving ${loc.dataDir} at ${server.url}/ (API: ${server.url}/api/1/)`)
    // the in-process worker: a save request completes with no other command
    const storageUrl = loc.storageUrl ?? defaultStorageUrl(loc.dataDir)
    const workers =
      flags.worker === false ? 0 : (flags.workers ?? (storageUrl.startsWith('sqlite:') ? 1 : 0))
    let scheduler: Scheduler | null = null
    let worker: Worker | null = null
    if (workers > 0) {
      scheduler = await openScheduler(storageUrl)
      const readable = process.stderr.isTTY === true
      worker = startHarvestWorker({
        archive,
        scheduler,
        concurrency: workers,
        log: (line) => writeErr(readable ? `arca worker: ${line}` : line),
        readable,
        net: { network: policy, limits: visitLimits(flags) },
      })
    }
    let stopping = false
    const stop = (): void => {
      if (stopping) process.exit(130)
      stopping = true
      void (worker ? worker.stop() : Promise.resolve())
        .then(() => scheduler?.close())
        .then(() => server.close())
        .then(() => counter?.close())
        .then(() => archive.close())
        .then(() => process.exit(0))
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    await new Promise(() => undefined)
  })
}
