/**
 * Which SWHIDs are masked (takedowns), asked of the masking tables in one query per batch, and
 * the error the web shows for them; used by the masking layer (`masking.ts`).
 *
 * @module
 */

import { MaskedError } from '../../errors.js'
import { originId, parseExtendedSwhid, swhidString } from '../../model/index.js'
import type { AbortOptions, Storage } from '../interface.js'

/** The `swh:1:ori:` SWHID of an origin URL. */
export function originSwhid(url: string): string {
  return swhidString('ori', originId(url))
}

/** Answers "which of these SWHIDs are masked" and raises the error the web shows. */
export class MaskChecker {
  constructor(readonly source: Pick<Storage, 'maskedGet' | 'maskedAny'>) {}

  /**
   * Starts the "is anything masked" probe of {@link masked}, to pass it there: a read started
   * with its probe waits for one database round trip instead of two. Start it when the read
   * starts, not earlier, so that every mask committed before the read is seen.
   */
  probe(options?: AbortOptions): Promise<boolean> {
    const p = this.source.maskedAny(options)
    p.catch(() => undefined) // awaited by `masked`; not unhandled if the read fails first
    return p
  }

  /** The masked ones among `swhids` (strings), with what masks them. */
  async masked(
    swhids: readonly string[],
    options?: AbortOptions,
    probe?: Promise<boolean>,
  ): Promise<ReadonlyMap<string, readonly { requestId: string; state: string }[]>> {
    if (swhids.length === 0) return new Map()
    // Most archives mask nothing: one probe then spares parsing and naming every SWHID.
    if (!(await (probe ?? this.source.maskedAny(options)))) return new Map()
    const unique = [...new Set(swhids)]
    return this.source.maskedGet(
      unique.map((s) => parseExtendedSwhid(s)),
      options,
    )
  }

  /** Throws {@link MaskedError} (with Software Heritage's `masked` details) if any is masked. */
  async check(swhids: readonly string[], options?: AbortOptions): Promise<void> {
    const masked = await this.masked(swhids, options)
    if (masked.size === 0) return
    const details: Record<string, { request: string; state: string }[]> = {}
    for (const [swhid, states] of masked)
      details[swhid] = states.map((m) => ({ request: m.requestId, state: m.state }))
    throw new MaskedError(`Some objects are masked: ${[...masked.keys()].join(', ')}`, {
      details: { masked: details },
    })
  }
}
