import type { RecordValue } from './stream.ts'

/**
 * Work queues: durable lists of jobs with delayed retry and a parking place for jobs that gave up,
 * for work where one failing item must not hold back the others (delivery to a destination). Unlike
 * a topic, a queue has no order to keep: items are claimed when due, and each is finished on its own.
 *
 * Guarantees every adapter gives (the contract suite in `test/stream/contract-queues.ts`):
 * - `enqueue` resolves only after its items are durable. An item whose (dedupe scope, dedupe id) was
 *   enqueued within the dedupe window is not enqueued again (a re-run after a crash adds nothing).
 * - `claim` hands out due items and hides them for `leaseMs`: an item is with one claimer at a time.
 *   If the claimer neither acks, retries nor parks it before the lease ends, the item is due again
 *   (its claimer crashed): at-least-once.
 * - `retry` makes an item due again after a delay and counts the attempt; `park` moves it aside (a
 *   dead letter) until `unpark` or `ack` (discard).
 *
 * How this maps onto JetStream: a queue is a work-queue stream with one durable pull consumer;
 * `claim` is a fetch with `ack_wait` = the lease, `retry` a `nak` with delay (the attempt kept in a
 * KV record), `ack` an ack, and parked items move to a second stream
 * (`jetstream/jetstream-queues.ts`). There, leases and delays run on the server's clock
 * (`capabilities.queueClock`).
 */

export interface EnqueueItem {
  readonly value: RecordValue
  /** Drops a repeat of this item within the dedupe window. */
  readonly dedupeId?: string
}

export interface EnqueueOptions {
  /** Where dedupe ids are unique. Default `''`: one scope for the whole queue. */
  readonly dedupeScope?: string
}

export interface EnqueueResult {
  readonly enqueued: number
  readonly duplicates: number
}

export interface QueueItem {
  /**
   * Unique within the queue; stays the same across retries and parking. An unparked item may get a
   * new one (on JetStream it is republished).
   */
  readonly id: number
  readonly value: RecordValue
  /** How many times the item was retried (0 on its first claim). */
  readonly attempts: number
  /** When the item was enqueued, in epoch milliseconds. */
  readonly enqueuedAt: number
  /** The reason given to the last `retry` or `park`. */
  readonly lastError: string | undefined
}

export interface ClaimOptions {
  /** At most this many items. Default 100. */
  readonly max?: number
  /** How long claimed items stay hidden from other claims. */
  readonly leaseMs: number
  /** When nothing is due, wait up to this long. Default 0. */
  readonly waitMs?: number
  readonly signal?: AbortSignal
}

export interface QueueStats {
  readonly queue: string
  /** Due now. */
  readonly ready: number
  /** Waiting for a retry delay or held by a claim. */
  readonly waiting: number
  /** Parked (dead-lettered). */
  readonly parked: number
  /** When the oldest item still in the queue (not parked) was enqueued. */
  readonly oldestEnqueuedAt: number | undefined
}

export interface WorkQueues {
  enqueue(queue: string, items: readonly EnqueueItem[], options?: EnqueueOptions): Promise<EnqueueResult>

  claim(queue: string, options: ClaimOptions): Promise<QueueItem[]>

  /** Finished (or discarded): the items are removed, parked or not. Unknown ids are ignored. */
  ack(queue: string, ids: readonly number[]): Promise<void>

  /** Due again after `delayMs`, one more attempt counted, `error` kept as the last error. */
  retry(queue: string, id: number, delayMs: number, error: string): Promise<void>

  /** Moves items aside until `unpark` or `ack`. */
  park(queue: string, ids: readonly number[], error: string): Promise<void>

  /** Parked items in id order after `after`. */
  listParked(queue: string, options?: { after?: number; max?: number }): Promise<QueueItem[]>

  /** Parked items due again now with their attempts reset; returns how many there were. */
  unpark(queue: string, ids: readonly number[]): Promise<number>

  stats(queue: string): Promise<QueueStats>

  /** Removes every item of the queue, parked or not (its destination was deleted). */
  purge(queue: string): Promise<number>
}
