/**
 * Protocol v2's capability advertisement and the `ls-refs` command (`gitprotocol-v2`): reading
 * the `version 2` advertisement (a server without it speaks only version 0), writing the
 * `ls-refs` request and reading its ref lines, symref targets and unborn HEAD included.
 *
 * @module
 */

import { ArcaError } from '../../errors.js'
import { DELIM, FLUSH, pkt } from './pkt-line.js'

/** The agent Arca names itself with (`agent=` capability, HTTP User-Agent). */
export const AGENT = 'arca/0.1'

/** A ref advertised by the remote. `oid` is null for an unborn ref (empty repository HEAD). */
export interface RemoteRef {
  readonly name: Buffer
  readonly oid: string | null
  /** Target of a symbolic ref (HEAD → refs/heads/main). */
  readonly symref: Buffer | null
}

/** The server speaks only protocol version 0. */
export class ProtocolV0Error extends ArcaError {
  override readonly name = 'ProtocolV0Error'
  constructor(message: string) {
    super('unavailable', message)
  }
}

/**
 * The capabilities after the `version 2` line: `key` or `key=value` lines, as a map (a key
 * without a value maps to ''). Throws ProtocolV0Error when there is no `version 2` line.
 */
export function parseCapabilities(lines: readonly Buffer[], where: string): Map<string, string> {
  const text = lines.map((l) => l.toString('utf8'))
  const v = text.findIndex((l) => l === 'version 2')
  if (v < 0) throw new ProtocolV0Error(`${where} does not speak git protocol version 2`)
  const caps = new Map<string, string>()
  for (const l of text.slice(v + 1)) {
    const eq = l.indexOf('=')
    caps.set(eq < 0 ? l : l.slice(0, eq), eq < 0 ? '' : l.slice(eq + 1))
  }
  return caps
}

/** The `ls-refs` request: symref targets always, the unborn HEAD when `lsCaps` offers it. */
export function lsRefsRequest(lsCaps: string): Buffer {
  const args = [pkt('symrefs\n')]
  if (lsCaps.split(' ').includes('unborn')) args.push(pkt('unborn\n'))
  return Buffer.concat([pkt('command=ls-refs\n'), pkt(`agent=${AGENT}\n`), DELIM, ...args, FLUSH])
}

/**
 * One `ls-refs` output line (without its newline): `<oid> <name>[ symref-target:<t>][ peeled:
 * <oid>]` or `unborn <name> symref-target:<t>`.
 */
export function parseRefLine(line: Buffer): RemoteRef {
  const sp = line.indexOf(0x20)
  const head = line.subarray(0, sp).toString('latin1')
  let rest = line.subarray(sp + 1)
  let symref: Buffer | null = null
  const attrs = [' symref-target:', ' peeled:']
  for (;;) {
    let found = false
    for (const a of attrs) {
      const i = rest.lastIndexOf(a)
      if (i >= 0) {
        if (a === ' symref-target:') symref = Buffer.from(rest.subarray(i + a.length))
        rest = rest.subarray(0, i)
        found = true
        break
      }
    }
    if (!found) break
  }
  return { name: Buffer.from(rest), oid: head === 'unborn' ? null : head, symref }
}
