/**
 * Where a re-visit resumes, after Software Heritage's `check_history_not_altered`: the last
 * loaded revision N is exported again (`svn export --ignore-keywords -r N`, with its externals
 * unless one is recursive), hashed, and made into its revision with the repository's UUID and
 * N's revision properties; when that gives the archived revision, history was not rewritten
 * and the replay resumes after N from the archived tree, with the file properties and
 * `svn:externals` read at N (`svn proplist -R`). Otherwise everything is loaded again.
 *
 * @module
 */

import { rmSync } from 'node:fs'
import { join } from 'node:path'

import { isArcaError } from '../../errors.js'
import { diskTree } from '../core/disk-tree.js'
import { isRecursiveExternal, parseExternals } from './externals.js'
import { exportPinned, type ReachOptions } from './nested-externals.js'
import {
  exportRevision,
  type PropsUnder,
  propsUnder,
  revisionProps,
  type SvnAccess,
  type SvnInfo,
} from './repo.js'
import { svnRevision } from './revision.js'
import { ToolError } from './tools.js'

/** The last revision an earlier visit loaded. */
export interface Loaded {
  readonly id: string
  /** Its svn revision number (`svn_revision`). */
  readonly rev: number
  readonly parents: readonly string[]
  readonly directory: string
}

/** What the check needs besides the repository. */
export interface ResumeOptions {
  readonly origin: string
  readonly maxContentSize: number
  /** A fresh scratch directory for the export. */
  readonly scratch: string
  readonly access: SvnAccess
  /**
   * Under a network policy: how the externals of the export are checked and reached
   * (`exportPinned`); with one refused, the tree is not exported (the first load left
   * it out) and only the revision's metadata is checked against the archived one.
   */
  readonly reach?: Omit<ReachOptions, 'access'> | undefined
}

/**
 * The state at the last loaded revision when history was not rewritten since (the same
 * revision id recomputed from the repository), else null.
 */
export async function resumeState(
  loaded: Loaded,
  info: SvnInfo,
  opts: ResumeOptions,
): Promise<PropsUnder | null> {
  let state: PropsUnder
  try {
    state = await propsUnder(info.root, loaded.rev, info.subpath, opts.access)
  } catch (e) {
    // the origin's path is not there at that revision: nothing to resume from
    if (e instanceof ToolError) return null
    throw e
  }
  const recursive = [...state.externals].some(([dir, raw]) =>
    [...parseExternals(raw, dir, opts.origin).values()]
      .flat()
      .some((d) => isRecursiveExternal(opts.origin, dir, d.path, d.url)),
  )
  const dest = join(opts.scratch, 'x')
  let directory = ''
  try {
    // the origin's path (SWH exports the root and takes that path)
    const url = info.subpath.length === 0 ? info.root : info.url
    if (!recursive && opts.reach) {
      // under a network policy, the externals are exported by Arca at the addresses checked;
      // with one refused, the tree cannot be exported as the first load saw it: its metadata
      // is checked alone
      const refused = await exportPinned(url, loaded.rev, loaded.rev, dest, {
        ...opts.reach,
        access: opts.access,
      }).then(
        () => false,
        (e: unknown) => {
          if (isArcaError(e, 'forbidden')) return true
          throw e
        },
      )
      if (refused) directory = loaded.directory
    } else await exportRevision(url, loaded.rev, dest, recursive, opts.access)
    if (directory === '') {
      for await (const o of diskTree(dest, {
        maxContentSize: opts.maxContentSize,
        origin: opts.origin,
        signal: opts.access.signal,
      }))
        if (o.type === 'directory') directory = o.object.id
    }
  } finally {
    rmSync(dest, { recursive: true, force: true })
  }
  const props = await revisionProps(info.root, loaded.rev, opts.access)
  const again = svnRevision({
    rev: loaded.rev,
    props,
    uuid: info.uuid,
    directory,
    parents: loaded.parents,
  })
  return again.id === loaded.id ? state : null
}
