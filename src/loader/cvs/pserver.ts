/**
 * A client of the CVS server protocol over pserver (TCP, port 2401 by default), the subset
 * Software Heritage's CVS loader uses: authenticate (`BEGIN AUTH REQUEST`, the password
 * scrambled by CVS's "A" scheme), declare the CVS root and the responses understood, then
 * `rlog` (the history, written to a scratch file) and `co -r REV` of one file (its contents,
 * keywords expanded by the server). One connection serves every request of a visit.
 *
 * @module
 */

import { createWriteStream, type WriteStream } from 'node:fs'
import { connect, type Socket } from 'node:net'

import { ArcaError, NotFoundError } from '../../errors.js'

/** The default pserver port. */
export const PSERVER_PORT = 2401

/** The responses this client understands (the server sends nothing else). */
const VALID_RESPONSES = [
  'ok',
  'error',
  'Valid-requests',
  'Checked-in',
  'New-entry',
  'Checksum',
  'Copy-file',
  'Updated',
  'Created',
  'Update-existing',
  'Merged',
  'Patched',
  'Rcs-diff',
  'Mode',
  'Removed',
  'Remove-entry',
  'Template',
  'Notified',
  'Module-expansion',
  'Wrapper-rcsOption',
  'M',
  'Mbinary',
  'E',
  'F',
  'MT',
]

/** CVS's password scrambling ("A" scheme): a fixed substitution of the printable bytes. */
const SHIFTS = Buffer.from(
  [
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    '7278354f606d486c46404c43744a44576f344b77312252515f417056766e7a69',
    '2939532b2e66285926672d322a7b5b237d3736427c7e3b2f5c47734e586b6a38',
    '2479756865644549633f5e5d27253d303a71205a2c623c3321613e4d545055df',
    'e1d8bba6e5bddebc8df994c8b888f8bec7aab5cc8ae8dab7ffeadcf7d5cbe2c1',
    'aeace4fcd9c983e6c5d391eea1b3a0d4cfddfeadca92e0978cc4cd8287858ff6',
    'c09ff4efb9a8d7908ba5b49d93bad6b0e3e7dba9af9ccec681a496d29ab1867f',
    'b6809ed0a284a7d195f199fbedecabc3f3e9fdf0c2fabf9b8e89f5eba3f2b298',
  ].join(''),
  'hex',
)

/** The scrambled form of a password, as `cvs login` stores and sends it. */
export function scramblePassword(password: string): string {
  const out = ['A']
  for (const b of Buffer.from(password, 'latin1')) out.push(String.fromCharCode(SHIFTS[b]!))
  return out.join('')
}

/** Where a pserver is and who logs in. */
export interface PserverTarget {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  /** The CVS root path on the server. */
  readonly root: string
}

/** A line-and-bytes reader over a socket. */
class Reader {
  #chunks: Buffer[] = []
  #length = 0
  #ended = false
  #error: Error | null = null
  #wake: (() => void) | null = null

