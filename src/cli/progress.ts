/**
 * Progress for long operations: a single redrawn line on a terminal, periodic structured JSON
 * log lines otherwise. Both go to stderr so stdout stays the command's product.
 *
 * @module
 */

/** Fields of one progress update. */
export type ProgressFields = Readonly<Record<string, string | number>>

/** Settings of a {@link ProgressReporter}. */
export interface ProgressInit {
  /** Name of the operation, first on the line and in the `op` log field. */
  readonly op: string
  /** Stream to draw on (default: process.stderr). */
  readonly stream?: NodeJS.WriteStream
  /** Force terminal or log mode (default: whether the stream is a TTY). */
  readonly tty?: boolean
  /** Minimum interval between log lines when not on a terminal (ms). */
  readonly logIntervalMs?: number
  /** Nothing is shown before the operation has run this long (ms). */
  readonly delayMs?: number
  /** Turns fields into the text of the terminal line. */
  readonly format: (f: ProgressFields, elapsedSeconds: number) => string
}

/**
 * Reports progress of one operation.
 *
 * @example
 * ```ts
 * const p = new ProgressReporter({ op: 'identify', format: (f) => `${f.files} files` })
 * p.update({ files: 10 }); p.done()
 * ```
 */
export class ProgressReporter {
  readonly #init: ProgressInit
  readonly #stream: NodeJS.WriteStream
  readonly #tty: boolean
  readonly #start = Date.now()
  #last = 0
  #drawn = false
  #fields: ProgressFields = {}

  constructor(init: ProgressInit) {
    this.#init = init
    this.#stream = init.stream ?? process.stderr
    this.#tty = init.tty ?? this.#stream.isTTY === true
  }

  /**
   * Shows `fields` unless the last line was shown too recently; `force` shows them whatever
   * the interval (e.g. the final counts of a phase), once the initial delay is over.
   */
  update(fields: ProgressFields, force = false): void {
    this.#fields = fields
    const now = Date.now()
    if (now - this.#start < (this.#init.delayMs ?? 1000)) return
    const interval = this.#tty ? 100 : (this.#init.logIntervalMs ?? 5000)
    if (!force && now - this.#last < interval) return
    this.#last = now
    this.#emit(false)
  }

  #emit(final: boolean): void {
    const elapsed = (Date.now() - this.#start) / 1000
    if (this.#tty) {
      const cols = this.#stream.columns > 0 ? this.#stream.columns : 100
      const line = `${this.#init.op}: ${this.#init.format(this.#fields, elapsed)}`.slice(
        0,
        cols - 1,
      )
      this.#stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`)
      this.#drawn = !final
    } else {
      this.#stream.write(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'info',
          op: this.#init.op,
          event: final ? 'done' : 'progress',
          elapsed_s: Math.round(elapsed * 10) / 10,
          ...this.#fields,
        }) + '\n',
      )
    }
  }

  /** Final line (only when something was already shown, or on request). */
  done(always = false): void {
    if (this.#last > 0 || always) this.#emit(true)
    else if (this.#drawn) this.#stream.write('\r\x1b[2K')
  }
}

/** `1234567` → `1.2 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
