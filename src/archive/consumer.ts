import type { Logger } from 'pino'
import { INGEST_TOPIC, type IngestEnvelope } from '../spec/index.ts'
import type { SchemaLimits, Store } from '../store/index.ts'
import { runUntilStopped, type EventStream } from '../stream/index.ts'
import type { BlockingRules } from './blocking.ts'
import { archiveRow } from './rows.ts'
import { aggregateSchema } from './schema.ts'

/** The archive's consumer group on the ingest topic (one of `INGEST_CONSUMERS`). */
export const ARCHIVE_CONSUMER = 'archive'

export interface ArchiveConsumerOptions {
  stream: EventStream
  store: Store
  /** The blocked events (`BlockedEvents`): blocked messages are archived flagged. */
  blocking: { current(): Promise<BlockingRules> }
  logger: Logger
  /** Messages per batch. Default 500. */
  batchSize?: number
  /** How long a read waits for new messages. Default 1000 ms. */
  waitMs?: number
  schemaLimits?: SchemaLimits
  /** Called after each archived batch (metrics). */
  onBatch?: (summary: { archived: number; blocked: number }) => void
}

/**
 * Archives every ingested message, exactly once, even with several archive processes: each batch's
 * rows, its source-schema counts and the move of the consumer's position (a compare-and-set from
 * where the batch was read) are one control-plane transaction, and reading resumes after that
 * stored position. The stream group is committed afterwards, only so that retention can proceed.
 * Because the position serialises the writers, archive ids are committed in increasing order, which
 * lets readers follow the archive by id (the debugger's live tail).
 */
export class ArchiveConsumer {
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined

  constructor(private readonly options: ArchiveConsumerOptions) {}

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Reads and archives one batch; returns how many messages it archived. */
  async step(): Promise<number> {
    const { stream, store } = this.options
    const after = await store.positions.get(ARCHIVE_CONSUMER)
    const records = await stream.read(INGEST_TOPIC, ARCHIVE_CONSUMER, {
      after,
      max: this.options.batchSize ?? 500,
      maxBytes: 16 * 1024 * 1024,
      waitMs: this.options.waitMs ?? 1000,
      signal: this.#abort.signal,
    })
    if (records.length === 0) return 0
    const last = records.at(-1)!.offset
    const rules = await this.options.blocking.current()
    const envelopes = records.map((record) => JSON.parse(String(record.value)) as IngestEnvelope)
    const rows = envelopes.map((e, i) =>
      archiveRow(e, rules.isBlocked(e.sourceId, e.message), records[i]!.appendedAt),
    )
    const delta = aggregateSchema(
      rows.map((row, i) => ({
        workspaceId: row.workspaceId,
        sourceId: row.sourceId,
        message: envelopes[i]!.message,
        blocked: row.blocked,
        receivedAt: row.receivedAt,
      })),
    )
    const archived = await store.transaction(async (tx) => {
      if (!(await tx.positions.advance(ARCHIVE_CONSUMER, after, last))) return false
      await tx.archive.append(rows)
      await tx.sourceSchema.apply(delta, this.options.schemaLimits)
      return true
    })
    // Another archive process wrote this batch first: nothing to commit, read on from its position.
    if (!archived) return 0
    await stream.commit(INGEST_TOPIC, ARCHIVE_CONSUMER, last)
    this.options.onBatch?.({ archived: rows.length, blocked: rows.filter((r) => r.blocked).length })
    return rows.length
  }

  #loop(): Promise<void> {
    return runUntilStopped(
      () => this.step(),
      this.#abort.signal,
      (error, pauseMs) =>
        this.options.logger.error({ err: error, pauseMs }, 'archive failed; retrying the same batch'),
    )
  }
}
