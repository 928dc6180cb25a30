import {
  checkName,
  checkQueueIds,
  checkQueueItems,
  checkRetryDelay,
  claimLimits,
  valueBytes,
} from '../stream-arguments.ts'
import { StreamClosedError } from '../stream-errors.ts'
import type {
  ClaimOptions,
  EnqueueItem,
  EnqueueOptions,
  EnqueueResult,
  QueueItem,
  QueueStats,
  WorkQueues,
} from '../queues.ts'
import type { Clock } from '../stream.ts'
import type { AppendWaiter } from '../stream-waiter.ts'
import type { QueueItemRow, StreamStatements } from './sqlite-statements.ts'
import { queueWakeKey, type SqliteWriteTx } from './sqlite-write-tx.ts'

export interface SqliteQueuesDeps {
  readonly sql: StreamStatements
  readonly clock: Clock
  readonly waiter: AppendWaiter
  readonly dedupeWindowMs: number
  readonly pollIntervalMs: number
  /** Runs `work` in the stream's next group commit. */
  readonly write: <T>(size: { records: number; bytes: number }, work: (tx: SqliteWriteTx) => T) => Promise<T>
  readonly isClosed: () => boolean
}

/**
 * Work queues in the stream's SQLite file (`queue_items`), written through the stream's group
 * commit, so an enqueue is as durable as an append and shares its transactions. Reads that find
 * nothing due skip the write, so idle claimers cost a cheap query per poll.
 */
export class SqliteWorkQueues implements WorkQueues {
  readonly #deps: SqliteQueuesDeps

  constructor(deps: SqliteQueuesDeps) {
    this.#deps = deps
  }

  async enqueue(
    queue: string,
    items: readonly EnqueueItem[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    checkName('queue', queue)
    checkQueueItems(items)
    if (items.length === 0) return { enqueued: 0, duplicates: 0 }
    const scope = options.dedupeScope ?? ''
    const bytes = items.reduce((sum, item) => sum + valueBytes(item.value), 0)
    const enqueued = await this.#deps.write({ records: items.length, bytes }, (tx) =>
      tx.enqueue(queue, items, scope, this.#deps.dedupeWindowMs),
    )
    return { enqueued, duplicates: items.length - enqueued }
  }

  async claim(queue: string, options: ClaimOptions): Promise<QueueItem[]> {
    checkName('queue', queue)
    const { max, waitMs } = claimLimits(options)
    const { sql, clock, waiter } = this.#deps
    const deadline = performance.now() + waitMs
    for (;;) {
      if (this.#deps.isClosed()) return []
      if (sql.anyDue.get(queue, clock.now()) !== undefined) {
        const rows = await this.#deps.write({ records: 1, bytes: 0 }, (tx) =>
          tx.claim(queue, max, options.leaseMs),
        )
        if (rows.length > 0) return rows.map(toItem).sort((a, b) => a.id - b.id)
      }
      const remaining = deadline - performance.now()
      if (remaining <= 0 || options.signal?.aborted) return []
      const nextDue = sql.nextDue.get(queue)?.due_at
      const untilDue = nextDue == null ? Infinity : Math.max(1, nextDue - clock.now())
      await waiter.wait(
        queueWakeKey(queue),
        Math.min(remaining, this.#deps.pollIntervalMs, untilDue),
        options.signal,
      )
    }
  }

  async ack(queue: string, ids: readonly number[]): Promise<void> {
    checkName('queue', queue)
    checkQueueIds(ids)
    if (ids.length > 0) await this.#deps.write({ records: ids.length, bytes: 0 }, (tx) => tx.ack(queue, ids))
  }

  async retry(queue: string, id: number, delayMs: number, error: string): Promise<void> {
    checkName('queue', queue)
    checkQueueIds([id])
    checkRetryDelay(delayMs)
    await this.#deps.write({ records: 1, bytes: 0 }, (tx) => tx.retry(queue, id, delayMs, String(error)))
  }

  async park(queue: string, ids: readonly number[], error: string): Promise<void> {
    checkName('queue', queue)
    checkQueueIds(ids)
    if (ids.length > 0)
      await this.#deps.write({ records: ids.length, bytes: 0 }, (tx) => tx.park(queue, ids, String(error)))
  }

  async listParked(queue: string, options: { after?: number; max?: number } = {}): Promise<QueueItem[]> {
    checkName('queue', queue)
    this.#checkOpen()
    return this.#deps.sql.parkedItems.all(queue, options.after ?? 0, options.max ?? 100).map(toItem)
  }

  async unpark(queue: string, ids: readonly number[]): Promise<number> {
    checkName('queue', queue)
    checkQueueIds(ids)
    if (ids.length === 0) return 0
    return this.#deps.write({ records: ids.length, bytes: 0 }, (tx) => tx.unpark(queue, ids))
  }

  async stats(queue: string): Promise<QueueStats> {
    checkName('queue', queue)
    this.#checkOpen()
    const now = this.#deps.clock.now()
    const row = this.#deps.sql.queueStats.get(now, now, queue)!
    return {
      queue,
      ready: row.ready,
      waiting: row.waiting,
      parked: row.parked,
      oldestEnqueuedAt: row.oldest ?? undefined,
    }
  }

  async purge(queue: string): Promise<number> {
    checkName('queue', queue)
    return this.#deps.write({ records: 1, bytes: 0 }, (tx) => tx.purge(queue))
  }

  #checkOpen(): void {
    if (this.#deps.isClosed()) throw new StreamClosedError()
  }
}

function toItem(row: QueueItemRow): QueueItem {
  return {
    id: row.id,
    value: row.value,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
    lastError: row.last_error ?? undefined,
  }
}
