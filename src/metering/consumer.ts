import type { Logger } from 'pino'
import { INGEST_TOPIC, type IngestEnvelope } from '../spec/index.ts'
import type { Store } from '../store/index.ts'
import { runUntilStopped, type EventStream } from '../stream/index.ts'
import { aggregateUsage } from './aggregate.ts'

export const METERING_CONSUMER = 'metering'

export interface MeteringOptions {
  stream: EventStream
  store: Store
  logger: Logger
  /** Messages per batch. */
  batchSize?: number
  /** How long a read waits for new messages. */
  waitMs?: number
}

/**
 * Counts API calls and tracked users from the ingest topic, exactly once, even with several
 * metering processes: each batch's counts and the move of the consumer's position (a compare-and-set
 * from where the batch was read) are one control-plane transaction, and reading resumes after that
 * stored position. The stream group is committed afterwards, only so that retention can
 * proceed; if the process dies in between, the stored position still prevents counting twice.
 */
export class MeteringConsumer {
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined

  constructor(private readonly options: MeteringOptions) {}

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Reads and counts one batch; returns how many messages it counted. */
  async step(): Promise<number> {
    const { stream, store } = this.options
    const after = await store.usage.position(METERING_CONSUMER)
    const records = await stream.read(INGEST_TOPIC, METERING_CONSUMER, {
      after,
      max: this.options.batchSize ?? 1000,
      maxBytes: 16 * 1024 * 1024,
      waitMs: this.options.waitMs ?? 1000,
      signal: this.#abort.signal,
    })
    if (records.length === 0) return 0
    const last = records.at(-1)!.offset
    const delta = aggregateUsage(records.map((r) => JSON.parse(String(r.value)) as IngestEnvelope))
    const counted = await store.transaction(async (tx) => {
      if (!(await tx.usage.advancePosition(METERING_CONSUMER, after, last))) return false
      await tx.usage.apply(delta)
      return true
    })
    // Another metering process counted this batch first: nothing to commit, read on from its position.
    if (!counted) return 0
    await stream.commit(INGEST_TOPIC, METERING_CONSUMER, last)
    return records.length
  }

  #loop(): Promise<void> {
    return runUntilStopped(
      () => this.step(),
      this.#abort.signal,
      (error, pauseMs) =>
        this.options.logger.error({ err: error, pauseMs }, 'metering failed; retrying the same batch'),
    )
  }
}
