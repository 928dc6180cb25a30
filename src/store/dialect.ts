import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type SqliteDatabase as KyselySqliteDatabase,
} from 'kysely'
import pg from 'pg'
import type { ControlPlaneDatabase } from './schema.ts'

export type StoreDialectName = 'sqlite' | 'postgres'

/**
 * What differs between the engines, stated as data so that no repository asks which engine it is
 * talking to. Only migrations (column types) and error classification read these.
 */
export interface StoreCapabilities {
  readonly dialect: StoreDialectName
  /** Column type for instants. */
  readonly timestampType: 'text' | 'timestamptz'
  /** Column type for flags. */
  readonly booleanType: 'integer' | 'boolean'
}

const CAPABILITIES: Record<StoreDialectName, StoreCapabilities> = {
  sqlite: Object.freeze({ dialect: 'sqlite', timestampType: 'text', booleanType: 'integer' }),
  postgres: Object.freeze({ dialect: 'postgres', timestampType: 'timestamptz', booleanType: 'boolean' }),
}

export interface DatabaseConnection {
  readonly db: Kysely<ControlPlaneDatabase>
  readonly capabilities: StoreCapabilities
  /** A human-readable location for logs, without credentials. */
  readonly location: string
}

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

export function openDatabase(target: DatabaseTarget): DatabaseConnection {
  if (target.kind === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true })
    const database = new SqliteDatabase(target.path)
    database.pragma('journal_mode = WAL')
    // FULL: a committed control-plane change survives power loss, not only a process crash.
    database.pragma('synchronous = FULL')
    database.pragma('foreign_keys = ON')
    database.pragma('busy_timeout = 5000')
    return {
      db: new Kysely<ControlPlaneDatabase>({
        dialect: new SqliteDialect({ database: withStatementCache(database) }),
      }),
      capabilities: CAPABILITIES.sqlite,
      location: `sqlite:${target.path}`,
    }
  }
  const pool = new pg.Pool({ connectionString: target.url, max: 10 })
  const url = new URL(target.url)
  return {
    db: new Kysely<ControlPlaneDatabase>({ dialect: new PostgresDialect({ pool }) }),
    capabilities: CAPABILITIES.postgres,
    location: `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`,
  }
}

/** Most prepared statements kept per SQLite connection; the control plane issues far fewer distinct queries. */
const STATEMENT_CACHE_SIZE = 500

/**
 * Kysely prepares every query anew; preparing costs more than running a small query. Queries are
 * built from a fixed set of shapes, so their SQL text repeats: keep the prepared statements.
 * Safe because Kysely runs one query at a time on the single SQLite connection.
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text)
      if (statement) {
        statements.delete(text) // re-insert below: Map order is recency order
      } else {
        statement = database.prepare(text)
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!)
      }
      statements.set(text, statement)
      return statement
    },
  }
}

export async function pingDatabase(db: Kysely<ControlPlaneDatabase>): Promise<void> {
  await sql`select 1`.execute(db)
}

/** True when the error is a unique-constraint violation, in either engine. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string }
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}