  constructor(socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.#chunks.push(b)
      this.#length += b.length
      this.#notify()
    })
    socket.on('end', () => {
      this.#ended = true
      this.#notify()
    })
    socket.on('error', (e) => {
      this.#error = e
      this.#notify()
    })
  }

  #notify(): void {
    const w = this.#wake
    this.#wake = null
    w?.()
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error
  }

  async #more(): Promise<boolean> {
    this.#throwIfFailed()
    if (this.#ended) return false
    await new Promise<void>((resolve) => (this.#wake = resolve))
    this.#throwIfFailed()
    return true
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    this.#chunks = rest.length > 0 ? [rest] : []
    this.#length = rest.length
    return out
  }

  /** The next line with its `\n`, or null at the end of the stream. */
  async line(limit = 1 << 20): Promise<Buffer | null> {
    for (;;) {
      let seen = 0
      for (const c of this.#chunks) {
        const i = c.indexOf(0x0a)
        if (i >= 0) return this.#take(seen + i + 1)
        seen += c.length
      }
      if (this.#length > limit)
        throw new ArcaError('unavailable', 'the CVS server sent an overlong line')
      if (!(await this.#more())) return this.#length > 0 ? this.#take(this.#length) : null
    }
  }

  /** Exactly `n` bytes, written to `out` as they come. */
  async bytes(n: number, out: WriteStream): Promise<void> {
    let left = n
    while (left > 0) {
      if (this.#length === 0 && !(await this.#more()))
        throw new ArcaError('unavailable', 'the CVS server closed the connection inside a file')
      const chunk = this.#take(Math.min(left, this.#length))
      left -= chunk.length
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
    }
  }
}

function latin1(b: Buffer): string {
  return b.toString('latin1')
}

/** One authenticated connection to a CVS pserver. */
export class PserverClient {
  readonly #socket: Socket
  readonly #reader: Reader
  readonly #root: string
  readonly #where: string

  private constructor(socket: Socket, root: string, where: string) {
    this.#socket = socket
    this.#reader = new Reader(socket)
    this.#root = root
    this.#where = where
  }

  /** Connects, logs in and declares the root. */
  static async open(
    t: PserverTarget,
    options: { readonly signal?: AbortSignal; readonly stallTimeoutMs: number },
  ): Promise<PserverClient> {
    const where = `${t.host}:${t.port}`
    const { signal, stallTimeoutMs } = options
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: t.host, port: t.port, ...(signal ? { signal } : {}) })
      s.setTimeout(stallTimeoutMs, () =>
        s.destroy(
          new ArcaError(
            'unavailable',
            `the CVS server at ${where} sent nothing for ${Math.round(stallTimeoutMs / 1000)} s`,
          ),
        ),
      )
      s.once('connect', () => resolve(s))
      s.once('error', (e) =>
        reject(new NotFoundError(`could not connect to the CVS pserver at ${where}: ${e.message}`)),
      )
    })
    const c = new PserverClient(socket, t.root, where)
    try {
      c.#write(
        Buffer.from(
          `BEGIN AUTH REQUEST\n${t.root}\n${t.user}\n${scramblePassword(t.password)}\nEND AUTH REQUEST\n`,
          'latin1',
        ),
      )
      const answer = await c.#reader.line()
      if (answer === null || latin1(answer) !== 'I LOVE YOU\n')
        throw new NotFoundError(
          `pserver authentication failed for ${t.user}@${where}${answer ? `: ${latin1(answer).trim().slice(0, 200)}` : ''}`,
        )
      c.#write(
        Buffer.from(
          `Root ${t.root}\nValid-responses ${VALID_RESPONSES.join(' ')}\nvalid-requests\nUseUnchanged\n`,
          'latin1',
        ),
      )
      const valid = await c.#reader.line()
      if (valid === null || !latin1(valid).startsWith('Valid-requests '))
        throw c.#protocol('an invalid greeting', valid)
      const ok = await c.#reader.line()
      if (ok === null || latin1(ok) !== 'ok\n') throw c.#protocol('an invalid greeting', ok)
    } catch (e) {
      c.close()
      throw e
    }
    return c
  }

  #write(b: Buffer): void {
    this.#socket.write(b)
  }

  #protocol(what: string, line: Buffer | null): ArcaError {
    return new ArcaError(
      'unavailable',
      `the CVS server at ${this.#where} sent ${what}${line ? `: ${JSON.stringify(latin1(line).slice(0, 200))}` : ' (connection closed)'}`,
    )
  }

  /**
   * Runs `rlog` on `path` (a module, or a folder of it) and writes its output to `file`.
   * Returns false when the server says the path is not there (a module error is thrown as
   * not found).
   */
  async rlog(path: Buffer, file: string, state?: string): Promise<boolean> {
    const req = [
      Buffer.from(
        `Global_option -q\n${state ? `Argument -s${state}\n` : ''}Argument --\nArgument `,
      ),
      path,
      Buffer.from('\nrlog\n'),
    ]
    this.#write(Buffer.concat(req))
    const out = createWriteStream(file)
    const write = async (b: Buffer): Promise<void> => {
      if (!out.write(b)) await new Promise<void>((r) => out.once('drain', () => r()))
    }
    let missing = false
    let errorLine: Buffer | null = null
    try {
      for (;;) {
        const line = await this.#reader.line()
        if (line === null) throw this.#protocol('no answer to rlog', null)
        const s = latin1(line)
        if (s === 'ok\n') break
        if (errorLine !== null) throw this.#protocol('an error', errorLine)
        if (s.startsWith('M ')) await write(line.subarray(2))
        else if (s.startsWith('MT text ') || s.startsWith('MT date '))
          await write(line.subarray(8, -1))
        else if (s.startsWith('MT newline')) await write(line.subarray(10))
        else if (s.startsWith('MT ')) continue
        else if (s.startsWith('E ')) {
          if (/cannot find module|- ignored\n$|could not read RCS file/.test(s)) missing = true
          else errorLine = line
        } else if (s.startsWith('error')) {
          if (missing) break
          throw this.#protocol('an error', errorLine ?? line)
        } else throw this.#protocol('an unexpected response to rlog', line)
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      )
    }
    return !missing
  }

  /**
   * Checks out revision `rev` of the module file `path` (`module/dir/name`) into `file`, with
   * the server's keyword expansion.
   */
  async checkout(path: Buffer, rev: string, module: string, file: string): Promise<void> {
    const slash = path.lastIndexOf(0x2f)
    const parts: Buffer[] = []
    if (slash > 0) {
      const dir = path.subarray(0, slash)
      parts.push(
        Buffer.from('Directory '),
        dir,
        Buffer.from(`\n${this.#root}/`),
        dir,
        Buffer.from('\n'),
      )
    }
    parts.push(
      Buffer.from(
        `Global_option -q\nArgument -N\nArgument -P\nArgument -r${rev}\nArgument --\nArgument `,
      ),
      path,
      Buffer.from(`\nDirectory .\n${this.#root}/${module}\nco\n`),
    )
    this.#write(Buffer.concat(parts))
    const out = createWriteStream(file)
    let got = false
    let skip = false
    let expectMode = false
    let expectCount = false
    try {
      for (;;) {
        const line = await this.#reader.line()
        if (line === null) throw this.#protocol('no answer to co', null)
        const s = latin1(line)
        if (s.startsWith('E ')) {
          if (s.includes("Skipping `$Log$' keyword due to excessive comment leader")) continue
          throw this.#protocol('an error', line)
        }
        if (s === 'ok\n') {
          if (!got) throw this.#protocol(`no contents for ${latin1(path)} ${rev}`, line)
          break
        }
        if (s.startsWith('error')) throw this.#protocol('an error', line)
        if (skip) {
          skip = false
          continue
        }
        if (expectCount) {
          expectCount = false
          const n = Number.parseInt(s, 10)
          if (!/^\d+\n$/.test(s)) throw this.#protocol('a bad file size', line)
          await this.#reader.bytes(n, out)
          got = true
          continue
        }
        const word = s.split(' ')[0]!
        if (['Created', 'Checked-in', 'Update-existing', 'Updated', 'Removed'].includes(word)) {
          skip = true
          continue
        }
        if (s.startsWith('/')) {
          expectMode = true
          continue
        }
        if (expectMode && s.startsWith('u=')) {
          expectMode = false
          expectCount = true
          continue
        }
        if (s.startsWith('M')) continue // M, MT, Mbinary: messages
        throw this.#protocol('an unexpected response to co', line)
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      )
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy()
  }
}
