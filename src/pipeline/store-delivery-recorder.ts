import type { IngestEnvelope } from '../spec/index.ts'
import type { Logger } from 'pino'
import type { Store } from '../store/index.ts'
import { DeliveryAggregate, type RoutedMessage } from './delivery-aggregate.ts'
import type { DeliveryRecord, DeliveryRecorder } from './delivery-worker.ts'

export interface StoreDeliveryRecorderOptions {
  store: Store
  logger: Logger
  /** Days lineage is kept; 0 records none. */
  lineageRetentionDays: number
  /** Days counts, latency and samples are kept. Default 30 (Delivery Overview's longest look back). */
  countsRetentionDays?: number
  /** How often gathered records are written. Default 1 s. */
  flushMs?: number
  /** How often old rows are deleted. Default 10 min. */
  pruneMs?: number
  now?: () => number
}

/** Counts, latency and samples are kept this long by default: Delivery Overview looks back 30 days. */
export const DELIVERY_COUNTS_RETENTION_DAYS = 30
const DAY_MS = 24 * 60 * 60_000

/**
 * Writes what the pipeline does to the store for Delivery Overview and lineage. Records are gathered in
 * memory (`DeliveryAggregate`) and written in one transaction every `flushMs` and on `stop()`. A failed
 * write is kept and retried with the next flush; lineage beyond the aggregate's bound is dropped and
 * logged, counts never are. Every process runs its own recorder; counts add up in the store.
 */
export class StoreDeliveryRecorder implements DeliveryRecorder {
  readonly #aggregate: DeliveryAggregate
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #lastPrune = 0
  #reportedDrops = 0
  #failures = 0

  constructor(private readonly options: StoreDeliveryRecorderOptions) {
    this.#aggregate = new DeliveryAggregate({ lineage: options.lineageRetentionDays > 0 })
    this.#now = options.now ?? Date.now
  }

  record(record: DeliveryRecord): void {
    this.#aggregate.addDelivery(record, this.#now())
  }

  /** The process stage's hook: counts received messages and records where each was routed. */
  recordRouted(routed: readonly RoutedMessage[]): void {
    this.#aggregate.addRouted(routed, this.#now())
  }

  /** The process stage's hook for messages the schema controls dropped. */
  recordBlocked(blocked: readonly IngestEnvelope[]): void {
    this.#aggregate.addBlocked(blocked, this.#now())
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.options.flushMs ?? 1000)
    this.#timer.unref()
  }

  /** Stops the timer and writes what is gathered (call after the pipeline stopped recording). */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.flush()
  }

  /** Writes what is gathered now; concurrent calls share one write. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined))
    return this.#flushing
  }

  async #flush(): Promise<void> {
    const { store, logger } = this.options
    if (this.#aggregate.droppedLineage > this.#reportedDrops) {
      logger.warn(
        { dropped: this.#aggregate.droppedLineage - this.#reportedDrops },
        'lineage entries dropped: the store could not keep up',
      )
      this.#reportedDrops = this.#aggregate.droppedLineage
    }
    if (!this.#aggregate.empty) {
      const batch = this.#aggregate.drain()
      try {
        await store.transaction(async (tx) => {
          await tx.delivery.addCounts(batch.counts)
          await tx.delivery.addLatency(batch.latency)
          await tx.delivery.addSamples(batch.samples)
          await tx.lineage.append(batch.lineage)
        })
        this.#failures = 0
      } catch (error) {
        this.#aggregate.restore(batch)
        if (this.#failures++ % 30 === 0)
          logger.error(
            { err: error },
            'could not write delivery counts and lineage; keeping them for the next try',
          )
        return
      }
    }
    await this.#prune()
  }

  async #prune(): Promise<void> {
    const now = this.#now()
    if (now - this.#lastPrune < (this.options.pruneMs ?? 10 * 60_000)) return
    this.#lastPrune = now
    const keepDays = this.options.countsRetentionDays ?? DELIVERY_COUNTS_RETENTION_DAYS
    try {
      await this.options.store.delivery.prune(
        Math.floor((now - keepDays * DAY_MS) / 60_000),
        now - keepDays * DAY_MS,
      )
      await this.options.store.lineage.prune(now - this.options.lineageRetentionDays * DAY_MS)
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not delete old delivery counts and lineage')
    }
  }
}

/**
 * One recorder that hands every record to each of `recorders` (metrics and the store). A recorder that
 * throws is logged and skipped: recording never fails a delivery.
 */
export function fanOutRecorder(recorders: readonly DeliveryRecorder[], logger: Logger): DeliveryRecorder {
  return {
    record(record) {
      for (const recorder of recorders) {
        try {
          recorder.record(record)
        } catch (error) {
          logger.error({ err: error, destinationId: record.destinationId }, 'a delivery recorder failed')
        }
      }
    },
  }
}
