/**
 * Bearer tokens of the Web API, stored in the archive's database: only a SHA-256 of each secret
 * is kept, with a name, scopes and dates. A token is shown once, at creation.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import type { SqlExecutor } from '../../storage/index.js'

/** Scopes a token may carry. */
export const TOKEN_SCOPES = ['api', 'mirror', 'admin'] as const
/** One of {@link TOKEN_SCOPES}. */
export type TokenScope = (typeof TOKEN_SCOPES)[number]

/** A token as listed (never its secret). */
export interface TokenInfo {
  readonly id: string
  readonly name: string
  readonly scopes: readonly TokenScope[]
  readonly created: Date
  readonly revoked: Date | null
}

const PREFIX = 'arca_'

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

type Row = Record<string, unknown>

function info(r: Row): TokenInfo {
  return {
    id: String(r['id']),
    name: String(r['name']),
    scopes: String(r['scopes'] as string)
      .split(',')
      .filter(Boolean) as TokenScope[],
    created: new Date(Number(r['created'])),
    revoked:
      r['revoked'] === null || r['revoked'] === undefined ? null : new Date(Number(r['revoked'])),
  }
}

/**
 * Creates, checks, lists and revokes tokens.
 *
 * @example
 * ```ts
 * const tokens = new TokenStore(archive.backend.db)
 * const { secret } = await tokens.create('ci', ['api'])
 * await tokens.verify(secret) // TokenInfo
 * ```
 */
export class TokenStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Creates a token; returns its id and secret (shown once). */
  async create(
    name: string,
    scopes: readonly string[],
  ): Promise<{ id: string; secret: string; info: TokenInfo }> {
    const bad = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s))
    if (bad.length > 0)
      throw new InvalidInputError(
        `Unknown token scope ${bad.map((b) => `"${b}"`).join(', ')}: use ${TOKEN_SCOPES.join(', ')}`,
      )
    if (scopes.length === 0) throw new InvalidInputError('A token needs at least one scope')
    const id = randomBytes(6).toString('hex')
    const secret = `${PREFIX}${id}_${randomBytes(24).toString('base64url')}`
    const created = Date.now()
    await this.db.run(
      'INSERT INTO api_token (id, secret_hash, name, scopes, created, revoked) VALUES (?, ?, ?, ?, ?, NULL)',
      [id, hashSecret(secret), name, [...new Set(scopes)].join(','), created],
    )
    return {
      id,
      secret,
      info: {
        id,
        name,
        scopes: [...new Set(scopes)] as TokenScope[],
        created: new Date(created),
        revoked: null,
      },
    }
  }

  /**
   * The token a secret belongs to, if valid (not revoked). Not cached: each call is one lookup
   * by the secret's hash (a unique index), so a token revoked by any process (`arca token
   * revoke`) is refused from the next request on.
   */
  async verify(secret: string): Promise<TokenInfo | null> {
    const rows = await this.db.all<Row>('SELECT * FROM api_token WHERE secret_hash = ?', [
      hashSecret(secret),
    ])
    const found = rows[0] ? info(rows[0]) : null
    return found && found.revoked === null ? found : null
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.db.all<Row>('SELECT * FROM api_token ORDER BY created')).map(info)
  }

  /** Revokes a token by id. */
  async revoke(id: string): Promise<void> {
    const n = await this.db.run(
      'UPDATE api_token SET revoked = ? WHERE id = ? AND revoked IS NULL',
      [Date.now(), id],
    )
    if (n === 0) throw new NotFoundError(`No active token "${id}"`)
  }
}
