/**
 * Save Code Now push webhooks against a real `arca serve` with a secret per forge: a delivery
 * signed as each forge signs makes a save request for the repository its payload names; a
 * missing or wrong proof is a 403 and queues nothing. The proofs are made by openssl (HMAC-SHA256,
 * and Ed25519 for SourceHut with a key openssl generates), not by Arca's code.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ServeProcess, startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

type Json = Record<string, unknown>

const SECRET = "It is a s3cret, isn't it"
let dir: string
let server: ServeProcess
let srhtKey: string

function opensslHmac(body: string): string {
  const file = join(dir, 'body')
  writeFileSync(file, body)
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', SECRET, '-r', file], {
    encoding: 'utf8',
  })
  return out.split(' ')[0]!
}

function opensslEd25519(data: string): string {
  const file = join(dir, 'signed')
  writeFileSync(file, data)
  return execFileSync('openssl', [
    'pkeyutl',
    '-sign',
    '-inkey',
    srhtKey,
    '-rawin',
    '-in',
    file,
  ]).toString('base64')
}

interface Delivery {
  readonly forge: string
  readonly headers: (body: string) => Record<string, string>
  readonly payload: Json
  readonly origin: string
  readonly proof: string
}

const repoPayloads: Delivery[] = [
  {
    forge: 'github',
    headers: (b) => ({
      'User-Agent': 'GitHub-Hookshot/1a2b3c',
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': `sha256=${opensslHmac(b)}`,
    }),
    payload: {
      ref: 'refs/heads/main',
      repository: { html_url: 'https://github.com/hooks/gh', private: false },
    },
    origin: 'https://github.com/hooks/gh',
    proof: 'X-Hub-Signature-256',
  },
  {
    forge: 'gitlab',
    headers: () => ({
      'User-Agent': 'GitLab/17.0.0',
      'X-Gitlab-Event': 'Push Hook',
      'X-Gitlab-Token': SECRET,
    }),
    payload: {
      object_kind: 'push',
      repository: { git_http_url: 'https://gitlab.com/hooks/gl.git', visibility_level: 20 },
    },
    origin: 'https://gitlab.com/hooks/gl.git',
    proof: 'X-Gitlab-Token',
  },
  {
    forge: 'gitea',
    headers: (b) => ({ 'X-Gitea-Event': 'push', 'X-Gitea-Signature': opensslHmac(b) }),
    payload: { repository: { clone_url: 'https://gitea.com/hooks/gt.git', private: false } },
    origin: 'https://gitea.com/hooks/gt.git',
    proof: 'X-Gitea-Signature',
  },
  {
    forge: 'forgejo',
    headers: (b) => ({ 'X-Forgejo-Event': 'push', 'X-Forgejo-Signature': opensslHmac(b) }),
    payload: { repository: { clone_url: 'https://codeberg.org/hooks/fj.git', private: false } },
    origin: 'https://codeberg.org/hooks/fj.git',
    proof: 'X-Forgejo-Signature',
  },
  {
    forge: 'bitbucket',
    headers: (b) => ({
      'User-Agent': 'Bitbucket-Webhooks/2.0',
      'X-Event-Key': 'repo:push',
      'X-Hub-Signature': `sha256=${opensslHmac(b)}`,
    }),
    payload: {
      repository: {
        links: { html: { href: 'https://bitbucket.org/hooks/bb' } },
        is_private: false,
      },
    },
    origin: 'https://bitbucket.org/hooks/bb.git',
    proof: 'X-Hub-Signature',
  },
  {
    forge: 'sourcehut',
    headers: (b) => {
      const nonce = '8f2c1e0a'
      return {
        'X-Webhook-Event': 'repo:post-update',
        'X-Payload-Nonce': nonce,
        'X-Payload-Signature': opensslEd25519(b + nonce),
      }
    },
    payload: {
      repository: { name: 'sh', owner: { canonical_name: '~hooks' }, visibility: 'public' },
    },
    origin: 'https://git.sr.ht/~hooks/sh',
    proof: 'X-Payload-Signature',
  },
]

async function deliver(forge: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/api/1/origin/save/webhook/${forge}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  })
  return { status: res.status, body: (await res.json()) as Json }
}

async function requestsOf(origin: string): Promise<number> {
  const res = await fetch(`${server.url}/api/1/origin/save/git/url/${origin}/`)
  return res.status === 404 ? 0 : ((await res.json()) as unknown[]).length
}

beforeAll(async () => {
  dir = makeTemp('arca-save-hooks-')
  srhtKey = join(dir, 'srht.pem')
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', srhtKey])
  const der = execFileSync('openssl', ['pkey', '-in', srhtKey, '-pubout', '-outform', 'DER'])
  const env: Record<string, string> = {}
  for (const d of repoPayloads) env[`ARCA_WEBHOOK_SECRET_${d.forge.toUpperCase()}`] = SECRET
  env['ARCA_WEBHOOK_SECRET_SOURCEHUT'] = der.subarray(der.length - 32).toString('base64')
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    server = await startServe(['--data', join(dir, 'data'), '--exempt', 'none'])
  } finally {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k]
  }
})
afterAll(async () => {
  await server?.stop()
  removeTemp(dir)
})

describe('Save Code Now push webhooks', () => {
  it.each(repoPayloads.map((d) => [d.forge, d] as const))(
    '%s: a signed push makes a save request; a missing or wrong proof is a 403',
    async (_, d) => {
      const body = JSON.stringify(d.payload)
      const headers = d.headers(body)
      // wrong proof: the proof of another body (GitLab's token is not a signature: another token)
      const tampered = JSON.stringify({ ...d.payload, extra: 1 })
      const proofKey = Object.keys(headers).find((k) => k.toLowerCase() === d.proof.toLowerCase())!
      const forged = d.forge === 'gitlab' ? 'not the secret' : d.headers(tampered)[proofKey]!
      const bad = await deliver(d.forge, body, { ...headers, [proofKey]: forged })
      expect(bad.status).toBe(403)
      expect(bad.body['reason']).toContain(d.proof)
      const missing = { ...headers }
      for (const k of Object.keys(missing))
        if (k.toLowerCase() === d.proof.toLowerCase()) delete missing[k]
      expect((await deliver(d.forge, body, missing)).status).toBe(403)
      expect(await requestsOf(d.origin)).toBe(0)

      const ok = await deliver(d.forge, body, headers)
      expect(ok.status, JSON.stringify(ok.body)).toBe(200)
      expect(ok.body).toMatchObject({
        origin_url: d.origin,
        visit_type: 'git',
        save_request_status: 'pending',
        save_task_status: 'not created',
      })
      const full = (await (await fetch(String(ok.body['request_url']))).json()) as Json
      expect([full['from_webhook'], full['webhook_origin']]).toEqual([true, d.forge])
    },
  )

  it('GitHub ping is answered; other events and private repositories are a 400', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.' })
    const pong = await deliver('github', ping, {
      'X-GitHub-Event': 'ping',
      'X-Hub-Signature-256': `sha256=${opensslHmac(ping)}`,
    })
    expect([pong.status, pong.body]).toEqual([200, { message: 'pong' }])
    const issue = JSON.stringify({ action: 'opened' })
    const other = await deliver('github', issue, {
      'X-GitHub-Event': 'issues',
      'X-Hub-Signature-256': `sha256=${opensslHmac(issue)}`,
    })
    expect(other.status).toBe(400)
    expect(other.body['reason']).toBe(
      'Event sent by GitHub webhook is not a push one, request has not been processed.',
    )
    const secret = JSON.stringify({
      repository: { html_url: 'https://github.com/hooks/private', private: true },
    })
    const priv = await deliver('github', secret, {
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': `sha256=${opensslHmac(secret)}`,
    })
    expect(priv.status).toBe(400)
    expect(priv.body['reason']).toBe(
      'Repository https://github.com/hooks/private is private and cannot be cloned without authentication.',
    )
  })
})
