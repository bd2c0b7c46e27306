/**
 * git's `upload-pack` service over smart HTTP, answered from the archive, in protocol v0
 * (stateless RPC: `multi_ack_detailed`, `side-band-64k`, `shallow`) and v2 (`ls-refs`,
 * `fetch` with `shallow`), as gitprotocol-pack, gitprotocol-v2 and gitprotocol-http describe.
 *
 * Negotiation: every `have` the archive holds as a revision is common (the archive keeps the
 * whole history of what it holds, so the client has everything below it); "ready" is never
 * sent, the client ends with `done` when its haves run out. A `deepen N` keeps N commits on
 * each path, its boundary sent as `shallow` lines.
 *
 * The module parses requests and plans the pack; the route streams it.
 *
 * @module
 */

import { type AbortOptions, InvalidInputError, NotFoundError } from '../../errors.js'
import { isSha1Hex, latin1 } from '../../model/index.js'
import type { MaskedView } from '../../storage/index.js'
import {
  type GitRef,
  type GitRefs,
  type PackPlan,
  type PackRequest,
  type PackWant,
  planPack,
} from '../../vault/index.js'
import { DELIM, FLUSH, type Packet, packetText, parsePackets, pkt } from './pkt-line.js'

/** Identifies the server to clients. */
export const AGENT = 'agent=arca/0.1'

/** How the pack of a response is framed. */
export interface PackDelivery {
  readonly plan: PackPlan
  /** Side-band packet size (1000 for `side-band`, 65520 for `side-band-64k`), 0 for none. */
  readonly sideband: number
  readonly progress: boolean
  /** How blob deltas name their base: by offset (the client has `ofs-delta`) or by id. */
  readonly deltas: 'ofs' | 'ref'
}

/** A response: bytes before the pack, and the pack if one is sent. */
export interface UploadResponse {
  readonly head: Buffer[]
  readonly pack: PackDelivery | null
}

type Storage = MaskedView['storage']

function refLineName(r: GitRef): string {
  return latin1(r.name)
}

/** The v0 advertisement of `info/refs` (after the `# service` line). */
export function advertiseV0(refs: GitRefs): Buffer {
  const caps = [
    'multi_ack_detailed',
    'side-band-64k',
    'side-band',
    'shallow',
    'ofs-delta',
    'no-progress',
    'allow-tip-sha1-in-want',
    'allow-reachable-sha1-in-want',
    ...(refs.head?.symref ? [`symref=HEAD:${latin1(refs.head.symref)}`] : []),
    'object-format=sha1',
    AGENT,
  ].join(' ')
  const lines: Buffer[] = [pkt('# service=git-upload-pack\n'), FLUSH]
  const all = [...(refs.head ? [refs.head] : []), ...refs.refs]
  if (all.length === 0) lines.push(pkt(`${'0'.repeat(40)} capabilities^{}\0${caps}\n`))
  all.forEach((r, i) => {
    lines.push(pkt(`${r.id} ${refLineName(r)}${i === 0 ? `\0${caps}` : ''}\n`))
    if (r.peeled !== null && r !== refs.head) {
      lines.push(pkt(`${r.peeled} ${refLineName(r)}^{}\n`))
    }
  })
  lines.push(FLUSH)
  return Buffer.concat(lines)
}

/** The v2 capability advertisement. */
export function advertiseV2(): Buffer {
  return Buffer.concat([
    pkt('version 2\n'),
    pkt(`${AGENT}\n`),
    pkt('ls-refs\n'),
    pkt('fetch=shallow\n'),
    pkt('object-format=sha1\n'),
    FLUSH,
  ])
}

