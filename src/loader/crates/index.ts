/**
 * Reading a crate's entry in a Cargo registry index (The Cargo Book, "Registry Index"): one
 * JSON line per published version (`name`, `vers`, `cksum` = the .crate's sha256, `yanked`),
 * at a path made from the lower-cased name (`1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcdef`), and the
 * index's `config.json` whose `dl` gives the download URL. An index is read over the sparse
 * protocol (`sparse+https://…`, one HTTP GET per file, RFC 2789) or, for a git index, from a
 * shallow clone into the scratch space.
 *
 * @module
 */

import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { CorruptError, NotFoundError, UnavailableError } from '../../errors.js'
import type { NetPolicy } from '../../net/index.js'
import { fetchBytes } from '../pkginfo/fetch.js'

const run = promisify(execFile)

/** One version line of an index file. */
export interface CrateIndexEntry {
  readonly name: string
  readonly vers: string
  readonly cksum: string
  readonly yanked: boolean
}

/** The path of crate `name`'s file in an index. */
export function indexPath(name: string): string {
  const n = name.toLowerCase()
  if (n.length <= 2) return `${n.length}/${n}`
  if (n.length === 3) return `3/${n[0]!}/${n}`
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`
}

/** The entries of an index file's text (blank lines skipped; a bad line is an error). */
export function parseIndexFile(text: string, where: string): CrateIndexEntry[] {
  const out: CrateIndexEntry[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let v: Record<string, unknown>
    try {
      v = JSON.parse(line) as Record<string, unknown>
    } catch {
      throw new CorruptError(`${where}: a line is not JSON`)
    }
    if (
      typeof v['name'] !== 'string' ||
      typeof v['vers'] !== 'string' ||
      typeof v['cksum'] !== 'string'
    )
      throw new CorruptError(`${where}: a line lacks name, vers or cksum`)
    out.push({ name: v['name'], vers: v['vers'], cksum: v['cksum'], yanked: v['yanked'] === true })
  }
  return out
}

/**
 * The download URL of a version from the index's `dl` setting: markers `{crate}`,
 * `{version}`, `{prefix}`, `{lowerprefix}`, `{sha256-checksum}` replaced, or without markers
 * `<dl>/<crate>/<version>/download` — except crates.io's own `https://static.crates.io/crates`,
 * given as `…/<crate>/<crate>-<version>.crate`, the URL Software Heritage records (its ExtIDs
 * hash the URL).
 */
export function downloadUrl(dl: string, e: CrateIndexEntry): string {
  const base = dl.replace(/\/+$/, '')
  if (base === 'https://static.crates.io/crates')
    return `${base}/${e.name}/${e.name}-${e.vers}.crate`
  if (!/\{(crate|version|prefix|lowerprefix|sha256-checksum)\}/.test(dl))
    return `${base}/${e.name}/${e.vers}/download`
  const prefix = indexPath(e.name).split('/').slice(0, -1).join('/')
  const exact = (() => {
    const n = e.name
    if (n.length <= 2) return String(n.length)
    if (n.length === 3) return `3/${n[0]!}`
    return `${n.slice(0, 2)}/${n.slice(2, 4)}`
  })()
  return dl
    .replaceAll('{crate}', e.name)
    .replaceAll('{version}', e.vers)
    .replaceAll('{prefix}', exact)
    .replaceAll('{lowerprefix}', prefix)
    .replaceAll('{sha256-checksum}', e.cksum)
}

/** What an index says about one crate. */
export interface CrateIndexAnswer {
  readonly entries: readonly CrateIndexEntry[]
  /** The `dl` of the index's config.json. */
  readonly dl: string
}

/** Options of {@link readCrateIndex}. */
export interface CrateIndexOptions {
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
  /** A fresh directory for a git index's clone. */
  readonly scratch: () => string
}

async function gitClone(url: string, dir: string, signal?: AbortSignal): Promise<void> {
  try {
    await run('git', ['clone', '--quiet', '--depth', '1', '--', url, dir], {
      ...(signal ? { signal } : {}),
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (e) {
    throw new UnavailableError(`Cannot clone the crates index ${url}`, { cause: e })
  }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return null
  }
}

/**
 * The index entries and download setting of crate `name` in the index at `index`
 * (`sparse+<url>`, or a git URL); a NotFoundError when the index has no such crate.
 */
export async function readCrateIndex(
  index: string,
  name: string,
  options: CrateIndexOptions,
): Promise<CrateIndexAnswer> {
  const fetchOpts = {
    ...(options.network ? { network: options.network } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }
  let fileText: string
  let configText: string
  if (index.startsWith('sparse+')) {
    const base = index.slice('sparse+'.length).replace(/\/*$/, '/')
    configText = Buffer.from(await fetchBytes(`${base}config.json`, fetchOpts)).toString('utf8')
    try {
      fileText = Buffer.from(await fetchBytes(`${base}${indexPath(name)}`, fetchOpts)).toString(
        'utf8',
      )
    } catch (e) {
      if (e instanceof NotFoundError)
        throw new NotFoundError(`The crates index has no crate "${name}"`, { cause: e })
      throw e
    }
  } else {
    // A git index is the operator's setting (never a requester's URL); it is cloned shallow.
    const dir = options.scratch()
    await gitClone(index, dir, options.signal)
    configText = (await readText(join(dir, 'config.json'))) ?? ''
    const t = await readText(join(dir, indexPath(name)))
    if (t === null) throw new NotFoundError(`The crates index has no crate "${name}"`)
    fileText = t
  }
  let dl: unknown
  try {
    dl = (JSON.parse(configText) as Record<string, unknown>)['dl']
  } catch {
    dl = undefined
  }
  if (typeof dl !== 'string' || dl === '')
    throw new CorruptError(`The crates index ${index} has no config.json "dl"`)
  return { entries: parseIndexFile(fileText, indexPath(name)), dl }
}
