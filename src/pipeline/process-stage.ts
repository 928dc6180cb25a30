import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { INGEST_TOPIC } from '../spec/index.ts'
import type { EventStream, EnqueueItem, AppendRecord, StreamRecord } from '../stream/index.ts'
import { PROCESS_CONSUMER, PROCESS_DEDUPE_SCOPE, deliveryQueue, warehouseTopic } from './names.ts'
import type { RoutingSnapshot, RoutingTable } from './routing.ts'

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
}

export interface ProcessBatchSummary {
  readonly records: number
  /** Items put on destination queues (one per message and destination). */
  readonly queued: number
  /** Records staged for warehouses. */
  readonly staged: number
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
    const plan = planBatch(records, await this.options.routing.current())
    const options = { dedupeScope: PROCESS_DEDUPE_SCOPE }
    await Promise.all([
      ...[...plan.queues].map(([queue, items]) => stream.queues.enqueue(queue, items, options)),
      ...[...plan.topics].map(([topic, appends]) => stream.append(topic, appends, options)),
    ])
    await stream.commit(INGEST_TOPIC, PROCESS_CONSUMER, records.at(-1)!.offset)
    this.options.onBatch?.({ records: records.length, queued: plan.queued, staged: plan.staged })
    return records.length
  }

  async #loop(): Promise<void> {
    let failures = 0
    while (!this.#abort.signal.aborted) {
      try {
        await this.step()
        failures = 0
      } catch (error) {
        if (this.#abort.signal.aborted) break
        failures++
        const pauseMs = Math.min(30_000, 250 * 2 ** Math.min(failures, 7))
        this.options.logger.error({ err: error, pauseMs }, 'process stage failed; retrying the same batch')
        await sleep(pauseMs, undefined, { signal: this.#abort.signal }).catch(() => {})
      }
    }
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

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
