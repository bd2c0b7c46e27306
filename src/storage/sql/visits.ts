/**
 * Origin visits and visit statuses.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../../errors.js'
import type { OriginVisit, OriginVisitStatus } from '../../model/index.js'
import type {
  AddSummary,
  OriginVisitGetOptions,
  OriginVisitInit,
  OriginVisitLatestOptions,
  OriginVisitStatusGetOptions,
  OriginVisitWithStatus,
  Page,
} from '../interface.js'
import { bump } from './counters.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { originRowId, originRowIds } from './origins.js'
import { b, hexOrNull, num, type Row, statusFromRow, str, visitFromRow } from './rows.js'
import { inList, parseToken, token } from './statements.js'
import { dateFields, dateMicros, parseStatusToken, statusToken } from './visit-dates.js'

export async function originVisitAdd(
  db: SqlExecutor,
  visits: readonly OriginVisitInit[],
): Promise<OriginVisit[]> {
  const out: OriginVisit[] = []
  for (const v of visits) {
    out.push(
      await db.transaction(async (tx) => {
        // Lock the origin row so concurrent writers number visits one after the other
        // (SQLite's BEGIN IMMEDIATE already serialises writers).
        const rows = await tx.all<Row>(
          `SELECT id FROM origin WHERE url = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
          [v.origin],
        )
        if (rows.length === 0)
          throw new NotFoundError(`Cannot add a visit of unknown origin "${v.origin}"`)
        const oid = num(rows[0]!['id'])
        if (v.visit !== undefined) {
          if (!Number.isSafeInteger(v.visit) || v.visit < 1)
            throw new InvalidInputError(`Invalid visit number ${v.visit}`)
          const existing = await tx.all<Row>(
            'SELECT date, type FROM origin_visit WHERE origin_id = ? AND visit = ?',
            [oid, v.visit],
          )
          if (existing.length > 0) {
            const e = existing[0]!
            return {
              origin: v.origin,
              visit: v.visit,
              ...dateFields(e['date']),
              type: str(e['type']),
            }
          }
        }
        const max = await tx.all<Row>(
          'SELECT MAX(visit) AS m FROM origin_visit WHERE origin_id = ?',
          [oid],
        )
        const visit = v.visit ?? num(max[0]?.['m'] ?? 0) + 1
        await tx.run(
          'INSERT INTO origin_visit (origin_id, visit, date, type) VALUES (?, ?, ?, ?)',
          [oid, visit, dateMicros(v), v.type],
        )
        await bump(tx, 'origin_visit', 1)
        // The first visit of an origin makes it count (see originAdd).
        if (max[0]?.['m'] === null || max[0]?.['m'] === undefined) await bump(tx, 'origin', 1)
        return { origin: v.origin, visit, ...dateFields(dateMicros(v)), type: v.type }
      }),
    )
  }
  return out
}

export async function originVisitStatusAdd(
  db: SqlExecutor,
  statuses: readonly OriginVisitStatus[],
): Promise<AddSummary> {
  const added = await db.transaction(async (tx) => {
    const ids = await originRowIds(
      tx,
      statuses.map((s) => s.origin),
    )
    if (tx.dialect === 'postgres' && ids.size > 0) {
      // Writers of statuses of one origin go one after the other, so that the check for an
      // equal stored status below sees what the other wrote (SQLite serialises writers).
      await tx.all(`SELECT id FROM origin WHERE id IN ${inList(ids.size)} ORDER BY id FOR UPDATE`, [
        ...ids.values(),
      ])
    }
    // Every status is kept, in the order given; one equal in every field to a stored one
    // (a replay) is skipped.
    const seen = new Set<string>()
    let n = 0
    for (const s of statuses) {
      const oid = ids.get(s.origin)
      if (oid === undefined)
        throw new NotFoundError(`Cannot add a visit status of unknown origin "${s.origin}"`)
      const row: SqlValue[] = [
        oid,
        s.visit,
        dateMicros(s),
        s.status,
        s.snapshot === null ? null : b(s.snapshot),
        s.type,
        s.metadata === null ? null : JSON.stringify(s.metadata),
      ]
      const key = JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v)))
      if (seen.has(key)) continue
      seen.add(key)
      const stored = await tx.all<Row>(
        'SELECT status, snapshot, type, metadata FROM origin_visit_status WHERE origin_id = ? AND visit = ? AND date = ?',
        row.slice(0, 3),
      )
      const same = stored.some(
        (r) =>
          str(r['status']) === s.status &&
          hexOrNull(r['snapshot']) === s.snapshot &&
          str(r['type']) === s.type &&
          (r['metadata'] === null ? null : str(r['metadata'])) === row[6],
      )
      if (same) continue
      await tx.run(
        'INSERT INTO origin_visit_status (origin_id, visit, date, status, snapshot, type, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
        row,
      )
      n++
    }
    await bump(tx, 'origin_visit_status', n)
    return n
  })
  return { 'origin_visit_status:add': added }
}

export async function originVisitGet(
  db: SqlExecutor,
  origin: string,
  options: OriginVisitGetOptions = {},
): Promise<Page<OriginVisit>> {
  const oid = await originRowId(db, origin)
  if (oid === null) return { results: [], nextPageToken: null }
  const after = parseToken(options.pageToken, 'visit')
  const desc = options.order === 'desc'
  const limit = Math.max(1, Math.min(options.limit ?? 10, 10_000))
  const cond = after === null ? '' : desc ? ' AND visit < ?' : ' AND visit > ?'
  const rows = await db.all<Row>(
    `SELECT visit, date, type FROM origin_visit WHERE origin_id = ?${cond} ORDER BY visit ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
    after === null ? [oid, limit + 1] : [oid, after, limit + 1],
  )
  const page = rows.slice(0, limit)
  return {
    results: page.map((r) => visitFromRow(origin, r)),
    nextPageToken: rows.length > limit ? token(num(page[page.length - 1]!['visit'])) : null,
  }
}

export async function originVisitGetByNumber(
  db: SqlExecutor,
  origin: string,
  visit: number,
): Promise<OriginVisit | null> {
  const oid = await originRowId(db, origin)
  if (oid === null) return null
  const rows = await db.all<Row>(
    'SELECT visit, date, type FROM origin_visit WHERE origin_id = ? AND visit = ?',
    [oid, visit],
  )
  return rows[0] ? visitFromRow(origin, rows[0]) : null
}

export async function originVisitGetLatest(
  db: SqlExecutor,
  origin: string,
  options: OriginVisitLatestOptions = {},
): Promise<OriginVisitWithStatus | null> {
  const oid = await originRowId(db, origin)
  if (oid === null) return null
  const where = ['v.origin_id = ?']
  const params: SqlValue[] = [oid]
  if (options.type !== undefined) {
    where.push('v.type = ?')
    params.push(options.type)
  }
  if (options.allowedStatuses && options.allowedStatuses.length > 0) {
    where.push(`s.status IN ${inList(options.allowedStatuses.length)}`)
    params.push(...options.allowedStatuses)
  }
  if (options.requireSnapshot) where.push('s.snapshot IS NOT NULL')
  const rows = await db.all<Row>(
    `SELECT v.visit, v.date AS vdate, v.type AS vtype, s.date, s.status, s.snapshot, s.type, s.metadata
     FROM origin_visit v JOIN origin_visit_status s ON s.origin_id = v.origin_id AND s.visit = v.visit
     WHERE ${where.join(' AND ')} ORDER BY v.visit DESC, s.date DESC, s.seq DESC LIMIT 1`,
    params,
  )
  const r = rows[0]
  if (!r) return null
  return {
    visit: {
      origin,
      visit: num(r['visit']),
      ...dateFields(r['vdate']),
      type: str(r['vtype']),
    },
    status: statusFromRow(origin, r),
  }
}

export async function originVisitStatusGetLatest(
  db: SqlExecutor,
  origin: string,
  visit: number,
): Promise<OriginVisitStatus | null> {
  const oid = await originRowId(db, origin)
  if (oid === null) return null
  const rows = await db.all<Row>(
    'SELECT visit, date, status, snapshot, type, metadata FROM origin_visit_status WHERE origin_id = ? AND visit = ? ORDER BY date DESC, seq DESC LIMIT 1',
    [oid, visit],
  )
  return rows[0] ? statusFromRow(origin, rows[0]) : null
}

export async function originVisitStatusGetRecent(
  db: SqlExecutor,
  limit: number,
  options: { readonly statuses?: readonly string[] } = {},
): Promise<OriginVisitStatus[]> {
  const statuses = options.statuses ?? []
  const where = statuses.length > 0 ? `WHERE s.status IN ${inList(statuses.length)}` : ''
  const rows = await db.all<Row>(
    `SELECT o.url, s.visit, s.date, s.status, s.snapshot, s.type, s.metadata FROM origin_visit_status s JOIN origin o ON o.id = s.origin_id ${where} ORDER BY s.date DESC, s.seq DESC LIMIT ?`,
    [...statuses, Math.max(1, Math.min(limit, 1000))],
  )
  return rows.map((r) => statusFromRow(str(r['url']), r))
}

export async function originVisitStatusGet(
  db: SqlExecutor,
  origin: string,
  visit: number,
  options: OriginVisitStatusGetOptions = {},
): Promise<Page<OriginVisitStatus>> {
  const oid = await originRowId(db, origin)
  if (oid === null) return { results: [], nextPageToken: null }
  const after = parseStatusToken(options.pageToken)
  const desc = options.order === 'desc'
  const limit = Math.max(1, Math.min(options.limit ?? 10, 10_000))
  const op = desc ? '<' : '>'
  const cond = after === null ? '' : ` AND (date ${op} ? OR (date = ? AND seq ${op} ?))`
  const dir = desc ? 'DESC' : 'ASC'
  const rows = await db.all<Row>(
    `SELECT visit, date, seq, status, snapshot, type, metadata FROM origin_visit_status WHERE origin_id = ? AND visit = ?${cond} ORDER BY date ${dir}, seq ${dir} LIMIT ?`,
    after === null
      ? [oid, visit, limit + 1]
      : [oid, visit, after[0], after[0], after[1], limit + 1],
  )
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    results: page.map((r) => statusFromRow(origin, r)),
    nextPageToken: rows.length > limit && last ? statusToken(last['date'], last['seq']) : null,
  }
}
