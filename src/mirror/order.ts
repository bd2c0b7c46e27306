/**
 * Dependency ordering of a batch of objects: which may be written now, in what order, and
 * which are held back, waiting for what.
 *
 * An object is ready when each object it references is present in the archive or ready before
 * it in the same batch; the ready ones come out dependencies first (Kahn's topological sort:
 * linear in the number of references, whatever the order of the batch). An object waiting for
 * anything neither present nor in the batch is held back, and so is everything waiting for it.
 * Ids are hashes of the content they name, so real objects cannot form a cycle; should a batch
 * hold one anyway, its members never become ready (they are held, never written).
 *
 * Pure: presence is asked by the caller beforehand.
 *
 * @module
 */

/** What the ordering needs of an object: its key and the keys it references. */
export interface Orderable {
  readonly key: string
  readonly waitsFor: readonly string[]
}

/** The outcome of {@link orderBatch}. */
export interface Ordered<T extends Orderable> {
  /** The objects to write now, dependencies first (duplicates of one key kept, in place). */
  readonly ready: T[]
  /** The keys of the ready objects. */
  readonly readyKeys: Set<string>
  /** The others, each with what it still waits for (neither present nor ready). */
  readonly held: (T & { waitsFor: string[] })[]
}

/**
 * Orders `batch` given the keys `present` in the archive (see the module documentation). A
 * reference of an object to itself is ignored.
 *
 * @example
 * ```ts
 * orderBatch([{ key: 'dir', waitsFor: ['cnt'] }, { key: 'cnt', waitsFor: [] }], new Set())
 * // ready: cnt, dir
 * ```
 */
export function orderBatch<T extends Orderable>(
  batch: readonly T[],
  present: ReadonlySet<string>,
): Ordered<T> {
  const inBatch = new Set(batch.map((d) => d.key))
  const unmet = new Map<T, number>()
  const dependents = new Map<string, T[]>()
  const ready: T[] = []
  const queue: T[] = []
  for (const d of batch) {
    let n = 0
    for (const w of d.waitsFor) {
      if (present.has(w) || !inBatch.has(w) || w === d.key) continue
      n++
      let list = dependents.get(w)
      if (!list) dependents.set(w, (list = []))
      list.push(d)
    }
    const missingOutside = d.waitsFor.some((w) => !present.has(w) && !inBatch.has(w))
    unmet.set(d, missingOutside ? Number.POSITIVE_INFINITY : n)
    if (n === 0 && !missingOutside) queue.push(d)
  }
  const readyKeys = new Set<string>()
  for (let q = 0; q < queue.length; q++) {
    const d = queue[q]!
    ready.push(d)
    if (readyKeys.has(d.key)) continue // a duplicate record of the same object
    readyKeys.add(d.key)
    for (const dep of dependents.get(d.key) ?? []) {
      const left = unmet.get(dep)! - 1
      unmet.set(dep, left)
      if (left === 0) queue.push(dep)
    }
  }
  const readySet = new Set(ready)
  const held = batch
    .filter((d) => !readySet.has(d))
    .map((d) => ({
      ...d,
      waitsFor: d.waitsFor.filter((w) => !present.has(w) && !readyKeys.has(w)),
    }))
  return { ready, readyKeys, held }
}
