/**
 * The fetch of a git visit: decide what to fetch (tips the archive already holds need nothing),
 * tell the remote which commits the archive has (the heads of this origin's previous snapshot
 * and of related origins), and receive the pack into a scratch repository indexed by git. When
 * the remote cannot send everything at once the wanted tips are fetched in halves
 * (`fetch-plan.ts`), and the refs it cannot serve are named.
 *
 * @module
 */

import { once } from 'node:events'

import { errorMessage } from '../../errors.js'
import { gitEnv } from '../../fromdisk/index.js'
import type { ReleaseTargetType } from '../../model/index.js'
import type { LoadContext } from '../core/types.js'
import { startChild } from './child.js'
import { fatalFetchError, packError, removePartialPacks } from './fetch-errors.js'
import { fetchInHalves } from './fetch-plan.js'
import { type RemoteRef, type SessionOptions, UploadPackSession } from './protocol.js'
import { runGit } from './run-git.js'

/** Haves offered to the remote at most (the most recent heads first). */
const MAX_HAVES = 1024

/** Where and how a visit fetches. */
export interface FetchTarget {
  /** The origin URL (shown in messages). */
  readonly url: string
  /** The URL fetched from (credentials included: never shown). */
  readonly fetchUrl: string
  readonly session: SessionOptions
  /** Origins this one is a fork of. */
  readonly forkOf: readonly string[]
}

/** What a fetch found and brought. */
export interface Fetched {
  /** The tips the archive already held, by kind. */
  readonly archived: ReadonlyMap<string, ReleaseTargetType>
  /** The scratch repository holding the fetched pack, if anything was fetched. */
  readonly scratch: string | null
}

/**
 * Fetches the objects of `refs` that the archive lacks over `session` into a new scratch
 * repository. Refs the remote cannot serve are reported to `ctx` as unavailable.
 */
export async function fetchNew(
  ctx: LoadContext,
  target: FetchTarget,
  session: UploadPackSession,
  refs: readonly RemoteRef[],
): Promise<Fetched> {
  const tips = [...new Set(refs.flatMap((r) => (r.oid ? [r.oid] : [])))]
  const archived = await ctx.classify(tips)
  const wants = tips.filter((t) => !archived.has(t))
  if (wants.length === 0) return { archived, scratch: null }
  const haves = await findHaves(ctx, target.forkOf, archived)
  const scratch = ctx.scratch('git')
  await runGit(scratch, ['init', '--bare', '-q', scratch])
  ctx.stats.fetches++
  try {
    await fetchPack(ctx, target, scratch, session, wants, haves)
  } catch (e) {
    if (fatalFetchError(e, ctx.signal)) throw e
    // The remote could not send everything at once (often a corrupt or missing object on its
    // side): fetch the wanted tips in halves, so that everything it can send is archived in
    // few fetches, and name the refs it cannot serve.
    await session.abort()
    const plan = await fetchInHalves(
      wants,
      e,
      async (some, someHaves) => {
        const one = await UploadPackSession.open(target.fetchUrl, ctx.signal, target.session)
        try {
          await fetchPack(ctx, target, scratch, one, some, someHaves)
        } catch (err) {
          await one.abort()
          throw err
        } finally {
          await one.close()
        }
      },
      { haves, maxHaves: MAX_HAVES, fatal: (err) => fatalFetchError(err, ctx.signal) },
    )
    ctx.stats.fetches += plan.fetches
    for (const { want, error } of plan.failed) {
      const names = refs.filter((r) => r.oid === want).map((r) => r.name.toString('latin1'))
      ctx.unavailable(
        want,
        `could not fetch ${names.join(', ') || want} (${want}): ${errorMessage(error)}`,
      )
    }
    // Nothing new came and the archive holds none of the refs: there is no snapshot to make.
    if (plan.fetched.length === 0 && archived.size === 0) throw plan.failed[0]?.error ?? e
  }
  return { archived, scratch }
}

/**
 * Fetches a pack for `wants` into the scratch repository (indexed, ids checked by git). On any
 * failure the session is aborted, `index-pack` killed and its partial files removed.
 */
async function fetchPack(
  ctx: LoadContext,
  target: FetchTarget,
  scratch: string,
  session: UploadPackSession,
  wants: readonly string[],
  haves: readonly string[],
): Promise<void> {
  const index = startChild('git', ['-C', scratch, 'index-pack', '--stdin', '--keep'], {
    env: gitEnv(scratch),
    stdin: 'pipe',
    signal: ctx.signal,
  })
  const stdin = index.proc.stdin!
  // Rejects if index-pack ends before it was given the whole pack.
  const indexGone = index.exited.then((x) => {
    throw packError(
      target.url,
      scratch,
      index.stderr() || `index-pack ended (${x.code ?? x.signal})`,
    )
  })
  indexGone.catch(() => undefined)
  const stats = ctx.stats
  try {
    await session.fetch(
      wants,
      haves,
      async (chunk) => {
        stats.fetchedBytes += chunk.length
        ctx.report('fetch', { bytes: stats.fetchedBytes })
        if (index.done) await indexGone
        // A write error (EPIPE) means index-pack is gone: its exit tells why.
        if (!stdin.write(chunk))
          await Promise.race([once(stdin, 'drain').catch(() => indexGone), indexGone])
      },
      ctx.signal,
    )
    stdin.end()
    const { code } = await index.exited
    if (code !== 0) throw packError(target.url, scratch, index.stderr())
  } catch (e) {
    await Promise.all([index.kill(), session.abort()])
    removePartialPacks(scratch)
    throw e
  }
}

/** Commits the archive has that the remote probably has too. */
async function findHaves(
  ctx: LoadContext,
  forkOf: readonly string[],
  archived: ReadonlyMap<string, ReleaseTargetType>,
): Promise<string[]> {
  const storage = ctx.storage
  const snapshots: string[] = []
  if (ctx.previousSnapshot) snapshots.push(ctx.previousSnapshot)
  for (const other of forkOf) {
    const latest = await storage.originVisitGetLatest(other, { requireSnapshot: true })
    if (latest?.status.snapshot) snapshots.push(latest.status.snapshot)
  }
  const haves: string[] = [...archived].filter(([, k]) => k === 'revision').map(([id]) => id)
  for (const snp of snapshots) {
    let from: Uint8Array | undefined
    for (;;) {
      const page = await storage.snapshotGetBranches(snp, {
        targetTypes: ['revision'],
        branchesCount: 1000,
        ...(from ? { branchesFrom: from } : {}),
      })
      if (!page) break
      for (const b of page.branches)
        if (b.target && b.target.targetType === 'revision') haves.push(b.target.target)
      if (!page.nextBranch || haves.length >= MAX_HAVES * 4) break
      from = page.nextBranch
    }
  }
  return [...new Set(haves)].slice(0, MAX_HAVES)
}
