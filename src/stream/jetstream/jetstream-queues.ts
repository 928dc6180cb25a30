import type { StoredMsg } from 'nats'
import type {
  ClaimOptions,
  EnqueueItem,
  EnqueueOptions,
  EnqueueResult,
  QueueItem,
  QueueStats,
  WorkQueues,
} from '../queues.ts'
import {
  checkName,
  checkQueueIds,
  checkQueueItems,
  checkRetryDelay,
  claimLimits,
} from '../stream-arguments.ts'
import { StreamClosedError } from '../stream-errors.ts'
import type { Clock } from '../stream.ts'
import {
  apiErrorCode,
  CONSUMER_NOT_FOUND,
  NO_MESSAGE_FOUND,
  SEQUENCE_NOT_FOUND,
  STREAM_NOT_FOUND,
  type JetStreamContext,
} from './jetstream-connection.ts'
import { MAX_PULL_WAIT_MS } from './jetstream-cursor.ts'
import { QueueAttempts } from './jetstream-queue-attempts.ts'
import { decodeItem, encodeItem, encodeParked, encodeUnparked } from './jetstream-queue-items.ts'
import { ParkedItems } from './jetstream-queue-parked.ts'
import { pullDeliveries, settleDelivery, type Delivery } from './jetstream-queue-pull.ts'
import { JetStreamQueueSetup } from './jetstream-queue-setup.ts'
import { messageId } from './jetstream-records.ts'

export interface JetStreamQueuesDeps {
  readonly ctx: JetStreamContext
  /** For `enqueuedAt`; leases and retry delays run on the server's clock. */
  readonly clock: Clock
  readonly dedupeWindowMs: number
  /** Aborted when the stream closes: ends waiting claims. */
  readonly closing: AbortSignal
  /** Registers a call, so that closing the stream waits for it. */
  readonly track: <T>(work: Promise<T>) => Promise<T>
  readonly isClosed: () => boolean
}

/** A delivery this process handed out and has not finished. */
interface Held {
  readonly reply: string
  readonly attempts: number
  /** Whether the item has an attempts record to remove when it leaves. */
  readonly retried: boolean
  /** `performance.now()` after which the entry is forgotten: its lease ended a lease ago. */
  readonly forgetAt: number
}

/**
 * Work queues on JetStream (`queues.ts` states the guarantees; `jetstream-queue-setup.ts` what
 * exists on the server). An item's id is its sequence in the queue's work stream.
 *
 * - `enqueue` publishes each item with `Nats-Msg-Id` from (scope, dedupe id), like `append`, and
 *   resolves after every PubAck; duplicates are what the PubAcks say.
 * - `claim` pulls from the durable consumer; the server hides what it hands out for `ack_wait` (the
 *   lease) and hands it out again after, on its own clock. This process keeps each delivery's reply
 *   subject until the item is acked, retried or parked.
 * - `ack` acks the delivery (the work stream then deletes the item); `retry` records the attempt and
 *   naks with the delay; `park` stores a copy in the parked stream, then acks. For an id this process
 *   does not hold (another process claimed it, its lease ended long ago, or it is parked), `ack` and
 *   `park` delete the message by sequence instead, and `retry` only records the attempt: the item
 *   comes back when its current lease or delay ends, as only its delivery can be nak'd.
 */
export class JetStreamQueues implements WorkQueues {
  readonly #deps: JetStreamQueuesDeps
  readonly #setup: JetStreamQueueSetup
  readonly #attempts: QueueAttempts
  readonly #parked: ParkedItems
  /** Per queue, deliveries held by this process by item id, oldest claim first. */
  readonly #held = new Map<string, Map<number, Held>>()

  constructor(deps: JetStreamQueuesDeps) {
    this.#deps = deps
    this.#setup = new JetStreamQueueSetup(deps.ctx, deps.dedupeWindowMs)
    this.#attempts = new QueueAttempts(deps.ctx)
    this.#parked = new ParkedItems(deps.ctx)
  }

