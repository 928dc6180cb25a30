import type { Logger } from 'pino'
import {
  applyCompiledFilters,
  checkMessage,
  type CompiledFilter,
  nextStep,
  type AttemptOutcome,
  type DestinationDriver,
  type DropReason,
  type DeliveryResult,
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
/** A message about to be sent: its queue item, its envelope as received, the message as filtered. */
interface Sendable {
  readonly item: QueueItem
  readonly envelope: IngestEnvelope
  readonly message: StoredMessage
}

type MessageStep = ReturnType<typeof nextStep> | Extract<MessageOutcome, { kind: 'filtered' }>

/** Messages that ended the same way in one delivery (same step, code and attempt). */
interface SettledGroup {
  readonly step: MessageStep
  readonly outcome: MessageOutcome
  readonly attempt: number
  readonly members: { sendable: Sendable; step: MessageStep }[]
  readonly exchanges: Set<Exchange>
}

/** How long `stop` lets deliveries in flight finish before aborting them. */
const STOP_DRAIN_MS = 5_000
/** Items claimed ahead at most (a batching destination's prefetch would otherwise be huge). */
const MAX_PREFETCH = 2_000

export class DeliveryWorker {
  /** Stops the claim loop. */
  readonly #claiming = new AbortController()
  /** Aborts the deliveries in flight. */
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

  /**
   * Stops claiming and lets the deliveries in flight finish for up to `drainMs` (a settings or
   * mapping change must not cut requests off half way: the vendor may have them already); then
   * aborts the rest, whose items come back after their lease. Items claimed but not started are left
   * to their lease too.
   */
  async stop(drainMs = STOP_DRAIN_MS): Promise<void> {
    this.#claiming.abort()
    await this.#running
    const drained = Promise.all(this.#inFlight)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))])
    clearTimeout(timer)
    this.#abort.abort()
    await drained
    await this.#flushAcks()
  }

  #loop(): Promise<void> {
    const { queues, driver, logger } = this.options
    const leaseMs = this.options.leaseMs ?? 30_000
    // Claimed ahead of the free slots, so that one claim (one write) feeds many deliveries. Few
    // enough that a destination timing out on every request still works through them in a lease.
    const prefetch = Math.min(
      this.#concurrency * driver.batchSize * 4,
      Math.max(MAX_PREFETCH, driver.batchSize),
    )
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
          signal: this.#claiming.signal,
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
    return runUntilStopped(step, this.#claiming.signal, (error, pauseMs) =>
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
    const sendable: Sendable[] = []
    const done: number[] = []
    try {
      for (const item of items) {
        let envelope: IngestEnvelope
        try {
          envelope = JSON.parse(String(item.value)) as IngestEnvelope
        } catch {
          await queues.park(this.#queue, [item.id], 'the queued message is not valid JSON')
          continue
        }
        const attempt = item.attempts + 1
        const check = checkMessage(envelope.message, driver.target)
        if (!check.send) {
          done.push(item.id)
          this.#record([envelope], attempt, { kind: 'filtered', reason: check.reason, detail: check.detail })
          continue
        }
        const message = this.#filter(envelope, attempt)
        if (message === undefined) {
          done.push(item.id)
          continue
        }
        sendable.push({ item, envelope, message })
      }
      if (sendable.length === 0) return
      const context = {
        signal: this.#abort.signal,
        now,
        ...(this.options.egressUrl !== undefined && { egressUrl: this.options.egressUrl }),
      }
      const result = await driver.deliver(
        sendable.map((s) => s.message),
        context,
      )
      if (this.#abort.signal.aborted) return // shutting down: not an attempt; the lease brings them back
      await this.#settleOutcomes(sendable, result, done)
    } finally {
      // Whatever happened to the rest, what is settled is acked.
      if (done.length > 0) this.#ack(done)
    }
  }

  /**
   * The destination's filters (Segment's order: after the event-type check, before the mappings).
   * Returns the message as filtered (what is sent), or undefined when a filter dropped it.
   */
  #filter(envelope: IngestEnvelope, attempt: number): StoredMessage | undefined {
    const filters = this.options.filters
    if (filters === undefined || filters.length === 0) return envelope.message
    const outcome = applyCompiledFilters(envelope.message as unknown as Record<string, unknown>, filters)
    if (!outcome.drop) return outcome.message as unknown as StoredMessage
    this.#record([envelope], attempt, {
      kind: 'filtered',
      reason: 'filtered_by_destination_filter',
      detail: `filter ${outcome.filterId}: ${outcome.detail}`,
    })
    return undefined
  }

  /**
   * Settles every message by its own outcome and its own history (attempts, time in the queue), as
   * Segment's stream batching does: a batch's members can part ways between retries. Messages that
   * end the same way are recorded together, with the exchanges made for them.
   */
  async #settleOutcomes(
    sendable: readonly Sendable[],
    result: DeliveryResult,
    done: number[],
  ): Promise<void> {
    const { queues } = this.options
    const now = this.options.now ?? Date.now
    const at = now()
    const groups = new Map<string, SettledGroup>()
    sendable.forEach((s, i) => {
      const outcome = result.outcomes?.[i] ?? result.outcome
      const attempt = s.item.attempts + 1
      const step: MessageStep =
        outcome.kind === 'filtered'
          ? outcome
          : nextStep(outcome, {
              attempt,
              firstAttemptAt: s.item.enqueuedAt,
              now: at,
              random: this.options.random ?? Math.random,
              ...(this.options.retryPolicy && { policy: this.options.retryPolicy }),
            })
      const key = 'action' in step ? `${step.action}\0${step.code}` : `filtered\0${step.reason}`
      const groupKey = `${key}\0${attempt}`
      let group = groups.get(groupKey)
      if (!group)
        groups.set(groupKey, (group = { step, outcome, attempt, members: [], exchanges: new Set() }))
      group.members.push({ sendable: s, step })
      for (const exchange of result.messageExchanges?.[i] ?? result.exchanges) group.exchanges.add(exchange)
    })
    for (const { step, outcome, attempt, members, exchanges: made } of groups.values()) {
      const envelopes = members.map((m) => m.sendable.envelope)
      const ids = members.map((m) => m.sendable.item.id)
      const exchanges = [...made]
      if (!('action' in step)) {
        done.push(...ids)
        this.#record(envelopes, attempt, step)
        continue
      }
      switch (step.action) {
        case 'delivered': {
          done.push(...ids)
          const latencyMs = at - Math.min(...envelopes.map((e) => Date.parse(e.message.receivedAt)))
          this.#record(envelopes, attempt, { kind: 'delivered', code: step.code, latencyMs }, exchanges)
          break
        }
        case 'drop':
          done.push(...ids)
          this.#record(
            envelopes,
            attempt,
            { kind: 'dropped', code: step.code, detail: step.detail },
            exchanges,
          )
          break
        case 'retry': {
          const detail = outcomeText(step.code, outcome as AttemptOutcome)
          await Promise.all(
            members.map(({ sendable: s, step: own }) =>
              queues.retry(this.#queue, s.item.id, (own as { delayMs: number }).delayMs, detail),
            ),
          )
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
