/**
 * The pack writer's side of blob deltas (`delta.ts`): gives each batch of blobs the bases at
 * hand (the deflate pool's worker makes the deltas, and sends a blob whole when its delta would
 * not pay): a base in the same batch is that input itself; one of an earlier batch is sent
 * with the batch, from the bytes kept of the blobs later batches use (up to
 * {@link BASE_BUDGET}, dropped after their last use); and the reference to a base once it is
 * written (its offset for `OFS_DELTA`, its id for `REF_DELTA`).
 *
 * @module
 */

import { BASE_BUDGET, type DeltaBases, OFS_DELTA, ofsDistance, REF_DELTA } from './delta.js'

/** A batch of blobs with the bases of their deltas. */
export interface ChosenDeltas {
  /** The blobs, then the bases (each once). */
  readonly inputs: Uint8Array[]
  /** For the deflate pool: the index in `inputs` of each blob's base, or -1. */
  readonly inputBases: number[]
  /** The plan index of each blob's base, or -1. */
  readonly bases: number[]
}

/** Delta bookkeeping of one pack. */
export class BlobDeltas {
  readonly #bases: DeltaBases
  readonly #ofs: boolean
  readonly #bytes = new Map<number, Uint8Array>()
  #held = 0
  readonly #written = new Map<number, { readonly offset: number; readonly id: string }>()

  constructor(bases: DeltaBases, kind: 'ofs' | 'ref') {
    this.#bases = bases
    this.#ofs = kind === 'ofs'
  }

  /**
   * The bases of the blobs `inputs` (the first at plan index `first`) that are at hand: a base
   * in the same batch is the input itself (neither copied nor sent twice), an earlier one is
   * sent after the blobs; keeps the blobs a later batch uses, drops the bases used for the last
   * time.
   */
  choose(first: number, inputs: readonly Uint8Array[]): ChosenDeltas {
    const all = [...inputs]
    const inputBases: number[] = []
    const bases: number[] = []
    const at = new Map<number, number>()
    const last = first + inputs.length - 1
    for (let k = 0; k < inputs.length; k++) {
      const index = first + k
      const target = inputs[k]!
      const b = this.#bases.baseOf(index)
      if (b >= first) {
        inputBases.push(b - first)
        bases.push(b)
      } else {
        const base = b >= 0 ? this.#bytes.get(b) : undefined
        if (base === undefined) {
          inputBases.push(-1)
          bases.push(-1)
        } else {
          let slot = at.get(b)
          if (slot === undefined) {
            slot = all.push(base) - 1
            at.set(b, slot)
          }
          inputBases.push(slot)
          bases.push(b)
          if (this.#bases.lastUseOf(b) <= index) {
            this.#bytes.delete(b)
            this.#held -= base.length
          }
        }
      }
      if (this.#bases.lastUseOf(index) > last && this.#held + target.length <= BASE_BUDGET) {
        this.#bytes.set(index, target.slice())
        this.#held += target.length
      }
    }
    return { inputs: all, inputBases, bases }
  }

  /** Records that the blob at plan index `index` was written at `offset`. */
  written(index: number, offset: number, id: string): void {
    if (this.#bases.lastUseOf(index) > index) this.#written.set(index, { offset, id })
  }

  /**
   * The entry type and base reference of blob `index`'s delta against blob `base`, the delta
   * being written at `offset`.
   */
  reference(base: number, index: number, offset: number): { type: number; bytes: Uint8Array } {
    const w = this.#written.get(base)
    if (w === undefined) throw new Error(`pack: the base of blob ${index} was not written`)
    if (this.#bases.lastUseOf(base) <= index) this.#written.delete(base)
    return this.#ofs
      ? { type: OFS_DELTA, bytes: ofsDistance(offset - w.offset) }
      : { type: REF_DELTA, bytes: Buffer.from(w.id, 'hex') }
  }
}
