import { Worker } from 'node:worker_threads'
import {
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type SqliteDatabase as KyselySqliteDatabase,
} from 'kysely'

export interface SplitSqliteConfig {
  readonly path: string
  /** PRAGMAs the writer runs when it opens, before the reader opens. */
  readonly writerPragmas: readonly string[]
  /** Prepared statements the writer keeps. */
  readonly statementCacheSize: number
  /** Opens the event loop's read-only connection (called once the writer is open). */
  readonly openReader: () => KyselySqliteDatabase
}

/**
 * SQLite for the control plane with its writes on a thread of their own. Plain reads (`select`
 * outside a transaction) run on a connection in the event loop's thread, as before: they are quick
 * and see every committed write. Everything else (inserts, updates, deletes, DDL, raw SQL and every
 * statement of a transaction) runs on one connection in a worker thread (`sqlite-writer-worker.js`),
 * so the work of writing (B-tree pages, the WAL, fsync, checkpoints) uses another core than the
 * event loop: the archive, metering, Delivery Overview and lineage write several thousand rows a
 * second under load, which in the event loop delayed everything else.
 *
 * The writer connection does one thing at a time: a transaction holds it from `begin immediate` to
 * its end, and a write outside a transaction waits for it, as on a single connection. Reads outside
 * a transaction never wait for a transaction: like on PostgreSQL, they see what is committed.
 */
export class SplitSqliteDialect implements Dialect {
  constructor(private readonly config: SplitSqliteConfig) {}

  createDriver(): Driver {
    return new SplitSqliteDriver(this.config)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}

class SplitSqliteDriver implements Driver {
  readonly #config: SplitSqliteConfig
  readonly #writer: WriterThread
  readonly #writerLock = new Mutex()
  #reader: KyselySqliteDatabase | undefined

  constructor(config: SplitSqliteConfig) {
    this.#config = config
    this.#writer = new WriterThread(config)
  }

  async init(): Promise<void> {
    await this.#writer.ready
    this.#reader = this.#config.openReader()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SplitConnection(this.#reader!, this.#writer, this.#writerLock)
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const split = connection as SplitConnection
    await this.#writerLock.lock()
    try {
      // IMMEDIATE: the transaction takes the write lock up front (see `dialect.ts`).
      await this.#writer.run('begin immediate', [])
    } catch (error) {
      this.#writerLock.unlock()
      throw error
    }
    split.inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed commit leaves the transaction open: Kysely rolls it back next, which unlocks.
    await this.#writer.run('commit', [])
    this.#end(connection as SplitConnection)
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#writer.run('rollback', [])
    } finally {
      this.#end(connection as SplitConnection)
    }
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.#writer.close()
    this.#reader?.close()
  }

  #end(connection: SplitConnection): void {
    if (!connection.inTransaction) return
    connection.inTransaction = false
    this.#writerLock.unlock()
  }
}

class SplitConnection implements DatabaseConnection {
  inTransaction = false

  constructor(
    private readonly reader: KyselySqliteDatabase,
    private readonly writer: WriterThread,
    private readonly writerLock: Mutex,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery
    if (this.inTransaction) return this.writer.run(sql, parameters)
    if (SelectQueryNode.is(compiledQuery.query)) {
      return { rows: this.reader.prepare(sql).all(parameters) as R[] }
    }
    await this.writerLock.lock()
    try {
      return await this.writer.run(sql, parameters)
    } finally {
      this.writerLock.unlock()
    }
  }

  // eslint-disable-next-line require-yield -- the control plane never streams
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the control plane')
  }
}

interface Reply {
  id: number
  rows?: unknown[]
  changes?: number | bigint
  lastInsertRowid?: number | bigint
  error?: { name: string; message: string; code?: string }
  ready?: true
  openError?: { name: string; message: string; code?: string }
  closed?: true
}

/** The worker thread and the statements it is running, each answered in order. */
class WriterThread {
  readonly ready: Promise<void>
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>()
  #nextId = 0
  #starting = true
  #failure: Error | undefined

  constructor(config: SplitSqliteConfig) {
    this.#worker = new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), {
      workerData: {
        path: config.path,
        pragmas: config.writerPragmas,
        statementCacheSize: config.statementCacheSize,
      },
    })
    let opened!: () => void
    let failed!: (error: Error) => void
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve
      failed = reject
    })
    this.ready.catch(() => {}) // reported to whoever waits for it
    const fail = (error: Error) => {
      this.#failure ??= error
      failed(error)
      for (const { reject } of this.#pending.values()) reject(error)
      this.#pending.clear()
    }
    this.#worker.on('message', (reply: Reply) => {
      if (reply.ready || reply.openError) {
        this.#starting = false
        this.#updateRef()
        if (reply.openError) fail(asError(reply.openError))
        else opened()
        return
      }
      const pending = this.#pending.get(reply.id)
      if (pending === undefined) return
      this.#pending.delete(reply.id)
      this.#updateRef()
      if (reply.error) pending.reject(asError(reply.error))
      else pending.resolve(reply)
    })
    this.#worker.on('error', fail)
    this.#worker.on('exit', (code) =>
      fail(new Error(`the SQLite writer thread has stopped (exit code ${code})`)),
    )
  }

  async run<R>(sql: string, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    const reply = await this.#request({ sql, parameters })
    if (reply.rows) return { rows: reply.rows as R[] }
    return {
      numAffectedRows: BigInt(reply.changes ?? 0),
      insertId: BigInt(reply.lastInsertRowid ?? 0),
      rows: [],
    }
  }

  async close(): Promise<void> {
    if (this.#failure === undefined) {
      await this.ready.catch(() => {})
      if (this.#failure === undefined) await this.#request({ close: true }).catch(() => {})
    }
    await this.#worker.terminate()
  }

  #request(message: { sql: string; parameters: readonly unknown[] } | { close: true }): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      const id = ++this.#nextId
      this.#pending.set(id, { resolve, reject })
      this.#updateRef()
      this.#worker.postMessage({ id, ...message })
    })
  }

  /** The thread keeps the process alive only while it starts or has statements to answer. */
  #updateRef(): void {
    if (this.#starting || this.#pending.size > 0) this.#worker.ref()
    else this.#worker.unref()
  }
}

function asError(described: { name: string; message: string; code?: string }): Error {
  const error = new Error(described.message) as Error & { code?: string }
  error.name = described.name
  if (described.code !== undefined) error.code = described.code
  return error
}

/** First come, first served. */
class Mutex {
  #locked = false
  readonly #waiting: (() => void)[] = []

  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  unlock(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#locked = false
  }
}
