/**
 * Grouping CVS file revisions into changesets, as Software Heritage's CVS loader does (its
 * cvs2gitdump-derived walker): per file, the revisions are taken in date order (ties: higher
 * revision number first, compared as strings), trunk only (plus the vendor branch `1.1.1.x`
 * that `cvs import` makes, until a trunk commit `1.2+` supersedes it); a file revision joins a
 * changeset of the same branch name (`HEAD` or `VENDOR`), author and log message when both
 * have the same commitid, or when neither has one and their dates are within
 * {@link CHANGESET_FUZZ_SEC} of the changeset's window. Changesets are then ordered by their
 * earliest date (ties: commitid, then log message, branch, author).
 *
 * @module
 */

import sortedBtree from 'sorted-btree'

import type { RcsDelta } from './rcs.js'

/**
 * The B+ tree class. The package is CommonJS marked `__esModule`: Node gives its exports
 * object as the default import, Vite (the tests) its `default` export.
 */
const BTree: typeof sortedBtree.default =
  (sortedBtree as Partial<typeof sortedBtree>).default ??
  (sortedBtree as unknown as typeof sortedBtree.default)
type Windows = InstanceType<typeof BTree<number, Span>>

/** Seconds within which file revisions without a commitid join one changeset (SWH: 300). */
export const CHANGESET_FUZZ_SEC = 300

/** One file's revision in a changeset. */
export interface FileRev {
  /** Index of the file in the walk. */
  readonly file: number
  readonly rev: string
  readonly dead: boolean
}

/** A changeset: what one CVS commit (as far as it can be told) changed. */
export interface Changeset {
  readonly branch: string
  readonly author: Uint8Array
  readonly log: Uint8Array
  readonly commitid: string | null
  minTime: number
  maxTime: number
  readonly revs: FileRev[]
}

