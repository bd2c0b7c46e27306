/**
 * A real DNS server on loopback (UDP, RFC 1035 wire format) answering A and AAAA questions
 * from a table the test gives, for resolvers pointed at it (`NetPolicy.dnsServers`). Names it
 * does not know get NXDOMAIN; it counts the questions asked per name, and an entry may answer
 * differently from one question to the next (DNS rebinding).
 */
import { createSocket, type RemoteInfo } from 'node:dgram'
import { isIPv4, isIPv6 } from 'node:net'

/** What a name answers: addresses (both families mixed), or one list per successive question. */
export type DnsAnswer = readonly string[] | ((question: number) => readonly string[])

/** A running DNS server. */
export interface DnsServer {
  /** `127.0.0.1:PORT`, for `Resolver.setServers`. */
  readonly address: string
  /** Questions asked so far, by lower-cased name (A and AAAA counted apart). */
  readonly asked: Map<string, number>
  stop(): Promise<void>
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = []
  let i = offset
  while (msg[i]! !== 0) {
    const len = msg[i]!
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'))
    i += 1 + len
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 }
}

function v6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]))
}

/** Starts a server answering from `table` (name → addresses). */
export async function startDnsServer(
  table: Readonly<Record<string, DnsAnswer>>,
): Promise<DnsServer> {
  const socket = createSocket('udp4')
  const asked = new Map<string, number>()
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    if (msg.length < 12) return
    const { name, end } = readName(msg, 12)
    const qtype = msg.readUInt16BE(end)
    const question = msg.subarray(12, end + 4)
    const key = `${name} ${qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : qtype}`
    const n = asked.get(key) ?? 0
    asked.set(key, n + 1)
    asked.set(name, (asked.get(name) ?? 0) + 1)
    const entry = Object.entries(table).find(([k]) => k.toLowerCase() === name)?.[1]
    const all = entry === undefined ? null : typeof entry === 'function' ? entry(n) : entry
    const wanted = (all ?? []).filter((a) => (qtype === 1 ? isIPv4(a) : qtype === 28 && isIPv6(a)))
    const header = Buffer.alloc(12)
    msg.copy(header, 0, 0, 2) // id
    header.writeUInt16BE(all === null ? 0x8183 : 0x8180, 2) // response, RD, RA; NXDOMAIN
    header.writeUInt16BE(1, 4)
    header.writeUInt16BE(wanted.length, 6)
    const answers = wanted.map((a) => {
      const rdata = qtype === 1 ? Buffer.from(a.split('.').map(Number)) : v6Bytes(a)
      const rr = Buffer.alloc(12)
      rr.writeUInt16BE(0xc00c, 0) // the question's name
      rr.writeUInt16BE(qtype, 2)
      rr.writeUInt16BE(1, 4) // IN
      rr.writeUInt32BE(0, 6) // TTL 0: never cached
      rr.writeUInt16BE(rdata.length, 10)
      return Buffer.concat([rr, rdata])
    })
    socket.send(Buffer.concat([header, question, ...answers]), from.port, from.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    address: `127.0.0.1:${socket.address().port}`,
    asked,
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  }
}