/** The kinds of the wanted ids, asked of the archive; an unknown id is refused. */
async function typedWants(
  storage: Storage,
  ids: readonly string[],
  o: AbortOptions,
): Promise<PackWant[]> {
  let rest = [...new Set(ids)]
  const out: PackWant[] = []
  for (const [type, missing] of [
    ['rev', (x: string[]) => storage.revisionMissing(x, o)],
    ['rel', (x: string[]) => storage.releaseMissing(x, o)],
    ['dir', (x: string[]) => storage.directoryMissing(x, o)],
    ['cnt', (x: string[]) => storage.contentMissing(x, o)],
  ] as const) {
    if (rest.length === 0) break
    const absent = new Set(await missing(rest))
    for (const id of rest) if (!absent.has(id)) out.push({ type, id })
    rest = rest.filter((id) => absent.has(id))
  }
  if (rest.length > 0) throw new NotFoundError(`upload-pack: not our ref ${rest[0]}`)
  return out
}

function objectId(line: string, prefix: string): string {
  const id = line.slice(prefix.length, prefix.length + 40)
  if (!isSha1Hex(id)) throw new InvalidInputError(`upload-pack: invalid object id in "${line}"`)
  return id
}

function depthOf(line: string): number {
  const n = Number(line.slice('deepen '.length))
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidInputError(`upload-pack: invalid depth in "${line}"`)
  }
  return n
}

function unsupported(line: string): never {
  throw new InvalidInputError(`upload-pack: "${line.split(' ')[0]}" is not supported by Arca`)
}

/** The haves the archive holds as revisions (the common commits), in request order. */
async function commonHaves(storage: Storage, haves: readonly string[], o: AbortOptions) {
  if (haves.length === 0) return []
  const absent = new Set(await storage.revisionMissing([...new Set(haves)], o))
  return haves.filter((h) => !absent.has(h))
}

function shallowLines(plan: PackPlan, newline: boolean): Buffer[] {
  const nl = newline ? '\n' : ''
  return [
    ...plan.shallow.map((id) => pkt(`shallow ${id}${nl}`)),
    ...plan.unshallow.map((id) => pkt(`unshallow ${id}${nl}`)),
  ]
}

/** Answers a v0 `git-upload-pack` POST (one stateless round). */
export async function uploadPackV0(
  view: MaskedView,
  body: Buffer,
  o: AbortOptions,
): Promise<UploadResponse> {
  const packets = parsePackets(body)
  const wants: string[] = []
  const clientShallow: string[] = []
  let caps = new Set<string>()
  let depth: number | undefined
  let i = 0
  for (; i < packets.length && packets[i]!.kind === 'data'; i++) {
    const line = packetText(packets[i]!)!
    if (line.startsWith('want ')) {
      wants.push(objectId(line, 'want '))
      if (wants.length === 1) caps = new Set(line.slice(46).split(' ').filter(Boolean))
    } else if (line.startsWith('shallow ')) clientShallow.push(objectId(line, 'shallow '))
    else if (line.startsWith('deepen ')) depth = depthOf(line)
    else unsupported(line)
  }
  if (wants.length === 0) return { head: [], pack: null }
  const afterWants = packets.slice(i + 1)
  const haves: string[] = []
  let done = false
  for (const p of afterWants) {
    const line = packetText(p)
    if (line === null) continue
    if (line.startsWith('have ')) haves.push(objectId(line, 'have '))
    else if (line === 'done') done = true
    else unsupported(line)
  }
  const typed = await typedWants(view.storage, wants, o)
  const request: PackRequest = {
    wants: typed,
    haves,
    clientShallow,
    deltas: true,
    ...(depth === undefined ? {} : { depth }),
    ...o,
  }
  const head: Buffer[] = []
  let plan: PackPlan | null = null
  if (depth !== undefined) {
    plan = await planPack(view.storage, { ...request, commitsOnly: !done })
    head.push(...shallowLines(plan, false), FLUSH)
  }
  if (afterWants.length === 0) return { head, pack: null }
  const common = await commonHaves(view.storage, haves, o)
  if (!done) {
    for (const id of common) head.push(pkt(`ACK ${id} common\n`))
    head.push(pkt('NAK\n'))
    return { head, pack: null }
  }
  head.push(pkt(common.length > 0 ? `ACK ${common[common.length - 1]}\n` : 'NAK\n'))
  plan ??= await planPack(view.storage, request)
  const sideband = caps.has('side-band-64k') ? 65520 : caps.has('side-band') ? 1000 : 0
  const deltas = caps.has('ofs-delta') ? 'ofs' : 'ref'
  return { head, pack: { plan, sideband, progress: !caps.has('no-progress'), deltas } }
}

