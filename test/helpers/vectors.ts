import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** Root of the repository. */
export const REPO_ROOT = resolve(here, '..', '..')

/** Where the golden vectors live: `../shared/vectors` beside the repo, or `$ARCA_VECTORS`. */
export const VECTORS_DIR =
  process.env['ARCA_VECTORS'] ?? resolve(REPO_ROOT, '..', 'shared', 'vectors')

export interface VectorFile<C> {
  kind: string
  set: string
  source: string
  cases: C[]
}

/** Reads one vector file at run time (never copied into the repository). */
export function loadVectors<C>(name: string): VectorFile<C> {
  return JSON.parse(readFileSync(join(VECTORS_DIR, `${name}.json`), 'utf8')) as VectorFile<C>
}

/** Bytes of a base64 field. */
export function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'))
}
