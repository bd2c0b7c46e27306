/**
 * Raw extrinsic metadata (docs/metadata.md): the authorities and fetchers, and one row per
 * metadata object keyed by its `emd` id, read by target and authority in (discovery date, id)
 * order with a keyset page token, as swh-storage reads it.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import {
  type CoreSwhid,
  type ExtendedSwhid,
  formatSwhid,
  type MetadataAuthority,
  type MetadataFetcher,
  parseCoreSwhid,
  parseExtendedSwhid,
  type RawExtrinsicMetadata,
} from '../../model/index.js'
import type { RawExtrinsicMetadataGetOptions } from '../extrinsic-metadata.js'
import type { AddSummary, Page } from '../interface.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { b, bytesOrNull, hex, num, type Row, str } from './rows.js'
import { chunks, inList, insert, uniqueBy } from './statements.js'

const AUTHORITY_TYPES = new Set(['deposit_client', 'forge', 'registry'])

export async function metadataAuthorityAdd(
  db: SqlExecutor,
  authorities: readonly MetadataAuthority[],
): Promise<AddSummary> {
  for (const a of authorities)
    if (!AUTHORITY_TYPES.has(a.type))
      throw new InvalidInputError(`Invalid metadata authority type "${a.type}"`)
  const unique = uniqueBy(authorities, (a) => `${a.type} ${a.url}`)
  const n = await db.transaction((tx) =>
    insert(
      tx,
      'metadata_authority',
      ['type', 'url'],
      unique.map((a) => [a.type, a.url]),
    ),
  )
  return { 'metadata_authority:add': n }
}

export async function metadataFetcherAdd(
  db: SqlExecutor,
  fetchers: readonly MetadataFetcher[],
): Promise<AddSummary> {
  const unique = uniqueBy(fetchers, (f) => `${f.name} ${f.version}`)
  const n = await db.transaction((tx) =>
    insert(
      tx,
      'metadata_fetcher',
      ['name', 'version'],
      unique.map((f) => [f.name, f.version]),
    ),
  )
  return { 'metadata_fetcher:add': n }
}

const COLS = [
  'id',
  'target',
  'discovery_date',
  'authority_type',
  'authority_url',
  'fetcher_name',
  'fetcher_version',
  'format',
  'metadata',
  'origin',
  'visit',
  'snapshot',
  'release',
  'revision',
  'path',
  'directory',
]

const core = (s: CoreSwhid | null): string | null => (s === null ? null : formatSwhid(s))

async function checkKnown(tx: SqlExecutor, list: readonly RawExtrinsicMetadata[]): Promise<void> {
  const authorities = uniqueBy(
    list.map((m) => m.authority),
    (a) => `${a.type} ${a.url}`,
  )
  for (const a of authorities) {
    const rows = await tx.all('SELECT 1 AS k FROM metadata_authority WHERE type = ? AND url = ?', [
      a.type,
      a.url,
    ])
    if (rows.length === 0)
      throw new InvalidInputError(`Unknown metadata authority "${a.type} ${a.url}"`)
  }
  const fetchers = uniqueBy(
    list.map((m) => m.fetcher),
    (f) => `${f.name} ${f.version}`,
  )
  for (const f of fetchers) {
    const rows = await tx.all(
      'SELECT 1 AS k FROM metadata_fetcher WHERE name = ? AND version = ?',
      [f.name, f.version],
    )
    if (rows.length === 0)
      throw new InvalidInputError(`Unknown metadata fetcher "${f.name} ${f.version}"`)
  }
}

export async function rawExtrinsicMetadataAdd(
  db: SqlExecutor,
  list: readonly RawExtrinsicMetadata[],
): Promise<AddSummary> {
  const unique = uniqueBy(list, (m) => m.id)
  if (unique.length === 0) return { 'raw_extrinsic_metadata:add': 0 }
  const n = await db.transaction(async (tx) => {
    await checkKnown(tx, unique)
    return insert(
      tx,
      'raw_extrinsic_metadata',
      COLS,
      unique.map((m): SqlValue[] => [
        b(m.id),
        formatSwhid(m.target),
        m.discoveryDate.getTime(),
        m.authority.type,
        m.authority.url,
        m.fetcher.name,
        m.fetcher.version,
        m.format,
        Buffer.from(m.metadata),
        m.origin,
        m.visit,
        core(m.snapshot),
        core(m.release),
        core(m.revision),
        m.path === null ? null : Buffer.from(m.path),
        core(m.directory),
      ]),
    )
  })
  return { 'raw_extrinsic_metadata:add': n }
}

const coreOrNull = (v: unknown): CoreSwhid | null =>
  v === null || v === undefined ? null : parseCoreSwhid(str(v))

function fromRow(r: Row): RawExtrinsicMetadata {
  return {
    id: hex(r['id']),
    target: parseExtendedSwhid(str(r['target'])),
    discoveryDate: new Date(num(r['discovery_date'])),
    authority: {
      type: str(r['authority_type']) as MetadataAuthority['type'],
      url: str(r['authority_url']),
    },
    fetcher: { name: str(r['fetcher_name']), version: str(r['fetcher_version']) },
    format: str(r['format']),
    metadata: bytesOrNull(r['metadata']) ?? new Uint8Array(0),
    origin: r['origin'] === null || r['origin'] === undefined ? null : str(r['origin']),
    visit: r['visit'] === null || r['visit'] === undefined ? null : num(r['visit']),
    snapshot: coreOrNull(r['snapshot']),
    release: coreOrNull(r['release']),
    revision: coreOrNull(r['revision']),
    path: bytesOrNull(r['path']),
    directory: coreOrNull(r['directory']),
  }
}

/** The keyset token after `m`: its discovery date (ms) and id. */
function tokenOf(m: RawExtrinsicMetadata): string {
  return `${m.discoveryDate.getTime()}.${m.id}`
}

