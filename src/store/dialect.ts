import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection as KyselyConnection,
  type Driver,
  type SqliteDatabase as KyselySqliteDatabase,
  type SqliteDialectConfig,
} from 'kysely'
import pg from 'pg'
import type { ControlPlaneDatabase } from './schema.ts'
import { SplitSqliteDialect } from './sqlite-split-driver.ts'

export type StoreDialectName = 'sqlite' | 'postgres'

/**
 * What differs between the engines, stated as data so that no repository asks which engine it is
 * talking to. Migrations (column types), start-up and repositories (through their context) read these.
 */
export interface StoreCapabilities {
  readonly dialect: StoreDialectName
  /** Column type for instants. */
  readonly timestampType: 'text' | 'timestamptz'
  /** Column type for flags. */
  readonly booleanType: 'integer' | 'boolean'
  /** Whether the engine serialises concurrent migrations itself (Kysely's PostgreSQL advisory lock). */
  readonly locksMigrations: boolean
  /**
   * Column type of an id the database assigns in insert order, never reusing one (not even after
   * the newest rows are deleted): SQLite's `integer primary key autoincrement`, PostgreSQL's `bigserial`.
   */
  readonly serialType: 'integer' | 'bigserial'
  /**
   * Whether a read-then-write transaction must lock the rows it read (`select … for update`). SQLite
   * doesn't need to: its transactions take the write lock when they begin.
   */
  readonly locksReadRows: boolean
}

const CAPABILITIES: Record<StoreDialectName, StoreCapabilities> = {
  sqlite: Object.freeze({
    dialect: 'sqlite',
    timestampType: 'text',
    booleanType: 'integer',
    locksMigrations: false,
    serialType: 'integer',
    locksReadRows: false,
  }),
  postgres: Object.freeze({
    dialect: 'postgres',
    timestampType: 'timestamptz',
    booleanType: 'boolean',
    locksMigrations: true,
    serialType: 'bigserial',
    locksReadRows: true,
  }),
}

export interface DatabaseConnection {
  readonly db: Kysely<ControlPlaneDatabase>
  readonly capabilities: StoreCapabilities
  /** A human-readable location for logs, without credentials. */
  readonly location: string
}

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

export interface OpenDatabaseOptions {
  /** Called when an idle pooled connection fails (the server restarted, the network dropped). */
  onConnectionError?: (error: Error) => void
}

export function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): DatabaseConnection {
  if (target.kind === 'sqlite') {
    // WAL: readers never block the writer. FULL: a committed control-plane change survives power
    // loss, not only a process crash.
    const pragmas = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'busy_timeout = 5000']
    if (target.path !== ':memory:') {
      mkdirSync(dirname(target.path), { recursive: true })
      return {
        db: new Kysely<ControlPlaneDatabase>({
          dialect: new SplitSqliteDialect({
            path: target.path,
            writerPragmas: pragmas,
            statementCacheSize: STATEMENT_CACHE_SIZE,
            openReader: () => {
              const reader = new SqliteDatabase(target.path)
              reader.pragma('busy_timeout = 5000')
              reader.pragma('query_only = ON')
              return withStatementCache(reader)
            },
          }),
        }),
        capabilities: CAPABILITIES.sqlite,
        location: `sqlite:${target.path}`,
      }
    }
    // An in-memory database lives in one connection: reads and writes share it, in this thread.
    const database = new SqliteDatabase(target.path)
    for (const pragma of pragmas) database.pragma(pragma)
    return {
      db: new Kysely<ControlPlaneDatabase>({
        dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
      }),
      capabilities: CAPABILITIES.sqlite,
      location: `sqlite:${target.path}`,
    }
  }
  const pool = new pg.Pool({ connectionString: target.url, max: 10 })
  // Without a listener, an idle connection's error is an unhandled 'error' event that ends the
  // process. The pool drops the broken connection and opens a new one on the next query.
  pool.on('error', (error) => options.onConnectionError?.(error))
  const url = new URL(target.url)
  return {
    db: new Kysely<ControlPlaneDatabase>({ dialect: new PostgresDialect({ pool }) }),
    capabilities: CAPABILITIES.postgres,
    location: `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`,
  }
}

/**
 * SQLite transactions start with BEGIN IMMEDIATE: they take the write lock up front (waiting up to
 * busy_timeout), so a transaction that reads and then writes can't fail half way with SQLITE_BUSY
 * when another process wrote in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: KyselyConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
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
        statements.delete(text) // re-inserted below: Map order is recency order
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
  const code = (e as { code?: string } | undefined)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** True when the error is a foreign-key violation, in either engine. */
export function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: string } | undefined)?.code
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}
