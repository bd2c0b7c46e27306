/**
 * Save Code Now push webhooks, `POST /api/1/origin/save/webhook/<forge>/`: a forge announces a
 * push and the repository gets a save request (visit type git), as Software Heritage's receivers
 * (swh-web `save_origin_webhooks/`) read the payloads. Unlike those, every delivery must be
 * authenticated with the operator's per-forge secret (`ARCA_WEBHOOK_SECRET_<FORGE>`):
 *
 * | forge       | proof                                                                   |
 * | ----------- | ----------------------------------------------------------------------- |
 * | `github`    | `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`             |
 * | `gitlab`    | `X-Gitlab-Token: <the secret>`                                          |
 * | `gitea`     | `X-Gitea-Signature: <hex HMAC-SHA256>`                                  |
 * | `forgejo`   | `X-Forgejo-Signature: <hex HMAC-SHA256>`                                |
 * | `bitbucket` | `X-Hub-Signature: sha256=<hex HMAC-SHA256>`                             |
 * | `sourcehut` | `X-Payload-Signature`: base64 Ed25519 signature of body + `X-Payload-Nonce`; the secret is sr.ht's base64 public key |
 *
 * A forge without a configured secret, or a missing or wrong proof, is a 403 and nothing is
 * queued. Proofs are compared in constant time, over the exact bytes received, before the body
 * is parsed.
 *
 * @module
 */

import { createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto'

import type { Context } from 'hono'

import { ForbiddenError, InvalidInputError } from '../../errors.js'
import type { WebContext } from '../context.js'
import { baseUrl, respond } from '../http.js'
import { NEVER_CACHE, saveRequestJson, saveService } from '../save-json.js'
import type { RouteDef } from './route.js'

type Headers = (name: string) => string | undefined
type Payload = Record<string, unknown>

/** What one forge's receiver knows. */
interface Forge {
  /** The forge's name in SWH's messages. */
  readonly title: string
  /** The header carrying the proof. */
  readonly proofHeader: string
  /** Whether `body` carries a valid proof for `secret`. */
  authentic(body: Buffer, secret: string, header: Headers): boolean
  /** `push`, `ping`, or anything else (refused). */
  event(header: Headers): 'push' | 'ping' | 'other'
  /** The repository URL and whether it is private. */
  repository(payload: Payload): { url: string; private: boolean }
}

const obj = (v: unknown): Payload =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Payload) : {}
const text = (v: unknown): string => (typeof v === 'string' ? v : '')

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const hmacHex = (secret: string, body: Buffer): string =>
  createHmac('sha256', secret).update(body).digest('hex')

/** An HMAC-SHA256 proof in `header`, bare hex or after `prefix`. */
function hmacProof(header: string, prefix: string) {
  return (body: Buffer, secret: string, h: Headers): boolean => {
    const got = h(header)
    return got !== undefined && sameText(got.toLowerCase(), prefix + hmacHex(secret, body))
  }
}

/** SPKI prefix of a raw 32-byte Ed25519 public key. */
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex')

function ed25519Proof(body: Buffer, secret: string, h: Headers): boolean {
  const sig = h('x-payload-signature')
  const nonce = h('x-payload-nonce')
  if (sig === undefined || nonce === undefined) return false
  try {
    const raw = Buffer.from(secret, 'base64')
    if (raw.length !== 32) return false
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI, raw]),
      format: 'der',
      type: 'spki',
    })
    return verify(null, Buffer.concat([body, Buffer.from(nonce)]), key, Buffer.from(sig, 'base64'))
  } catch {
    return false
  }
}

const byHeader =
  (header: string, push: (v: string) => boolean, ping?: string) =>
  (h: Headers): 'push' | 'ping' | 'other' => {
    const v = h(header) ?? ''
    if (ping !== undefined && v === ping) return 'ping'
    return push(v) ? 'push' : 'other'
  }

const giteaLike = (title: string, signature: string, event: string): Forge => ({
  title,
  proofHeader: signature,
  authentic: hmacProof(signature.toLowerCase(), ''),
  event: byHeader(event, (v) => v === 'push'),
  repository: (p) => {
    const repo = obj(p['repository'])
    return { url: text(repo['clone_url']), private: repo['private'] === true }
  },
})

