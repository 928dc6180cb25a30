import type { Logger } from 'pino'
import {
  applyCompiledFilters,
  checkMessage,
  type CompiledFilter,
  nextStep,
  type AttemptOutcome,
  type DestinationDriver,
  type DropReason,
  type Exchange,
  type MessageOutcome,
  type RetryPolicy,
} from '../destinations/index.ts'
import type { IngestEnvelope, StoredMessage } from '../spec/index.ts'
import { runUntilStopped, type QueueItem, type WorkQueues } from '../stream/index.ts'
import { deliveryQueue } from './names.ts'

/** What happened to messages at one destination; counted for Delivery Overview and metrics. */
export type DeliveryEvent =
  | { kind: 'delivered'; code: string; latencyMs: number }
  | { kind: 'filtered'; reason: DropReason; detail: string }
  | { kind: 'retrying'; code: string; delayMs: number; detail: string }
  | { kind: 'dropped'; code: string; detail: string }
  | { kind: 'dead_lettered'; code: string; detail: string }

export interface DeliveryRecord {
  readonly destinationId: string
  readonly workspaceId: string
  readonly sourceId: string
  readonly messages: readonly StoredMessage[]
  readonly event: DeliveryEvent
  /** Which attempt this was for the messages (1 for the first; a batch counts as its first item's). */
  readonly attempt?: number
  /** The requests and answers, when a send happened. */
  readonly exchanges?: readonly Exchange[]
}

export interface DeliveryRecorder {
  record(record: DeliveryRecord): void
}

export interface DeliveryWorkerOptions {
  destinationId: string
  driver: DestinationDriver
  queues: WorkQueues
  recorder: DeliveryRecorder
  logger: Logger
  /** Deliveries in flight at once. Default 8. */
  concurrency?: number
  /** How long claimed items stay hidden from other workers. Default 30 s (six times the Webhook timeout). */
  leaseMs?: number
  retryPolicy?: Readonly<RetryPolicy>
  egressUrl?: string
  /** The destination's enabled filters, applied after the checks and before the driver. */
  filters?: readonly CompiledFilter[]
  now?: () => number
  random?: () => number
}

/**
 * Delivers one destination instance's queue: claims due items, checks each message (event type,
 * integrations object, consent), sends the rest through the driver and settles every item: acked
 * when delivered, filtered or refused for good; retried after a randomized back-off; parked (dead
 * letter) once the retry window is over. It has its own queue and its own slots, so a slow or failing
 * destination only ever holds up itself.
 */
