/**
 * `arca remove`: deleting an origin or an object subgraph for real (legal removals, personal
 * data), unlike a takedown's masking. The steps, each recorded in the `removal` audit table so
 * that a removal killed at any point finishes when run again:
 *
 * 1. plan (`remove-plan.ts`): what goes, top-down; recorded with the removal (`planned`);
 * 2. the encrypted recovery bundle of every removed object (`remove-bundle.ts`; `bundled`);
 * 3. the objects are masked under the removal's id (the feed then withholds the journal's old
 *    records of them from mirrors that start later), then deleted in plan order, rows then
 *    content bytes, in batches (`deleted`); a rerun deletes what is left (deleting what is gone
 *    is a no-op);
 * 4. publication on the journal (`takedown` topic, action `remove`) so that every mirror removes
 *    the same objects (`done`).
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

import { InvalidInputError } from '../errors.js'
import { encodeRecord, type JournalWriter } from '../journal/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { RemovalRecord } from '../storage/index.js'
import { writeBundle } from './remove-bundle.js'
import {
  type PlanProgress,
  planRemoval,
  type RemovalBackend,
  type RemovalPlan,
} from './remove-plan.js'

/** SWHIDs per journal record of a removal (keeps records far below NATS' 1 MiB limit). */
export const SWHIDS_PER_RECORD = 2000

/** Progress of a removal. */
export type RemoveProgress =
  | ({ readonly step: 'plan' } & PlanProgress)
  | { readonly step: 'bundle' }
  | { readonly step: 'delete'; readonly done: number; readonly total: number }
  | { readonly step: 'journal'; readonly done: number; readonly total: number }

/** Options of {@link remove}. */
export interface RemoveOptions {
  readonly backend: RemovalBackend
  readonly objstorage: ObjStorage
  /** Where the removal is published for mirrors (unset: not published). */
  readonly journal?: JournalWriter
  /** Origin URLs and SWHIDs to remove. */
  readonly roots: readonly string[]
  readonly reason: string
  /** Who removes (recorded in the audit table and the bundle). */
  readonly actor: string
  /** Only compute and return the plan. */
  readonly dryRun?: boolean
  /** age recipients of the recovery bundle; none: no bundle (only with `noBundle`). */
  readonly recipients?: readonly string[]
  /** Remove without a recovery bundle (cannot be undone). */
  readonly noBundle?: boolean
  /** Directory of recovery bundles. */
  readonly bundleDir: string
  readonly onProgress?: (p: RemoveProgress) => void
  /** Objects deleted per batch (default 500). */
  readonly batchSize?: number
}

/** What {@link remove} did. */
export interface RemoveOutcome {
  /** The plan (computed now, or loaded back when an interrupted removal was resumed). */
  readonly plan: RemovalPlan
  /** The audit record (null for a dry run). */
  readonly removal: RemovalRecord | null
  /** Whether an interrupted removal of the same roots was finished. */
  readonly resumed: boolean
}

const sameRoots = (a: readonly string[], b: readonly string[]): boolean =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort())

async function loadSwhids(backend: RemovalBackend, id: string): Promise<string[]> {
  const out: string[] = []
  for (;;) {
    const part = await backend.removalObjects(id, out.length, 10_000)
    out.push(...part)
    if (part.length < 10_000) return out
  }
}

/** Removes `roots` (see the module documentation). */
export async function remove(options: RemoveOptions): Promise<RemoveOutcome> {
  const { backend } = options
  const progress = options.onProgress ?? (() => {})
  if (options.reason.trim() === '') throw new InvalidInputError('A removal needs a --reason')
  const recipients = options.recipients ?? []
  if (!options.dryRun && recipients.length === 0 && !options.noBundle)
    throw new InvalidInputError(
      'A removal writes an encrypted recovery bundle: give --recipient age1… (or a recipients file), or --no-bundle',
    )
  const open = (await backend.removalList()).find(
    (r) =>
      (r.state === 'planned' || r.state === 'bundled' || r.state === 'deleted') &&
      sameRoots(r.roots, options.roots),
  )
  let record: RemovalRecord
  let swhids: string[]
  let plan: RemovalPlan
  if (open && !options.dryRun) {
    record = open
    swhids = await loadSwhids(backend, open.id)
    plan = { roots: open.roots, swhids, counts: open.counts, kept: 0 }
  } else {
    plan = await planRemoval(backend, options.roots, {
      onProgress: (p) => progress({ step: 'plan', ...p }),
    })
    if (options.dryRun) return { plan, removal: null, resumed: false }
    swhids = [...plan.swhids]
    const date = new Date()
    record = {
      id: `rm-${date.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`,
      date,
      actor: options.actor,
      reason: options.reason,
      roots: [...options.roots],
      counts: plan.counts,
      state: 'planned',
      bundle: null,
      finished: null,
    }
    await backend.removalCreate(record, swhids)
  }
  if (record.state === 'planned') {
    let bundle: string | null = null
    if (recipients.length > 0) {
      progress({ step: 'bundle' })
      await mkdir(options.bundleDir, { recursive: true })
      // A bundle left half-written by a killed run (temporary name) is written again.
      for (const f of await readdir(options.bundleDir))
        if (f.startsWith(`${record.id}.age.tmp-`))
          await rm(join(options.bundleDir, f), { force: true })
      bundle = join(options.bundleDir, `${record.id}.age`)
      await writeBundle(backend, options.objstorage, record, swhids, recipients, bundle)
    }
    await backend.removalUpdate(record.id, { state: 'bundled', bundle })
    record = { ...record, state: 'bundled', bundle }
  }
  if (record.state === 'bundled') {
    // Masked first (under the removal's id): the journal's old records of these objects are
    // withheld from the feed from now on, so that a mirror starting later never copies them.
    await backend.maskSet(record.id, `removal: ${record.reason}`, swhids, 'restricted', record.date)
    const batch = options.batchSize ?? 500
    for (let i = 0; i < swhids.length; i += batch) {
      await backend.removeObjects(swhids.slice(i, i + batch))
      progress({ step: 'delete', done: Math.min(i + batch, swhids.length), total: swhids.length })
    }
    await backend.removalUpdate(record.id, { state: 'deleted' })
    record = { ...record, state: 'deleted' }
  }
  if (record.state === 'deleted') {
    if (options.journal) {
      const parts = Math.max(1, Math.ceil(swhids.length / SWHIDS_PER_RECORD))
      for (let p = 0; p < parts; p++) {
        await options.journal.append('takedown', [
          encodeRecord('takedown', {
            id: parts === 1 ? record.id : `${record.id}/${p + 1}-of-${parts}`,
            swhids: swhids.slice(p * SWHIDS_PER_RECORD, (p + 1) * SWHIDS_PER_RECORD),
            action: 'remove',
            reason: record.reason,
            date: record.date,
          }),
        ])
        progress({ step: 'journal', done: p + 1, total: parts })
      }
    }
    const finished = new Date()
    await backend.removalUpdate(record.id, { state: 'done', finished })
    record = { ...record, state: 'done', finished }
  }
  return { plan, removal: record, resumed: open !== undefined && !options.dryRun }
}
