import type { Logger } from 'pino'
import { INGEST_TOPIC, type IngestEnvelope, type StoredMessage } from '../spec/index.ts'
import {
  runUntilStopped,
  type EventStream,
  type EnqueueItem,
  type AppendRecord,
  type StreamRecord,
} from '../stream/index.ts'
import { PROCESS_CONSUMER, PROCESS_DEDUPE_SCOPE, deliveryQueue, warehouseTopic } from './names.ts'
import type { RoutingSnapshot, RoutingTable } from './routing.ts'
import type { RoutedMessage } from './delivery-aggregate.ts'

export interface ProcessStageOptions {
  stream: EventStream
  routing: RoutingTable
  logger: Logger
  /** Records per batch. Default 500. */
  batchSize?: number
  /** How long a read waits for new records. Default 1000 ms. */
  waitMs?: number
  /** Called after each committed batch (metrics). */
  onBatch?: (summary: ProcessBatchSummary) => void
  /**
   * Told, after each committed batch, where every message went (Delivery Overview counts, lineage).
   * Given only when set, as it parses each record; a hook that throws is logged, never retried.
   */
  onRouted?: (routed: readonly RoutedMessage[]) => void
  /** Called with the messages the schema controls dropped (Delivery Overview's "filtered at source"). */
  onBlocked?: (blocked: readonly IngestEnvelope[]) => void
  /** Schema controls: blocked messages are dropped here, before any routing (`archive/blocking.ts`). */
  blocking?: { current(): Promise<BlockingRules> }
}

/** Which messages a source blocks; asked once per batch. */
export interface BlockingRules {
  /** Whether the source blocks anything: when not, its records pass without being parsed. */
  blocksAny(sourceId: string): boolean
  isBlocked(sourceId: string, message: StoredMessage): boolean
}

export interface ProcessBatchSummary {
  readonly records: number
  /** Items put on destination queues (one per message and destination). */
  readonly queued: number
  /** Records staged for warehouses. */
  readonly staged: number
  /** Records dropped because their source blocks them. */
  readonly blocked: number
}

/**
 * The process stage: reads the ingest topic in order and routes each message to every enabled
 * connection of its source: one item on each destination's work queue, one record on each
 * connected warehouse's staging topic. Its position is committed only after all of that is durable;
 * everything it writes carries the ingest offset as dedupe id, so a batch routed again after a
 * crash adds nothing twice.
 */
export class ProcessStage {
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined

  constructor(private readonly options: ProcessStageOptions) {}

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Routes and commits one batch; returns how many records it read. */
  async step(): Promise<number> {
    const { stream } = this.options
    const records = await stream.read(INGEST_TOPIC, PROCESS_CONSUMER, {
      max: this.options.batchSize ?? 500,
      maxBytes: 16 * 1024 * 1024,
      waitMs: this.options.waitMs ?? 1000,
      signal: this.#abort.signal,
    })
    if (records.length === 0) return 0
    const snapshot = await this.options.routing.current()
    // Each record is parsed at most once per batch, however many of the steps below read it.
    const parse = parseOnce()
    const routable = this.options.blocking
      ? withoutBlocked(records, await this.options.blocking.current(), parse)
      : records
    const plan = planBatch(routable, snapshot)
    const options = { dedupeScope: PROCESS_DEDUPE_SCOPE }
    await Promise.all([
      ...[...plan.queues].map(([queue, items]) => stream.queues.enqueue(queue, items, options)),
      ...[...plan.topics].map(([topic, appends]) => stream.append(topic, appends, options)),
    ])
    await stream.commit(INGEST_TOPIC, PROCESS_CONSUMER, records.at(-1)!.offset)
    const blocked = records.length - routable.length
    this.options.onBatch?.({ records: records.length, queued: plan.queued, staged: plan.staged, blocked })
    if (blocked > 0 && this.options.onBlocked) {
      const kept = new Set(routable)
      try {
        // A blocked record was read to decide it, so it parsed.
        this.options.onBlocked(records.filter((r) => !kept.has(r)).map((r) => parse(r)!))
      } catch (error) {
        this.options.logger.error({ err: error }, 'the blocked-messages hook failed')
      }
    }
    if (this.options.onRouted) {
      try {
        this.options.onRouted(routedMessages(routable, snapshot, parse))
      } catch (error) {
        this.options.logger.error({ err: error }, 'the routed-messages hook failed')
      }
    }
    return records.length
  }

  #loop(): Promise<void> {
    return runUntilStopped(
      () => this.step(),
      this.#abort.signal,
      (error, pauseMs) =>
        this.options.logger.error({ err: error, pauseMs }, 'process stage failed; retrying the same batch'),
    )
  }
}

interface BatchPlan {
  queues: Map<string, EnqueueItem[]>
  topics: Map<string, AppendRecord[]>
  queued: number
  staged: number
}

/** Pure: which queue and topic each record goes to. The record's value is passed on as it is. */
export function planBatch(records: readonly StreamRecord[], routing: RoutingSnapshot): BatchPlan {
  const plan: BatchPlan = { queues: new Map(), topics: new Map(), queued: 0, staged: 0 }
  for (const record of records) {
    const routes = routing.routes(record.key)
    const dedupeId = String(record.offset)
    for (const destination of routes.destinations) {
      push(plan.queues, deliveryQueue(destination.id), { value: record.value, dedupeId })
      plan.queued++
    }
    for (const warehouseId of routes.warehouseIds) {
      push(plan.topics, warehouseTopic(warehouseId), { key: record.key, value: record.value, dedupeId })
      plan.staged++
    }
  }
  return plan
}

/** A record's envelope, or undefined when its value is not JSON. */
export type ParseEnvelope = (record: StreamRecord) => IngestEnvelope | undefined

export const parseEnvelope: ParseEnvelope = (record) => {
  try {
    return JSON.parse(String(record.value)) as IngestEnvelope
  } catch {
    return undefined
  }
}

/** A parser that parses each record once, however often it is asked (`parse`: the first time). */
export function parseOnce(parse: ParseEnvelope = parseEnvelope): ParseEnvelope {
  const parsed = new Map<StreamRecord, IngestEnvelope | undefined>()
  return (record) => {
    if (parsed.has(record)) return parsed.get(record)
    const envelope = parse(record)
    parsed.set(record, envelope)
    return envelope
  }
}

/** Pure: each record's message and the destinations it was queued for; unreadable records are skipped. */
export function routedMessages(
  records: readonly StreamRecord[],
  routing: RoutingSnapshot,
  parse: ParseEnvelope = parseEnvelope,
): RoutedMessage[] {
  const routed: RoutedMessage[] = []
  for (const record of records) {
    const envelope = parse(record)
    if (typeof envelope?.message?.messageId !== 'string') continue
    routed.push({
      workspaceId: envelope.workspaceId,
      sourceId: envelope.sourceId,
      message: envelope.message,
      destinationIds: routing.routes(record.key).destinations.map((d) => d.id),
    })
  }
  return routed
}

/** Pure: the records whose message the source does not block (unreadable ones are kept: routing passes values on). */
export function withoutBlocked(
  records: readonly StreamRecord[],
  rules: BlockingRules,
  parse: ParseEnvelope = parseEnvelope,
): readonly StreamRecord[] {
  return records.filter((record) => {
    if (!rules.blocksAny(record.key)) return true
    const envelope = parse(record)
    if (envelope === undefined) return true
    try {
      return !rules.isBlocked(envelope.sourceId, envelope.message)
    } catch {
      return true
    }
  })
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