export class DeliveryWorker {
  readonly #abort = new AbortController()
  readonly #queue: string
  readonly #concurrency: number
  readonly #inFlight = new Set<Promise<void>>()
  /** Claimed, not yet started; `claimedAt` on `performance.now()`. */
  readonly #buffer: { item: QueueItem; claimedAt: number }[] = []
  readonly #pendingAcks: number[] = []
  #ackTimer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.#queue = deliveryQueue(options.destinationId)
    this.#concurrency = options.concurrency ?? 8
  }

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Stops claiming; deliveries in flight are aborted and their items come back after their lease. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
    await Promise.all(this.#inFlight)
    await this.#flushAcks()
  }

  #loop(): Promise<void> {
    const { queues, driver, logger } = this.options
    const leaseMs = this.options.leaseMs ?? 30_000
    // Claimed ahead of the free slots, so that one claim (one write) feeds many deliveries. Few
    // enough that a destination timing out on every request still works through them in a lease.
    const prefetch = this.#concurrency * driver.batchSize * 4
    const step = async () => {
      if (this.#inFlight.size >= this.#concurrency) {
        await Promise.race(this.#inFlight)
        return
      }
      // Items held past half their lease are let go: they come back to whoever claims next.
      const freshSince = performance.now() - leaseMs / 2
      while (this.#buffer.length > 0 && this.#buffer[0]!.claimedAt < freshSince) this.#buffer.shift()
      // A batching driver with a flush interval waits for a full batch until its oldest message has
      // waited that long; everything else is sent as it comes (Segment's stream batching).
      const flushMs = Math.min(driver.flushIntervalMs ?? 0, leaseMs / 4)
      const oldest = this.#buffer[0]?.claimedAt
      const flushDue = oldest === undefined || performance.now() - oldest >= flushMs
      if (this.#buffer.length === 0 || (this.#buffer.length < driver.batchSize && !flushDue)) {
        const claimedAt = performance.now()
        const items = await queues.claim(this.#queue, {
          max: prefetch - this.#buffer.length,
          leaseMs,
          waitMs: oldest === undefined ? 1000 : Math.max(1, Math.ceil(flushMs - (claimedAt - oldest))),
          signal: this.#abort.signal,
        })
        for (const item of items) this.#buffer.push({ item, claimedAt })
      }
      const due = () =>
        this.#buffer.length >= driver.batchSize ||
        (this.#buffer.length > 0 && performance.now() - this.#buffer[0]!.claimedAt >= flushMs)
      while (this.#inFlight.size < this.#concurrency && due()) {
        const chunk = this.#buffer.splice(0, driver.batchSize).map((b) => b.item)
        const delivery = this.#deliver(chunk).finally(() => this.#inFlight.delete(delivery))
        this.#inFlight.add(delivery)
      }
    }
    return runUntilStopped(step, this.#abort.signal, (error, pauseMs) =>
      logger.error(
        { err: error, pauseMs, destinationId: this.options.destinationId },
        'delivery loop failed',
      ),
    )
  }

  /**
   * Finished items are acked together, a few milliseconds later: one write for many deliveries. If
   * the process dies first, they are delivered again after their lease (at-least-once).
   */
  #ack(ids: readonly number[]): void {
    this.#pendingAcks.push(...ids)
    this.#ackTimer ??= setTimeout(() => void this.#flushAcks(), 10)
  }

  async #flushAcks(): Promise<void> {
    clearTimeout(this.#ackTimer)
    this.#ackTimer = undefined
    const ids = this.#pendingAcks.splice(0)
    if (ids.length === 0) return
    try {
      await this.options.queues.ack(this.#queue, ids)
    } catch (error) {
      this.options.logger.error(
        { err: error, destinationId: this.options.destinationId, items: ids.length },
        'could not ack delivered items; they will be delivered again after their lease',
      )
    }
  }

  async #deliver(items: readonly QueueItem[]): Promise<void> {
    try {
      await this.#settle(items)
    } catch (error) {
      // The items stay claimed and come back after their lease; nothing is lost.
      if (!this.#abort.signal.aborted)
        this.options.logger.error(
          { err: error, destinationId: this.options.destinationId },
          'delivery failed',
        )
    }
  }

  async #settle(items: readonly QueueItem[]): Promise<void> {
    const { queues, driver } = this.options
    const now = this.options.now ?? Date.now
    const sendable: { item: QueueItem; envelope: IngestEnvelope }[] = []
    const done: number[] = []
    for (const item of items) {
      let envelope: IngestEnvelope
      try {
        envelope = JSON.parse(String(item.value)) as IngestEnvelope
      } catch {
        await queues.park(this.#queue, [item.id], 'the queued message is not valid JSON')
        continue
      }
      const check = checkMessage(envelope.message, driver.target)
      if (!check.send) {
        done.push(item.id)
        this.#record([envelope], item.attempts + 1, {
          kind: 'filtered',
          reason: check.reason,
          detail: check.detail,
        })
        continue
      }
      const filtered = this.#filter(envelope, item.attempts + 1)
      if (filtered === undefined) {
        done.push(item.id)
        continue
      }
      sendable.push({ item, envelope: filtered })
    }
    if (sendable.length > 0) {
      const messages = sendable.map((s) => s.envelope.message)
      const context = {
        signal: this.#abort.signal,
        now,
        ...(this.options.egressUrl !== undefined && { egressUrl: this.options.egressUrl }),
      }
      const result = await driver.deliver(messages, context)
      if (this.#abort.signal.aborted) return // shutting down: not an attempt; the lease brings them back
      // Messages with the same outcome are settled together (a batch: all of them).
      const groups = new Map<MessageOutcome, { item: QueueItem; envelope: IngestEnvelope }[]>()
      sendable.forEach((s, i) => {
        const outcome = result.outcomes?.[i] ?? result.outcome
        const group = groups.get(outcome)
        if (group) group.push(s)
        else groups.set(outcome, [s])
      })
      for (const [outcome, members] of groups) {
        await this.#settleGroup(outcome, members, result.exchanges, done)
      }
    }
    if (done.length > 0) this.#ack(done)
  }

  /**
   * The destination's filters (Segment's order: after the event-type check, before the mappings).
   * Returns the envelope with the message as filtered, or undefined when a filter dropped it.
   */
  #filter(envelope: IngestEnvelope, attempt: number): IngestEnvelope | undefined {
    const filters = this.options.filters
    if (filters === undefined || filters.length === 0) return envelope
    const outcome = applyCompiledFilters(envelope.message as unknown as Record<string, unknown>, filters)
    if (!outcome.drop) return { ...envelope, message: outcome.message as unknown as StoredMessage }
    this.#record([envelope], attempt, {
      kind: 'filtered',
      reason: 'filtered_by_destination_filter',
      detail: `filter ${outcome.filterId}: ${outcome.detail}`,
    })
    return undefined
  }

  async #settleGroup(
    outcome: MessageOutcome,
    members: readonly { item: QueueItem; envelope: IngestEnvelope }[],
    exchanges: readonly Exchange[],
    done: number[],
  ): Promise<void> {
    const { queues } = this.options
    const now = this.options.now ?? Date.now
    const envelopes = members.map((s) => s.envelope)
    const ids = members.map((s) => s.item.id)
    // A group is one attempt: its first item's history decides for all of it.
    const attempt = members[0]!.item.attempts + 1
    if (outcome.kind === 'filtered') {
      done.push(...ids)
      this.#record(envelopes, attempt, outcome)
      return
    }
    const step = nextStep(outcome, {
      attempt,
      firstAttemptAt: Math.min(...members.map((s) => s.item.enqueuedAt)),
      now: now(),
      random: this.options.random ?? Math.random,
      ...(this.options.retryPolicy && { policy: this.options.retryPolicy }),
    })
    switch (step.action) {
      case 'delivered': {
        done.push(...ids)
        const latencyMs = now() - Math.min(...envelopes.map((e) => Date.parse(e.message.receivedAt)))
        this.#record(envelopes, attempt, { kind: 'delivered', code: step.code, latencyMs }, exchanges)
        break
      }
      case 'drop':
        done.push(...ids)
        this.#record(envelopes, attempt, { kind: 'dropped', code: step.code, detail: step.detail }, exchanges)
        break
      case 'retry': {
        const detail = outcomeText(step.code, outcome)
        await Promise.all(ids.map((id) => queues.retry(this.#queue, id, step.delayMs, detail)))
        this.#record(
          envelopes,
          attempt,
          { kind: 'retrying', code: step.code, delayMs: step.delayMs, detail },
          exchanges,
        )
        break
      }
      case 'dead_letter':
        await queues.park(this.#queue, ids, step.detail)
        this.#record(
          envelopes,
          attempt,
          { kind: 'dead_lettered', code: step.code, detail: step.detail },
          exchanges,
        )
        break
    }
  }

  #record(
    envelopes: readonly IngestEnvelope[],
    attempt: number,
    event: DeliveryEvent,
    exchanges?: readonly Exchange[],
  ): void {
    const first = envelopes[0]!
    this.options.recorder.record({
      destinationId: this.options.destinationId,
      workspaceId: first.workspaceId,
      sourceId: first.sourceId,
      messages: envelopes.map((e) => e.message),
      event,
      attempt,
      ...(exchanges && { exchanges }),
    })
  }
}

function outcomeText(code: string, outcome: AttemptOutcome): string {
  return 'detail' in outcome ? `${code}: ${outcome.detail}` : code
}
