/**
 * The embedded event stream on SQLite.
 *
 * Contract: `append` resolves only after the transaction holding its records has committed, so an
 * acknowledged record survives `kill -9` the moment after (and, with durability `full`, power
 * loss: the WAL is synced before the append resolves, off the event loop, see
 * `sqlite-wal-sync.ts`). Nothing is acknowledged from memory. Concurrent appends share one
 * transaction (group commit, see `sqlite-group-commit.ts`); dedupe entries are written in the same transaction as their
 * records, so a record and its "seen" mark exist together or not at all. Dedupe lookups are served
 * from memory (`dedupe-memory.ts`), rebuilt from the dedupe log on open. Group positions are
 * written through the same queue, so a commit is as durable as an append.
 *
 * All writes go through `GroupCommitWriter` and `SqliteWriteTx`; reads run between transactions on
 * the same connection. Several processes may open the same file (SQLite serialises writers);
 * readers in another process see new records through the poll interval.
 */
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import {
  checkName,
  checkOffset,
  checkRecords,
  readLimits,
  valueBytes,
  type ReadLimits,
} from '../stream-arguments.ts'
import type { SqliteStreamConfig, StreamDeps, StreamOptions } from '../stream-config.ts'
import { StreamClosedError } from '../stream-errors.ts'
import { backlogOf, evaluateLimits } from '../stream-limits.ts'
import { AppendWaiter } from '../stream-waiter.ts'
import {
  systemClock,
  type AppendOptions,
  type AppendRecord,
  type AppendResult,
  type Clock,
  type EventStream,
  type PruneResult,
  type ReadOptions,
  type StreamCapabilities,
  type StreamHealth,
  type StreamRecord,
  type StreamStats,
  type TopicStats,
} from '../stream.ts'
import { DedupeMemory } from './dedupe-memory.ts'
import { WalCheckpointer } from './sqlite-checkpointer.ts'
import { GroupCommitWriter } from './sqlite-group-commit.ts'
import { SqliteWorkQueues } from './sqlite-queues.ts'
import { openStreamDatabase } from './sqlite-schema.ts'
import { prepareStatements, type StreamStatements } from './sqlite-statements.ts'
import { WalSync } from './sqlite-wal-sync.ts'
import { freeDiskBytes, measureTopics } from './sqlite-stats.ts'
import type { SqliteWriteTx } from './sqlite-write-tx.ts'

export const SQLITE_STREAM_FILE = 'stream.sqlite'

export class SqliteStream implements EventStream {
  readonly capabilities: StreamCapabilities
  readonly queues: SqliteWorkQueues
  readonly #dataDir: string
  readonly #options: StreamOptions
  readonly #clock: Clock
  readonly #onBackgroundError: (error: unknown) => void
  readonly #db: Database
  readonly #sql: StreamStatements
  readonly #writer: GroupCommitWriter
  readonly #checkpointer: WalCheckpointer
  /** With durability `full`: syncs the WAL off the event loop (the writer commits with `OFF`). */
  readonly #walSync: WalSync | undefined
  readonly #waiter = new AppendWaiter()
  /** `topic\0group` of groups known to be registered, to skip a write on later reads. */
  readonly #knownGroups = new Set<string>()
  readonly #retentionTimer: NodeJS.Timeout | undefined
  #pruning: Promise<PruneResult> | undefined
  #health: { value: StreamHealth; at: number } | undefined
  #closed = false
  #appendedRecords = 0
  #duplicateRecords = 0

