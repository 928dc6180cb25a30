import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as connectNats, type NatsConnection } from 'nats'
import pg from 'pg'
import type { DatabaseTarget } from '../../src/store/index.ts'

/**
 * Real services for integration tests. When a service is missing the tests that need it skip with
 * the reason, except under CI=true, where a missing service fails the run.
 */
export const IN_CI = process.env.CI === 'true'

export const POSTGRES_ADMIN_URL =
  process.env.SWITCHYARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Undefined when PostgreSQL answers; otherwise the reason to skip. Throws under CI=true. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (e) {
    const reason = `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${(e as Error).message}); set SWITCHYARD_TEST_POSTGRES_URL or start it`
    if (IN_CI) throw new Error(`CI=true and ${reason}`, { cause: e })
    return reason
  } finally {
    await client.end().catch(() => {})
  }
}

export interface TestDatabase {
  readonly target: DatabaseTarget
  /** A connection URL for PostgreSQL databases (for starting a server process against it). */
  readonly url?: string
  drop(): Promise<void>
}

/**
 * A fresh, empty PostgreSQL database of its own, dropped by `drop()`. It sorts text with ICU's
 * en-US collation (where 'Z' < 'a' is false), as many real installs do, so nothing may rely on
 * byte-order comparison of text.
 */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `switchyard_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  await admin.query(
    `create database ${name} template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`,
  )
  await admin.end()
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    target: { kind: 'postgres', url: url.toString() },
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

/** A PostgreSQL warehouse's settings (Segment's `55d3d3aea3c` catalog entry) for a database URL. */
export function postgresWarehouseSettings(databaseUrl: string): Record<string, string | number> {
  const url = new URL(databaseUrl)
  return {
    hostname: url.hostname,
    port: Number(url.port || 5432),
    database: url.pathname.slice(1),
    username: decodeURIComponent(url.username),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    sslMode: 'disable',
  }
}

/** A fresh SQLite database in its own temporary directory, removed by `drop()`. */
export function createSqliteDatabase(): TestDatabase & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'))
  return {
    dir,
    target: { kind: 'sqlite', path: join(dir, 'switchyard.db') },
    async drop() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface DialectCase {
  readonly name: 'sqlite' | 'postgres'
  /** Set when the suite must skip this dialect, with the reason. */
  readonly skip: string | undefined
  create(): Promise<TestDatabase>
}

/** The dialects every store test runs against, filterable with SWITCHYARD_TEST_DIALECTS=sqlite,postgres. */
export async function dialects(): Promise<DialectCase[]> {
  const wanted = (process.env.SWITCHYARD_TEST_DIALECTS ?? 'sqlite,postgres').split(',')
  const all: DialectCase[] = [
    { name: 'sqlite', skip: undefined, create: async () => createSqliteDatabase() },
    { name: 'postgres', skip: await postgresUnavailable(), create: createPostgresDatabase },
  ]
  return all.filter((d) => wanted.includes(d.name))
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'switchyard-test-'))

export const NATS_TEST_URL = process.env.SWITCHYARD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'

/** Undefined when NATS with JetStream answers; otherwise the reason to skip. Throws under CI=true. */
export async function natsUnavailable(): Promise<string | undefined> {
  let nc: NatsConnection | undefined
  try {
    nc = await connectNats({ servers: NATS_TEST_URL, timeout: 3000, maxReconnectAttempts: 0 })
    await (await nc.jetstreamManager({ timeout: 3000 })).getAccountInfo()
    return undefined
  } catch (e) {
    const reason = `NATS with JetStream is not reachable at ${NATS_TEST_URL} (${(e as Error).message}); set SWITCHYARD_TEST_NATS_URL or start nats-server -js`
    if (IN_CI) throw new Error(`CI=true and ${reason}`, { cause: e })
    return reason
  } finally {
    await nc?.close().catch(() => {})
  }
}

export interface TestNatsNamespace {
  /** `nats://…/<namespace>`: a stream URL of its own. */
  readonly url: string
  readonly namespace: string
  /** Deletes every stream, consumer and KV bucket of the namespace. */
  drop(): Promise<void>
}

/**
 * A fresh JetStream namespace of its own on the shared test server (`sytest-<pid>-<random>`), so
 * that parallel test runs never see each other's topics.
 */
export function createNatsNamespace(): TestNatsNamespace {
  const namespace = `sytest-${process.pid}-${randomBytes(4).toString('hex')}`
  return {
    url: `${NATS_TEST_URL.replace(/\/+$/, '')}/${namespace}`,
    namespace,
    async drop() {
      const nc = await connectNats({ servers: NATS_TEST_URL, timeout: 3000, maxReconnectAttempts: 0 })
      try {
        const jsm = await nc.jetstreamManager()
        const names: string[] = []
        for await (const name of jsm.streams.names()) names.push(name)
        // Topic and queue streams start `<namespace>_`, KV buckets `KV_<namespace>_`; consumers go with them.
        const ours = names.filter((n) => n.startsWith(`${namespace}_`) || n.startsWith(`KV_${namespace}_`))
        await Promise.all(ours.map((n) => jsm.streams.delete(n)))
      } finally {
        await nc.close()
      }
    },
  }
}
