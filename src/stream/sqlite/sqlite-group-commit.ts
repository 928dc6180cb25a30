import SqliteDatabase from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import type { Clock } from '../stream.ts'
import type { GroupCommitConfig } from '../stream-config.ts'
import type { DedupeMemory } from './dedupe-memory.ts'
import type { StreamStatements } from './sqlite-statements.ts'
import { SqliteWriteTx } from './sqlite-write-tx.ts'

/** A write waiting for the next group commit. */
interface PendingWrite {
  readonly records: number
  readonly bytes: number
  readonly work: (tx: SqliteWriteTx) => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/** Thrown out of a group's transaction (rolling it back) when one write of it fails. */
class WriteFailed {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {}
}

export interface GroupCommitWriterDeps {
  readonly db: Database
  readonly sql: StreamStatements
  readonly clock: Clock
  readonly config: GroupCommitConfig
  /** Dedupe ids of the window; a transaction's claims join it after the commit. */
  readonly dedupe: DedupeMemory
  readonly dedupeWindowMs: number
  /** Called after each commit with the topics that got records. */
  readonly onCommitted: (appendedTopics: ReadonlySet<string>) => void
  /** Called after each commit with the value bytes its writes declared. */
  readonly afterCommit?: (bytes: number) => void
  /**
   * Resolves once what has been committed is on disk; the group's writes settle after it. Absent,
   * they settle at the commit (which then syncs itself, or the stream isn't asked to survive power loss).
   */
  readonly durable?: () => Promise<void>
}

/**
 * Group commit: writes queue up and run together in one `BEGIN IMMEDIATE … COMMIT`, and each
 * write's promise settles only after that commit is durable, so one sync acknowledges the group
 * (made by the commit itself, or off the event loop by `durable`, see `sqlite-wal-sync.ts`).
 *
 * A group starts `windowMs` after its first write (0: at the end of the current event-loop turn)
 * or at once when the queue holds `maxRecords` records or `maxBytes` bytes. better-sqlite3 blocks
 * the event loop while a transaction runs, so a transaction takes whole writes only up to those
 * sizes (one oversized write goes alone) and the writer yields to the event loop between groups.
 * A write that throws is rejected alone; the rest of its group commits (see `#commitOneGroup`).
 */
export class GroupCommitWriter {
  readonly #deps: GroupCommitWriterDeps
  readonly #queue: PendingWrite[] = []
  #queuedRecords = 0
  #queuedBytes = 0
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined
  #timerIsImmediate = false
  /** Write transactions committed since open. */
  transactions = 0

  /** A whole group in one `BEGIN IMMEDIATE … COMMIT`; returns each write's result. */
  readonly #runGroup: (group: readonly PendingWrite[], tx: SqliteWriteTx) => unknown[]

  constructor(deps: GroupCommitWriterDeps) {
    this.#deps = deps
    this.#runGroup = deps.db.transaction((group: readonly PendingWrite[], tx: SqliteWriteTx) =>
      group.map((write, index) => {
        try {
          return write.work(tx)
        } catch (error) {
          throw new WriteFailed(index, error)
        }
      }),
    ).immediate
  }

  get pending(): number {
    return this.#queue.length
  }

  /** Queues a write; resolves with its result after the transaction holding it commits. */
  enqueue<T>(size: { records: number; bytes: number }, work: (tx: SqliteWriteTx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...size, work, resolve: resolve as (value: unknown) => void, reject })
      this.#queuedRecords += size.records
      this.#queuedBytes += size.bytes
      const { maxRecords, maxBytes, windowMs } = this.#deps.config
      const full = this.#queuedRecords >= maxRecords || this.#queuedBytes >= maxBytes
      this.#schedule(full || windowMs === 0 ? 0 : windowMs)
    })
  }

  /** Writes everything queued now, group after group (used by close). */
  flushAll(): void {
    this.#cancelTimer()
    while (this.#queue.length > 0) this.#commitOneGroup()
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) {
      if (delayMs > 0 || this.#timerIsImmediate) return
      this.#cancelTimer()
    }
    const run = () => {
      this.#timer = undefined
      this.#commitOneGroup()
      if (this.#queue.length > 0) this.#schedule(0)
    }
    this.#timerIsImmediate = delayMs === 0
    this.#timer = delayMs === 0 ? setImmediate(run) : setTimeout(run, delayMs)
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return
    if (this.#timerIsImmediate) clearImmediate(this.#timer as NodeJS.Immediate)
    else clearTimeout(this.#timer as NodeJS.Timeout)
    this.#timer = undefined
  }

  #takeGroup(): PendingWrite[] {
    const { maxRecords, maxBytes } = this.#deps.config
    let records = 0
    let bytes = 0
    let count = 0
    for (const write of this.#queue) {
      if (count > 0 && (records + write.records > maxRecords || bytes + write.bytes > maxBytes)) break
      records += write.records
      bytes += write.bytes
      count += 1
    }
    this.#queuedRecords -= records
    this.#queuedBytes -= bytes
    return this.#queue.splice(0, count)
  }

  /**
   * Commits the next group. When one write throws an error of its own (not a database fault), the
   * transaction rolls back, that write alone is rejected and the rest are tried again: cheaper than
   * a savepoint per write, and no write can leave half its changes behind. A database fault (disk
   * full, I/O error) rejects the whole group.
   */
  #commitOneGroup(): void {
    let group = this.#takeGroup()
    while (group.length > 0) {
      const tx = new SqliteWriteTx(this.#deps.sql, this.#deps.clock.now(), this.#deps.dedupe)
      let results: unknown[]
      try {
        results = this.#runGroup(group, tx)
      } catch (thrown) {
        const failed = thrown instanceof WriteFailed ? thrown : undefined
        const error = failed?.error ?? thrown
        if (failed === undefined || error instanceof SqliteDatabase.SqliteError) {
          for (const write of group) write.reject(error)
          return
        }
        group[failed.index]!.reject(error)
        group = group.filter((_, i) => i !== failed.index)
        continue
      }
      this.transactions += 1
      tx.committed(this.#deps.dedupeWindowMs)
      this.#deps.afterCommit?.(group.reduce((sum, write) => sum + write.bytes, 0))
      const settle = () => group.forEach((write, i) => write.resolve(results[i]))
      if (this.#deps.durable === undefined) settle()
      else this.#deps.durable().then(settle, (error: unknown) => group.forEach((w) => w.reject(error)))
      if (tx.appendedTopics.size > 0) this.#deps.onCommitted(tx.appendedTopics)
      return
    }
  }
}
