/**
 * Real services for integration suites. In CI (`CI=true`) an unreachable service fails the
 * suite; elsewhere the suite is skipped with a printed notice.
 */
import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'

import pg from 'pg'

/** Base URL of the local PostgreSQL server (override with ARCA_TEST_POSTGRES). */
export const POSTGRES_BASE =
  process.env['ARCA_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432'

const inCi = process.env['CI'] === 'true'

/** Whether a TCP port answers. */
export function tcpReachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * Checks a service: true when usable; false (with a notice) when not and not in CI; throws in
 * CI, so the suite fails loudly.
 */
export async function requireService(
  name: string,
  check: () => Promise<boolean>,
): Promise<boolean> {
  let ok = false
  try {
    ok = await check()
  } catch {
    ok = false
  }
  if (ok) return true
  if (inCi)
    throw new Error(`${name} is unreachable, and CI=true requires the ${name} suites to run`)
  console.warn(`NOTICE: ${name} is unreachable: skipping its suites (they run in CI)`)
  return false
}

/** Whether PostgreSQL is usable (see {@link requireService}). */
export function postgresAvailable(): Promise<boolean> {
  return requireService('PostgreSQL', async () => {
    const client = new pg.Client({ connectionString: `${POSTGRES_BASE}/postgres` })
    await client.connect()
    await client.end()
    return true
  })
}

/** Creates a throwaway database; returns its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `arca_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: `${POSTGRES_BASE}/postgres` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  return {
    url: `${POSTGRES_BASE}/${name}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: `${POSTGRES_BASE}/postgres` })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    },
  }
}

/** A fixture made on a fresh PostgreSQL database, which the fixture's cleanup then drops. */
export async function onTestDatabase<F extends { readonly cleanup: () => Promise<void> }>(
  make: (url: string) => Promise<F>,
): Promise<F> {
  const db = await createTestDatabase()
  const f = await make(db.url)
  const cleanup = f.cleanup
  return {
    ...f,
    cleanup: async () => {
      await cleanup()
      await db.drop()
    },
  }
}

/** Address of the local NATS server (override with ARCA_TEST_NATS). */
export const NATS_SERVER = process.env['ARCA_TEST_NATS'] ?? '127.0.0.1:4222'

/** Whether NATS (with JetStream) is usable (see {@link requireService}). */
export function natsAvailable(): Promise<boolean> {
  return requireService('NATS JetStream', async () => {
    const [host, port] = NATS_SERVER.split(':')
    return tcpReachable(host!, Number(port ?? 4222))
  })
}

/** Deletes every JetStream stream (and key-value bucket) whose name starts with `prefix_`. */
export async function deleteNatsPrefix(prefix: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node')
  const { jetstreamManager } = await import('@nats-io/jetstream')
  const nc = await connect({ servers: NATS_SERVER })
  try {
    const jsm = await jetstreamManager(nc)
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name)
    }
  } finally {
    await nc.close()
  }
}

/** URL of the local Redis server (override with ARCA_TEST_REDIS). */
export const REDIS_URL = process.env['ARCA_TEST_REDIS'] ?? 'redis://127.0.0.1:6379'

/** Whether Redis is usable (see {@link requireService}). */
export function redisAvailable(): Promise<boolean> {
  return requireService('Redis', async () => {
    const u = new URL(REDIS_URL)
    return tcpReachable(u.hostname, Number(u.port || 6379))
  })
}