function cmp<T extends string | number | bigint>(a: T | null, b: T | null): number {
  if (a !== null && b !== null) return a < b ? -1 : a > b ? 1 : 0
  return (a !== null ? 1 : 0) - (b !== null ? 1 : 0)
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

/** cvs2gitdump's log "hash": the log's bytes as digits of a base-31 number (exact). */
function logHash(log: Uint8Array): bigint {
  let h = 0n
  for (const c of log) h = 31n * h + BigInt(c)
  return h
}

/**
 * cvs2gitdump's comparison of two changesets: 0 for "the same changeset", otherwise the order.
 */
export function compareChangesets(a: Changeset, b: Changeset, fuzz: number): number {
  const cid = cmp(a.commitid, b.commitid)
  if (cid === 0 && a.commitid !== null) return 0
  const ma = b.minTime - a.maxTime
  const mi = a.minTime - b.maxTime
  const ct = a.minTime - b.minTime
  if (ma > fuzz || mi > fuzz) return ct
  if (cid !== 0) return ct === 0 ? cid : ct
  let c = cmpBytes(a.log, b.log) === 0 ? 0 : cmp(logHash(a.log), logHash(b.log))
  if (c === 0) c = cmp(a.branch, b.branch)
  if (c === 0) c = cmpBytes(a.author, b.author)
  if (c === 0) return 0
  return ct !== 0 ? ct : c
}

/** A changeset without commitid in its key's time order, with when it was added. */
interface Span {
  readonly cs: Changeset
  readonly seq: number
}

/** The revisions of one file, in what they give the changesets. */
export interface FileHistory {
  readonly file: number
  readonly symbols: ReadonlyMap<string, string>
  readonly deltas: ReadonlyMap<string, RcsDelta>
  log(rev: string): Uint8Array
}

/** Collects changesets from the files of a module, one file at a time. */
export class ChangesetCollector {
  /** Changesets in insertion order (a merged one moves to the end, as in a Python dict). */
  readonly #all = new Set<Changeset>()
  /** Changesets with a commitid, by branch, author, log and commitid: at most one each. */
  readonly #byCommit = new Map<string, Changeset>()
  /**
   * Changesets without a commitid, by branch, author and log (what cvs2gitdump hashes), by the
   * start of their window: no two of one key are within the fuzz of each other (they would have
   * been merged), so their windows are disjoint and their starts distinct.
   */
  readonly #spans = new Map<string, Windows>()
  /** Insertion counter: the first changeset found is the earliest added, as a Set iterates. */
  #seq = 0
  readonly #fuzz: number

  constructor(fuzz: number = CHANGESET_FUZZ_SEC) {
    this.#fuzz = fuzz
  }

  /** Adds the trunk (and vendor-branch) revisions of a file. */
  addFile(h: FileHistory): void {
    const branches = new Map<string, string>([
      ['1', 'HEAD'],
      ['1.1.1', 'VENDOR'],
    ])
    for (const [name, rev] of h.symbols) {
      const r = rev.split('.')
      if (r.length === 3) branches.set(rev, 'VENDOR')
      else if (r.length >= 3 && r[r.length - 2] === '0')
        branches.set([...r.slice(0, -2), r[r.length - 1]].join('.'), name)
    }
    const revs = [...h.deltas.values()]
    revs.sort((a, b) => (a.rev < b.rev ? 1 : a.rev > b.rev ? -1 : 0))
    revs.sort((a, b) => a.date - b.date)
    let novendor = false
    let haveInitial = false
    let lastVendorStatus: string | null = null
    for (const d of revs) {
      const r = d.rev.split('.')
      if (r.length === 4 && r[0] === '1' && r[1] === '1' && r[2] === '1' && r[3] === '1') {
        if (haveInitial || d.state === 'dead') continue
        lastVendorStatus = d.state
        haveInitial = true
      } else if (r.length === 4 && r[0] === '1' && r[1] === '1' && r[2] === '1') {
        if (novendor) continue
        lastVendorStatus = d.state
      } else if (r.length === 2) {
        branches.set(r[0]!, 'HEAD')
        if (r[0] === '1' && r[1] === '1') {
          if (haveInitial || d.state === 'dead') continue
          haveInitial = true
        } else if (r[0] === '1' && r[1] !== '1') novendor = true
        if (lastVendorStatus === 'dead' && d.state === 'dead') {
          lastVendorStatus = null
          continue
        }
        lastVendorStatus = null
      } else continue // trunk only
      const branch = branches.get(r.slice(0, -1).join('.'))
      if (branch === undefined) continue
      this.#add({
        branch,
        author: d.author,
        log: h.log(d.rev),
        commitid: d.commitid,
        minTime: d.date,
        maxTime: d.date,
        revs: [{ file: h.file, rev: d.rev, dead: d.state === 'dead' }],
      })
    }
  }

  /**
   * Adds a file revision's changeset, merged with those of its key that compare equal (SWH
   * compares it with every changeset of the key, in insertion order; the same result is found
   * here by commitid or by a search of the key's ordered time windows, so that a history with
   * thousands of commits of one author and message is not quadratic).
   */
  #add(a: Changeset): void {
    const key = `${a.branch}\0${Buffer.from(a.author).toString('latin1')}\0${Buffer.from(a.log).toString('latin1')}`
    if (a.commitid !== null) {
      // equal only to the changeset of the same commitid, whatever the dates
      const k = `${key}\0${a.commitid}`
      const found = this.#byCommit.get(k)
      if (found) a = this.#merge(found, a)
      this.#byCommit.set(k, a)
      this.#all.add(a)
      return
    }
    let spans = this.#spans.get(key)
    if (!spans) this.#spans.set(key, (spans = new BTree<number, Span>()))
    const fuzz = this.#fuzz
    for (;;) {
      // equal to those whose window is within the fuzz of a's: the window starting last before
      // that range (it may reach into it) and those starting in it
      const from = a.minTime - fuzz
      const to = a.maxTime + fuzz
      let best: Span | undefined
      const before = spans.nextLowerPair(from)
      if (before && before[1].cs.maxTime >= from) best = before[1]
      spans.forRange(from, to, true, (_k, s) => {
        if (best === undefined || s.seq < best.seq) best = s
      })
      if (best === undefined) break
      spans.delete(best.cs.minTime)
      a = this.#merge(best.cs, a)
    }
    spans.set(a.minTime, { cs: a, seq: this.#seq++ })
    this.#all.add(a)
  }

  /** `a` merged into `found` (which keeps its place in neither order: it is added anew). */
  #merge(found: Changeset, a: Changeset): Changeset {
    this.#all.delete(found)
    found.maxTime = Math.max(found.maxTime, a.maxTime)
    found.minTime = Math.min(found.minTime, a.minTime)
    found.revs.push(...a.revs)
    return found
  }

  /** The changesets in history order. */
  sorted(): Changeset[] {
    return [...this.#all].sort((a, b) => compareChangesets(a, b, this.#fuzz))
  }
}