/** The receivers, by the path segment that names them. */
export const FORGES: Readonly<Record<string, Forge>> = {
  github: {
    title: 'GitHub',
    proofHeader: 'X-Hub-Signature-256',
    authentic: hmacProof('x-hub-signature-256', 'sha256='),
    event: byHeader('x-github-event', (v) => v === 'push', 'ping'),
    repository: (p) => {
      const repo = obj(p['repository'])
      return { url: text(repo['html_url']), private: repo['private'] === true }
    },
  },
  gitlab: {
    title: 'GitLab',
    proofHeader: 'X-Gitlab-Token',
    authentic: (_body, secret, h) => sameText(h('x-gitlab-token') ?? '', secret),
    event: byHeader('x-gitlab-event', (v) => v.includes('Push Hook')),
    repository: (p) => {
      const repo = obj(p['repository'])
      // visibility_level: 0 private, 10 internal, 20 public
      const level = repo['visibility_level'] ?? 20
      return { url: text(repo['git_http_url']), private: level !== 20 }
    },
  },
  gitea: giteaLike('Gitea', 'X-Gitea-Signature', 'x-gitea-event'),
  forgejo: giteaLike('Forgejo', 'X-Forgejo-Signature', 'x-forgejo-event'),
  bitbucket: {
    title: 'Bitbucket',
    proofHeader: 'X-Hub-Signature',
    authentic: hmacProof('x-hub-signature', 'sha256='),
    event: byHeader('x-event-key', (v) => v === 'repo:push', 'diagnostics:ping'),
    repository: (p) => {
      const repo = obj(p['repository'])
      const href = text(obj(obj(repo['links'])['html'])['href'])
      return { url: href ? `${href}.git` : '', private: repo['is_private'] === true }
    },
  },
  sourcehut: {
    title: 'SourceHut',
    proofHeader: 'X-Payload-Signature',
    authentic: ed25519Proof,
    event: byHeader('x-webhook-event', (v) => v === 'repo:post-update'),
    repository: (p) => {
      const repo = obj(p['repository'])
      const owner = text(obj(repo['owner'])['canonical_name'])
      const name = text(repo['name'])
      return {
        url: owner && name ? `https://git.sr.ht/${owner}/${name}` : '',
        private: repo['visibility'] !== undefined && repo['visibility'] !== 'public',
      }
    },
  },
}

/** The forges, in the order documented. */
export const WEBHOOK_FORGES: readonly string[] = Object.keys(FORGES)

async function receive(c: Context, ctx: WebContext, name: string): Promise<Response> {
  const forge = FORGES[name]!
  const secret = ctx.webhookSecrets?.[name]
  if (!secret)
    throw new ForbiddenError(`${forge.title} webhooks are not enabled on this server (no secret)`)
  const body = Buffer.from(await c.req.arrayBuffer())
  const header: Headers = (n) => c.req.header(n)
  if (!forge.authentic(body, secret, header))
    throw new ForbiddenError(
      `The ${forge.title} webhook delivery has a missing or invalid ${forge.proofHeader}: nothing was queued`,
    )
  const event = forge.event(header)
  if (event === 'ping') return respond(c, { message: 'pong' })
  if (event === 'other')
    throw new InvalidInputError(
      `Event sent by ${forge.title} webhook is not a push one, request has not been processed.`,
    )
  const type = c.req.header('content-type')
  if (type && !type.startsWith('application/json'))
    throw new InvalidInputError(
      `Invalid content type '${type}' for the POST request sent by ${forge.title} webhook, it should be 'application/json'.`,
    )
  let payload: Payload
  try {
    payload = obj(JSON.parse(body.toString('utf8')))
  } catch {
    throw new InvalidInputError(`The ${forge.title} webhook payload is not JSON`)
  }
  const repo = forge.repository(payload)
  if (!repo.url)
    throw new InvalidInputError(
      `Repository URL could not be extracted from ${forge.title} webhook payload.`,
    )
  if (repo.private)
    throw new InvalidInputError(
      `Repository ${repo.url} is private and cannot be cloned without authentication.`,
    )
  const info = await saveService(ctx).submit({
    visitType: 'git',
    originUrl: repo.url,
    requester: `webhook:${name}`,
    webhookOrigin: name,
  })
  const all = saveRequestJson(info, baseUrl(c, ctx.config))
  const keep = [
    'id',
    'request_url',
    'origin_url',
    'visit_type',
    'save_request_date',
    'save_request_status',
    'save_task_status',
  ]
  return respond(c, Object.fromEntries(keep.map((k) => [k, all[k]])), {
    headers: { 'Cache-Control': NEVER_CACHE },
  })
}

/** One route per forge. */
export const saveWebhookRoutes: RouteDef[] = WEBHOOK_FORGES.map((name) => ({
  method: 'POST',
  path: `/origin/save/webhook/${name}/`,
  docPath: `/origin/save/webhook/${name}/`,
  summary: `${FORGES[name]!.title} push webhook: a save request for the pushed repository (signed with the operator's secret)`,
  scope: 'swh_api',
  handler: (c: Context, ctx: WebContext) => receive(c, ctx, name),
}))