  constructor(config: SqliteStreamConfig, options: StreamOptions, deps: StreamDeps = {}) {
    const durability = config.durability ?? 'full'
    this.capabilities = Object.freeze({
      adapter: 'sqlite',
      survivesPowerLoss: durability === 'full',
      sharedAcrossHosts: false,
    })
    this.#dataDir = config.dataDir
    this.#options = options
    this.#clock = deps.clock ?? systemClock
    this.#onBackgroundError =
      deps.onBackgroundError ?? ((error) => console.error('stream retention failed', error))
    const path = join(config.dataDir, config.fileName ?? SQLITE_STREAM_FILE)
    this.#db = openStreamDatabase(config.dataDir, path, durability)
    this.#checkpointer = new WalCheckpointer(this.#db, {
      path,
      synchronous: durability === 'full' ? 'FULL' : 'NORMAL',
      onError: (error) => this.#onBackgroundError(error),
    })
    this.#sql = prepareStatements(this.#db)
    if (durability === 'full') {
      this.#walSync = new WalSync(`${path}-wal`, deps.fdatasync)
      this.#db.pragma('synchronous = OFF')
    }
    this.#writer = new GroupCommitWriter({
      db: this.#db,
      sql: this.#sql,
      clock: this.#clock,
      config: options.groupCommit,
      dedupe: this.#loadDedupeIds(),
      dedupeWindowMs: options.dedupeWindowMs,
      onCommitted: (topics) => topics.forEach((topic) => this.#waiter.notify(topic)),
      afterCommit: (bytes) => this.#checkpointer.committed(bytes),
      ...(this.#walSync && { durable: this.#walSync.durable.bind(this.#walSync) }),
    })
    this.queues = new SqliteWorkQueues({
      sql: this.#sql,
      clock: this.#clock,
      waiter: this.#waiter,
      dedupeWindowMs: options.dedupeWindowMs,
      pollIntervalMs: options.pollIntervalMs,
      write: (size, work) => this.#write(size, work),
      isClosed: () => this.#closed,
    })
    if (options.retention.intervalMs > 0) {
      this.#retentionTimer = setInterval(() => this.#pruneInBackground(), options.retention.intervalMs)
      this.#retentionTimer.unref()
    }
  }

  async append(
    topic: string,
    records: readonly AppendRecord[],
    options: AppendOptions = {},
  ): Promise<AppendResult[]> {
    checkName('topic', topic)
    checkRecords(records)
    const scope = options.dedupeScope ?? ''
    if (typeof scope !== 'string') throw new TypeError('stream dedupeScope must be a string')
    if (records.length === 0) return []
    const sizes = records.map((record) => valueBytes(record.value))
    const bytes = sizes.reduce((sum, size) => sum + size, 0)
    const window = this.#options.dedupeWindowMs
    const results = await this.#write({ records: records.length, bytes }, (tx) =>
      tx.append(topic, records, sizes, scope, window),
    )
    for (const result of results) {
      if (result.duplicate) this.#duplicateRecords += 1
      else this.#appendedRecords += 1
    }
    return results
  }

  async read(topic: string, group: string, options: ReadOptions = {}): Promise<StreamRecord[]> {
    checkName('topic', topic)
    checkName('group', group)
    const limits = readLimits(options)
    await this.#registerGroup(topic, group)
    const deadline = performance.now() + limits.waitMs
    for (;;) {
      if (this.#closed) return []
      const after = options.after ?? this.#sql.group.get(topic, group)?.committed_offset ?? 0
      const records = this.#readAfter(topic, after, limits)
      const remaining = deadline - performance.now()
      if (records.length > 0 || remaining <= 0 || options.signal?.aborted) return records
      await this.#waiter.wait(topic, Math.min(remaining, this.#options.pollIntervalMs), options.signal)
    }
  }

  async commit(topic: string, group: string, offset: number): Promise<void> {
    checkName('topic', topic)
    checkName('group', group)
    checkOffset(offset)
    await this.#write({ records: 1, bytes: 0 }, (tx) => tx.commit(topic, group, offset))
    this.#knownGroups.add(`${topic}\0${group}`)
  }

  async position(topic: string, group: string): Promise<number> {
    checkName('topic', topic)
    checkName('group', group)
    this.#checkOpen()
    return this.#sql.group.get(topic, group)?.committed_offset ?? 0
  }

  async removeGroup(topic: string, group: string): Promise<void> {
    checkName('topic', topic)
    checkName('group', group)
    this.#knownGroups.delete(`${topic}\0${group}`)
    await this.#write({ records: 1, bytes: 0 }, (tx) => tx.removeGroup(topic, group))
  }

  async health(): Promise<StreamHealth> {
    this.#checkOpen()
    const cached = this.#health
    if (cached !== undefined && performance.now() - cached.at < this.#options.limits.checkIntervalMs)
      return cached.value
    return this.#measure().health
  }

  async stats(): Promise<StreamStats> {
    this.#checkOpen()
    const { health, topics } = this.#measure()
    return {
      ...health,
      topics,
      transactions: this.#writer.transactions,
      appendedRecords: this.#appendedRecords,
      duplicateRecords: this.#duplicateRecords,
    }
  }

  prune(): Promise<PruneResult> {
    if (this.#pruning === undefined) {
      this.#pruning = this.#pruneAll().finally(() => (this.#pruning = undefined))
    }
    return this.#pruning
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#retentionTimer !== undefined) clearInterval(this.#retentionTimer)
    this.#writer.flushAll()
    this.#waiter.wakeAll()
    await this.#checkpointer.close()
    await this.#walSync?.close()
    // Closing checkpoints on this connection, which must then sync the database before the WAL goes.
    if (this.#walSync) this.#db.pragma('synchronous = FULL')
    this.#db.close()
  }

  async #pruneAll(): Promise<PruneResult> {
    const { minAgeMs, batchSize } = this.#options.retention
    let deletedRecords = 0
    let deletedDedupeEntries = 0
    for (const { topic } of this.#sql.topics.all()) {
      for (;;) {
        const cutoff = this.#clock.now() - minAgeMs
        const deleted = await this.#write({ records: batchSize, bytes: 0 }, (tx) =>
          tx.pruneRecords(topic, cutoff, batchSize),
        )
        deletedRecords += deleted
        if (deleted < batchSize) break
      }
    }
    for (;;) {
      const cutoff = this.#clock.now() - this.#options.dedupeWindowMs
      const deleted = await this.#write({ records: batchSize, bytes: 0 }, (tx) =>
        tx.pruneDedupe(cutoff, batchSize),
      )
      deletedDedupeEntries += deleted
      if (deleted < batchSize) break
    }
    return { deletedRecords, deletedDedupeEntries }
  }

  #pruneInBackground(): void {
    if (this.#closed) return
    this.prune().catch((error: unknown) => {
      if (!(error instanceof StreamClosedError)) this.#onBackgroundError(error)
    })
  }

  #measure(): { health: StreamHealth; topics: TopicStats[] } {
    const topics = measureTopics(this.#sql)
    const health = evaluateLimits(
      { ...backlogOf(topics, this.#options.limits), freeDiskBytes: freeDiskBytes(this.#dataDir) },
      this.#options.limits,
    )
    this.#health = { value: health, at: performance.now() }
    return { health, topics }
  }

  #readAfter(topic: string, after: number, limits: ReadLimits): StreamRecord[] {
    const rows = this.#sql.readRecords.all(topic, after, limits.max)
    const records: StreamRecord[] = []
    if (rows.length === 0) return records
    // The bytes through a row: the topic's running total at that row (`end_bytes`) less the total
    // before the first row.
    const [, , firstEnd, , firstValue] = rows[0]!
    const before = firstEnd - valueBytes(firstValue)
    for (const [offset, appendedAt, endBytes, key, value] of rows) {
      if (records.length > 0 && endBytes - before > limits.maxBytes) break
      records.push({ topic, offset, key, value, appendedAt })
    }
    return records
  }

  async #registerGroup(topic: string, group: string): Promise<void> {
    const known = `${topic}\0${group}`
    if (this.#knownGroups.has(known)) return
    this.#checkOpen()
    if (this.#sql.group.get(topic, group) === undefined)
      await this.#write({ records: 1, bytes: 0 }, (tx) => tx.registerGroup(topic, group))
    this.#knownGroups.add(known)
  }

  /** The window's dedupe ids, read from the log into memory (see `dedupe-memory.ts`). */
  #loadDedupeIds(): DedupeMemory {
    const dedupe = new DedupeMemory()
    const windowStart = this.#clock.now() - this.#options.dedupeWindowMs
    for (const row of this.#sql.dedupeAfter.iterate(0, windowStart)) {
      dedupe.set(
        { hi: row.fingerprint_hi, lo: row.fingerprint_lo },
        row.record_offset,
        row.appended_at,
        windowStart,
      )
      dedupe.lastSeq = row.seq
    }
    return dedupe
  }

  #write<T>(size: { records: number; bytes: number }, work: (tx: SqliteWriteTx) => T): Promise<T> {
    this.#checkOpen()
    return this.#writer.enqueue(size, work)
  }

  #checkOpen(): void {
    if (this.#closed) throw new StreamClosedError()
  }
}