function parseToken(t: string): [number, string] {
  const m = /^(-?\d{1,15})\.([0-9a-f]{40})$/.exec(t)
  if (m === null) throw new InvalidInputError(`Invalid raw extrinsic metadata page token "${t}"`)
  return [Number(m[1]), m[2] as string]
}

export async function rawExtrinsicMetadataGet(
  db: SqlExecutor,
  target: ExtendedSwhid,
  authority: MetadataAuthority,
  options: RawExtrinsicMetadataGetOptions = {},
): Promise<Page<RawExtrinsicMetadata>> {
  const limit = options.limit ?? 100
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new InvalidInputError(`Invalid limit ${limit}: a positive integer is expected`)
  let sql = `SELECT * FROM raw_extrinsic_metadata
    WHERE target = ? AND authority_type = ? AND authority_url = ?`
  const params: SqlValue[] = [formatSwhid(target), authority.type, authority.url]
  if (options.after) {
    sql += ' AND discovery_date > ?'
    params.push(options.after.getTime())
  }
  if (options.pageToken) {
    const [date, id] = parseToken(options.pageToken)
    sql += ' AND (discovery_date > ? OR (discovery_date = ? AND id > ?))'
    params.push(date, date, b(id))
  }
  sql += ' ORDER BY discovery_date, id LIMIT ?'
  params.push(limit + 1)
  const rows = (await db.all<Row>(sql, params)).map(fromRow)
  const results = rows.slice(0, limit)
  const last = results[results.length - 1]
  return {
    results,
    nextPageToken: rows.length > limit && last !== undefined ? tokenOf(last) : null,
  }
}

export async function rawExtrinsicMetadataGetByIds(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<RawExtrinsicMetadata[]> {
  const out: RawExtrinsicMetadata[] = []
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.all<Row>(
      `SELECT * FROM raw_extrinsic_metadata WHERE id IN ${inList(part.length)}`,
      part.map(b),
    )
    out.push(...rows.map(fromRow))
  }
  return out
}

export async function rawExtrinsicMetadataGetAuthorities(
  db: SqlExecutor,
  target: ExtendedSwhid,
): Promise<MetadataAuthority[]> {
  const rows = await db.all<Row>(
    `SELECT DISTINCT authority_type, authority_url FROM raw_extrinsic_metadata WHERE target = ?
     ORDER BY authority_type, authority_url`,
    [formatSwhid(target)],
  )
  return rows.map((r) => ({
    type: str(r['authority_type']) as MetadataAuthority['type'],
    url: str(r['authority_url']),
  }))
}

export async function rawExtrinsicMetadataGetLatest(
  db: SqlExecutor,
  targets: readonly ExtendedSwhid[],
  authority: MetadataAuthority,
): Promise<(RawExtrinsicMetadata | null)[]> {
  const latest = new Map<string, RawExtrinsicMetadata>()
  const keys = targets.map((t) => formatSwhid(t))
  for (const part of chunks([...new Set(keys)])) {
    // the newest row of each target: the one no later row of the same target and authority beats
    const rows = await db.all<Row>(
      `SELECT m.* FROM raw_extrinsic_metadata m
       WHERE m.target IN ${inList(part.length)} AND m.authority_type = ? AND m.authority_url = ?
         AND NOT EXISTS (SELECT 1 FROM raw_extrinsic_metadata n
           WHERE n.target = m.target AND n.authority_type = m.authority_type
             AND n.authority_url = m.authority_url
             AND (n.discovery_date > m.discovery_date
               OR (n.discovery_date = m.discovery_date AND n.id > m.id)))`,
      [...part, authority.type, authority.url],
    )
    for (const r of rows) {
      const m = fromRow(r)
      latest.set(formatSwhid(m.target), m)
    }
  }
  return keys.map((k) => latest.get(k) ?? null)
}