/** The command and the arguments of a v2 request. */
function v2Command(packets: readonly Packet[]): { command: string; args: string[] } {
  let command = ''
  let i = 0
  for (; i < packets.length && packets[i]!.kind === 'data'; i++) {
    const line = packetText(packets[i]!)!
    if (line.startsWith('command=')) command = line.slice('command='.length)
  }
  const args: string[] = []
  if (packets[i]?.kind === 'delim') {
    for (i++; i < packets.length && packets[i]!.kind === 'data'; i++)
      args.push(packetText(packets[i]!)!)
  }
  return { command, args }
}

/** `ls-refs` (v2). */
function lsRefs(refs: GitRefs, args: readonly string[]): Buffer[] {
  const symrefs = args.includes('symrefs')
  const peel = args.includes('peel')
  const prefixes = args.filter((a) => a.startsWith('ref-prefix ')).map((a) => a.slice(11))
  const out: Buffer[] = []
  for (const r of [...(refs.head ? [refs.head] : []), ...refs.refs]) {
    const name = refLineName(r)
    if (prefixes.length > 0 && !prefixes.some((p) => name.startsWith(p))) continue
    let line = `${r.id} ${name}`
    if (symrefs && r.symref !== null) line += ` symref-target:${latin1(r.symref)}`
    if (peel && r.peeled !== null) line += ` peeled:${r.peeled}`
    out.push(pkt(line + '\n'))
  }
  out.push(FLUSH)
  return out
}

/** Answers a v2 POST (`ls-refs` or `fetch`). */
export async function uploadPackV2(
  view: MaskedView,
  body: Buffer,
  refs: () => Promise<GitRefs>,
  o: AbortOptions,
): Promise<UploadResponse> {
  const { command, args } = v2Command(parsePackets(body))
  if (command === 'ls-refs') return { head: lsRefs(await refs(), args), pack: null }
  if (command !== 'fetch') throw new InvalidInputError(`upload-pack: unknown command "${command}"`)
  const wants: string[] = []
  const haves: string[] = []
  const clientShallow: string[] = []
  let depth: number | undefined
  let done = false
  let progress = true
  let ofsDelta = false
  for (const line of args) {
    if (line.startsWith('want ')) wants.push(objectId(line, 'want '))
    else if (line.startsWith('have ')) haves.push(objectId(line, 'have '))
    else if (line.startsWith('shallow ')) clientShallow.push(objectId(line, 'shallow '))
    else if (line.startsWith('deepen ')) depth = depthOf(line)
    else if (line === 'done') done = true
    else if (line === 'no-progress') progress = false
    else if (line === 'ofs-delta') ofsDelta = true
    else if (['thin-pack', 'include-tag', 'wait-for-done'].includes(line)) continue
    else unsupported(line)
  }
  if (wants.length === 0) throw new InvalidInputError('upload-pack: a fetch needs a want')
  const common = await commonHaves(view.storage, haves, o)
  if (!done) {
    const head = [pkt('acknowledgments\n')]
    for (const id of common) head.push(pkt(`ACK ${id}\n`))
    if (common.length === 0) head.push(pkt('NAK\n'))
    head.push(FLUSH)
    return { head, pack: null }
  }
  const plan = await planPack(view.storage, {
    wants: await typedWants(view.storage, wants, o),
    haves,
    clientShallow,
    deltas: true,
    ...(depth === undefined ? {} : { depth }),
    ...o,
  })
  const head: Buffer[] = []
  if (depth !== undefined) {
    head.push(pkt('shallow-info\n'), ...shallowLines(plan, true), DELIM)
  }
  head.push(pkt('packfile\n'))
  return {
    head,
    pack: { plan, sideband: 65520, progress, deltas: ofsDelta ? 'ofs' : 'ref' },
  }
}