  async enqueue(
    queue: string,
    items: readonly EnqueueItem[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    checkName('queue', queue)
    checkQueueItems(items)
    const scope = options.dedupeScope ?? ''
    if (typeof scope !== 'string') throw new TypeError('queue dedupeScope must be a string')
    if (items.length === 0) return { enqueued: 0, duplicates: 0 }
    this.#checkOpen()
    return this.#onQueue(queue, () => this.#publish(queue, items, scope))
  }

  async claim(queue: string, options: ClaimOptions): Promise<QueueItem[]> {
    checkName('queue', queue)
    const { max, waitMs } = claimLimits(options)
    if (this.#deps.isClosed()) return []
    const leaseMs = Math.ceil(options.leaseMs)
    return this.#onQueue(queue, () => this.#claim(queue, max, leaseMs, waitMs, options.signal), leaseMs)
  }

  async ack(queue: string, ids: readonly number[]): Promise<void> {
    checkName('queue', queue)
    checkQueueIds(ids)
    if (ids.length === 0) return
    this.#checkOpen()
    await this.#deps.track(Promise.all(unique(ids).map((id) => this.#ack(queue, id))))
  }

  async retry(queue: string, id: number, delayMs: number, error: string): Promise<void> {
    checkName('queue', queue)
    checkQueueIds([id])
    checkRetryDelay(delayMs)
    this.#checkOpen()
    await this.#deps.track(this.#retry(queue, id, delayMs, String(error)))
  }

  async park(queue: string, ids: readonly number[], error: string): Promise<void> {
    checkName('queue', queue)
    checkQueueIds(ids)
    if (ids.length === 0) return
    this.#checkOpen()
    await this.#onQueue(queue, () =>
      Promise.all(unique(ids).map((id) => this.#park(queue, id, String(error)))),
    )
  }

  async listParked(queue: string, options: { after?: number; max?: number } = {}): Promise<QueueItem[]> {
    checkName('queue', queue)
    const after = options.after ?? 0
    const max = options.max ?? 100
    if (!Number.isSafeInteger(after) || after < 0)
      throw new RangeError(`queue listParked after must be ≥ 0: ${after}`)
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError(`queue listParked max must be ≥ 1: ${max}`)
    this.#checkOpen()
    return this.#deps.track(this.#parked.list(queue, after, max))
  }

  async unpark(queue: string, ids: readonly number[]): Promise<number> {
    checkName('queue', queue)
    checkQueueIds(ids)
    if (ids.length === 0) return 0
    this.#checkOpen()
    return this.#onQueue(queue, () => this.#unpark(queue, unique(ids)))
  }

  async stats(queue: string): Promise<QueueStats> {
    checkName('queue', queue)
    this.#checkOpen()
    return this.#deps.track(this.#stats(queue))
  }

  async purge(queue: string): Promise<number> {
    checkName('queue', queue)
    this.#checkOpen()
    return this.#deps.track(
      (async () => {
        this.#held.delete(queue)
        const { jsm, names } = this.#deps.ctx
        let purged = 0
        try {
          purged += (await jsm.streams.purge(names.queueStream(queue))).purged
        } catch (e) {
          if (apiErrorCode(e) !== STREAM_NOT_FOUND) throw e
        }
        purged += await this.#parked.remove(queue, '*')
        await this.#attempts.remove(queue, '>')
        return purged
      })(),
    )
  }

  /**
   * Runs `work` once the queue's streams and consumer exist (with `leaseMs` as its `ack_wait` when
   * given), so that closing waits for it. After a failure the next call looks for them again: they
   * may have been deleted under us.
   */
  #onQueue<T>(queue: string, work: () => Promise<T>, leaseMs?: number): Promise<T> {
    return this.#deps.track(
      (async () => {
        try {
          await (leaseMs === undefined ? this.#setup.ensure(queue) : this.#setup.lease(queue, leaseMs))
          return await work()
        } catch (e) {
          this.#setup.forget(queue)
          throw e
        }
      })(),
    )
  }

  /** Publishes every item at once and waits for all PubAcks. */
  async #publish(queue: string, items: readonly EnqueueItem[], scope: string): Promise<EnqueueResult> {
    const { js, names } = this.#deps.ctx
    const subject = names.queueSubject(queue)
    const streamName = names.queueStream(queue)
    const now = this.#deps.clock.now()
    const settled = await Promise.allSettled(
      items.map((item) => {
        const { payload, headers } = encodeItem(item.value, now)
        return js.publish(subject, payload, {
          headers,
          expect: { streamName },
          ...(item.dedupeId !== undefined && { msgID: messageId(scope, item.dedupeId) }),
        })
      }),
    )
    const failed = settled.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const duplicates = settled.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.duplicate)
    return { enqueued: items.length - duplicates.length, duplicates: duplicates.length }
  }

  async #claim(
    queue: string,
    max: number,
    leaseMs: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<QueueItem[]> {
    const { ctx, closing } = this.#deps
    const aborted = signal === undefined ? closing : AbortSignal.any([signal, closing])
    const deadline = performance.now() + waitMs
    for (;;) {
      const wait = Math.max(0, deadline - performance.now())
      const { deliveries, failure } = await pullDeliveries(
        ctx,
        ctx.names.queueStream(queue),
        ctx.names.queueConsumer,
        max,
        wait,
        aborted,
      )
      if (deliveries.length > 0) return this.#hold(queue, deliveries, leaseMs)
      // Failing rather than returning nothing, so that a claimer backs off (and the consumer is
      // looked for again: it may have been deleted).
      if (failure !== undefined) throw new Error(`cannot claim from queue ${queue}: NATS answered ${failure}`)
      // A wait longer than one pull may hold takes several pulls.
      if (wait <= MAX_PULL_WAIT_MS || aborted.aborted) return []
    }
  }

  /** Notes the deliveries as held here and turns them into items, with attempts where retried. */
  async #hold(queue: string, deliveries: readonly Delivery[], leaseMs: number): Promise<QueueItem[]> {
    const now = performance.now()
    let held = this.#held.get(queue)
    if (held === undefined) this.#held.set(queue, (held = new Map()))
    for (const [id, entry] of held) {
      if (entry.forgetAt > now) break
      held.delete(id)
    }
    const items = await Promise.all(
      deliveries.map(async (delivery) => {
        // Handed out before: a retry recorded its attempt, a lease that ended did not.
        const record = delivery.deliveries > 1 ? await this.#attempts.get(queue, delivery.seq) : undefined
        const attempts = record?.attempts ?? 0
        held.delete(delivery.seq)
        held.set(delivery.seq, {
          reply: delivery.reply,
          attempts,
          retried: record !== undefined,
          forgetAt: now + 2 * leaseMs,
        })
        return decodeItem(delivery.seq, delivery, attempts, record?.lastError)
      }),
    )
    return items.sort((a, b) => a.id - b.id)
  }

  async #ack(queue: string, id: number): Promise<void> {
    const held = this.#take(queue, id)
    if (held !== undefined) {
      await settleDelivery(this.#deps.ctx, held.reply, { ack: true })
      if (held.retried) await this.#attempts.remove(queue, id)
      return
    }
    // Wherever the item is (claimed elsewhere, due, parked), it goes.
    await Promise.all([
      this.#deleteFromWork(queue, id),
      this.#parked.remove(queue, id),
      this.#attempts.remove(queue, id),
    ])
  }

  async #retry(queue: string, id: number, delayMs: number, lastError: string): Promise<void> {
    const held = this.#take(queue, id)
    if (held !== undefined) {
      // The attempt is recorded before the item is handed back, so it is never due without it.
      await this.#attempts.put(queue, id, { attempts: held.attempts + 1, lastError })
      await settleDelivery(this.#deps.ctx, held.reply, { nakDelayMs: delayMs })
      return
    }
    if ((await this.#storedInWork(queue, id)) === undefined) return
    const record = await this.#attempts.get(queue, id)
    await this.#attempts.put(queue, id, { attempts: (record?.attempts ?? 0) + 1, lastError })
  }

  async #park(queue: string, id: number, reason: string): Promise<void> {
    const held = this.#take(queue, id)
    const stored = await this.#storedInWork(queue, id)
    // Finished, purged or parked already.
    if (stored === undefined) return
    const attempts = held?.attempts ?? (await this.#attempts.get(queue, id))?.attempts ?? 0
    // The parked copy first: a crash before the ack leaves the item parked and due again, not lost.
    await this.#parked.put(
      queue,
      id,
      encodeParked({ headers: stored.header, data: stored.data }, attempts, reason),
    )
    if (held !== undefined) await settleDelivery(this.#deps.ctx, held.reply, { ack: true })
    else await this.#deleteFromWork(queue, id)
    if (held === undefined || held.retried) await this.#attempts.remove(queue, id)
  }

  /**
   * Republishes the parked copies (in id order, so unparked items keep their order) and then removes
   * them. Each republish is deduped on its parked copy's sequence: repeating an unpark that a crash
   * cut short adds nothing. (Dedupe ids from `messageId` are base64url, never with a `:`.)
   */
  async #unpark(queue: string, ids: readonly number[]): Promise<number> {
    const { js, names } = this.#deps.ctx
    const sorted = [...ids].sort((a, b) => a - b)
    const found = (await Promise.all(sorted.map((id) => this.#parked.get(queue, id)))).flatMap((stored, i) =>
      stored === undefined ? [] : [{ id: sorted[i]!, stored }],
    )
    const acks = await Promise.all(
      found.map(({ stored }) => {
        const { payload, headers } = encodeUnparked({ headers: stored.header, data: stored.data })
        return js.publish(names.queueSubject(queue), payload, {
          headers,
          expect: { streamName: names.queueStream(queue) },
          msgID: `unpark:${stored.seq}`,
        })
      }),
    )
    await Promise.all(found.map(({ id }) => this.#parked.remove(queue, id)))
    return acks.filter((ack) => !ack.duplicate).length
  }

  async #stats(queue: string): Promise<QueueStats> {
    const { jsm, names } = this.#deps.ctx
    const stream = names.queueStream(queue)
    const [work, consumer, parked] = await Promise.all([
      jsm.streams.info(stream).catch(orUndefined),
      jsm.consumers.info(stream, names.queueConsumer).catch(orUndefined),
      this.#parked.count(queue),
    ])
    const messages = work?.state.messages ?? 0
    // Never handed out; the rest were handed out and are held, waiting for a retry delay, or due
    // again after a lease or a retry without the server saying which.
    const ready = Math.min(messages, consumer?.num_pending ?? messages)
    return {
      queue,
      ready,
      waiting: messages - ready,
      parked,
      oldestEnqueuedAt: messages > 0 ? await this.#oldestEnqueuedAt(queue, work!.state.first_seq) : undefined,
    }
  }

  /** The enqueue time of the first item in the work stream (which may be removed meanwhile). */
  async #oldestEnqueuedAt(queue: string, firstSeq: number): Promise<number | undefined> {
    const { jsm, names } = this.#deps.ctx
    for (let tries = 0; tries < 3; tries++) {
      const stored = await this.#storedInWork(queue, firstSeq)
      if (stored !== undefined)
        return decodeItem(firstSeq, { headers: stored.header, data: stored.data }, 0, undefined).enqueuedAt
      const state = (await jsm.streams.info(names.queueStream(queue)).catch(orUndefined))?.state
      if (state === undefined || state.messages === 0) return undefined
      firstSeq = state.first_seq
    }
    return undefined
  }

  async #storedInWork(queue: string, id: number): Promise<StoredMsg | undefined> {
    try {
      return await this.#deps.ctx.jsm.streams.getMessage(this.#deps.ctx.names.queueStream(queue), { seq: id })
    } catch (e) {
      const code = apiErrorCode(e)
      if (code === NO_MESSAGE_FOUND || code === STREAM_NOT_FOUND) return undefined
      throw e
    }
  }

  async #deleteFromWork(queue: string, id: number): Promise<void> {
    if ((await this.#storedInWork(queue, id)) === undefined) return
    try {
      await this.#deps.ctx.jsm.streams.deleteMessage(this.#deps.ctx.names.queueStream(queue), id, false)
    } catch (e) {
      const code = apiErrorCode(e)
      if (code !== SEQUENCE_NOT_FOUND && code !== STREAM_NOT_FOUND) throw e
    }
  }

  /** The delivery of `id` held here, if any, which the caller now settles. */
  #take(queue: string, id: number): Held | undefined {
    const held = this.#held.get(queue)
    const entry = held?.get(id)
    if (entry === undefined) return undefined
    held!.delete(id)
    return entry.forgetAt > performance.now() ? entry : undefined
  }

  #checkOpen(): void {
    if (this.#deps.isClosed()) throw new StreamClosedError()
  }
}

const unique = (ids: readonly number[]): number[] => [...new Set(ids)]

/** For info calls: nothing there yet. */
function orUndefined(error: unknown): undefined {
  const code = apiErrorCode(error)
  if (code === STREAM_NOT_FOUND || code === CONSUMER_NOT_FOUND) return undefined
  throw error
}
