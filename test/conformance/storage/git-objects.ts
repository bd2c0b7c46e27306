/**
 * A scratch bare repository in which git writes the objects the suite compares with: their
 * ids, sizes and bytes come from git, not from Arca.
 */
import { execFileSync } from 'node:child_process'

import { makeTemp, removeTemp } from '../../helpers/tree.js'

const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

/** git on a temporary bare repository. */
export class GitObjects {
  readonly dir = makeTemp('arca-git-objects-')

  constructor() {
    this.#git(['init', '-q', '--bare', '.'])
  }

  #git(args: readonly string[], input?: Uint8Array): Buffer {
    return execFileSync('git', args, { cwd: this.dir, env, input, maxBuffer: 1 << 26 })
  }

  /** Writes an object of `type` whose body is `body` (as given: `--literally`); its id. */
  write(type: 'blob' | 'commit', body: Uint8Array): string {
    return this.#git(['hash-object', '-t', type, '--literally', '-w', '--stdin'], body)
      .toString()
      .trim()
  }

  /** `git cat-file -s`: the object's size. */
  size(id: string): number {
    return Number(this.#git(['cat-file', '-s', id]).toString().trim())
  }

  /** The object as git frames and hashes it: `<type> <size>\0` and `git cat-file <type>`. */
  framed(type: 'blob' | 'commit', id: string): Buffer {
    const body = this.#git(['cat-file', type, id])
    return Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body])
  }

  remove(): void {
    removeTemp(this.dir)
  }
}
