/**
 * What the store keeps for Delivery Overview and lineage, gathered in memory between flushes: counts
 * per (source, destination, minute, outcome, reason, event, attempt), latency histograms per
 * destination and minute, the newest samples per (destination, outcome, reason), and one lineage entry
 * per message and step. Pure: the caller passes the time.
 */
import { maskHeaders, maskUrl, type Exchange } from '../destinations/index.ts'
import type { IngestEnvelope, StoredMessage } from '../spec/index.ts'
import type {
  DeliveryCountDelta,
  LatencyDelta,
  LineageEntry,
  NewDeliverySample,
  SampleRequest,
  SampleResponse,
} from '../store/index.ts'
import { SAMPLES_PER_REASON } from '../store/index.ts'
import type { DeliveryRecord } from './delivery-worker.ts'
import { latencyBucket } from './latency.ts'

/** A message the process stage routed, and where to. */
export interface RoutedMessage {
  readonly workspaceId: string
  readonly sourceId: string
  readonly message: StoredMessage
  readonly destinationIds: readonly string[]
}

export interface DeliveryBatch {
  readonly counts: DeliveryCountDelta[]
  readonly latency: LatencyDelta[]
  readonly samples: NewDeliverySample[]
  readonly lineage: LineageEntry[]
}

export interface DeliveryAggregateOptions {
  /** Whether lineage entries are kept (retention above zero). */
  lineage: boolean
  /** Lineage entries held between flushes at most; more are dropped and counted. Default 200,000. */
  maxLineage?: number
}

/** Bytes of a payload, request or response body kept in a sample. */
export const SAMPLE_BODY_BYTES = 8 * 1024
/** Attempts counted one by one for `successes.attempt.N`; later ones count as this. */
export const MAX_COUNTED_ATTEMPT = 10
const MAX_EVENT_NAME = 200
const MAX_APP_VERSION = 50

export class DeliveryAggregate {
  #counts = new Map<string, DeliveryCountDelta>()
  #latency = new Map<string, LatencyDelta>()
  #samples = new Map<string, NewDeliverySample[]>()
  #lineage: LineageEntry[] = []
  #seq = 0
  /** Lineage entries dropped because too many were waiting (the store was slow or down). */
  droppedLineage = 0

  constructor(private readonly options: DeliveryAggregateOptions) {}

  get empty(): boolean {
    return (
      this.#counts.size === 0 &&
      this.#latency.size === 0 &&
      this.#samples.size === 0 &&
      this.#lineage.length === 0
    )
  }

  /** Counts what one destination did with some messages at `at` (epoch ms). */
  addDelivery(record: DeliveryRecord, at: number): void {
    const { event, destinationId, workspaceId, sourceId } = record
    const minute = Math.floor(at / 60_000)
    const reason = event.kind === 'filtered' ? event.reason : event.code
    const attempt = record.attempt ?? 1
    for (const message of record.messages) {
      this.#count({
        workspaceId,
        sourceId,
        destinationId,
        minute,
        outcome: event.kind,
        reason,
        ...eventDimensions(message),
        attempt: event.kind === 'delivered' ? Math.min(Math.max(1, attempt), MAX_COUNTED_ATTEMPT) : 0,
        count: 1,
      })
      this.#addLineage({
        workspaceId,
        sourceId,
        messageId: message.messageId,
        receivedAt: receivedMs(message, at),
        at,
        seq: 0,
        stage: 'deliver',
        destinationId,
        outcome: event.kind,
        code: reason,
        detail: 'detail' in event ? event.detail : '',
        data: lineageData(record, at),
      })
    }
    if (event.kind === 'delivered') {
      const bound = latencyBucket(event.latencyMs)
      const key = [sourceId, destinationId, minute, bound].join('\0')
      const row = this.#latency.get(key)
      if (row) row.count += record.messages.length
      else
        this.#latency.set(key, {
          workspaceId,
          sourceId,
          destinationId,
          minute,
          bound,
          count: record.messages.length,
        })
    } else if (record.messages.length > 0) {
      this.#addSample(sampleOf(record, at, reason))
    }
  }

  /**
   * Counts messages the schema controls dropped at the process stage: received, then filtered at
   * source (reason `blocked_event`), and notes it in their lineage.
   */
  addBlocked(blocked: readonly IngestEnvelope[], at: number): void {
    for (const envelope of blocked) {
      this.#countAtSource(envelope, at, 'received', '')
      this.#countAtSource(envelope, at, 'filtered_at_source', 'blocked_event')
      this.#addProcessLineage(envelope, at, {
        outcome: 'blocked',
        code: 'blocked_event',
        detail: 'the event is blocked in the source schema; it was archived and sent nowhere',
        data: { receivedAt: envelope.message.receivedAt },
      })
    }
  }

  /** Counts messages the process stage routed (Delivery Overview's "successfully received") at `at`. */
  addRouted(routed: readonly RoutedMessage[], at: number): void {
    for (const envelope of routed) {
      const { destinationIds, message } = envelope
      this.#countAtSource(envelope, at, 'received', '')
      this.#addProcessLineage(envelope, at, {
        outcome: 'routed',
        code: '',
        detail:
          destinationIds.length === 0
            ? 'no enabled destination is connected to the source'
            : `queued for ${destinationIds.length} destination${destinationIds.length === 1 ? '' : 's'}`,
        data: { destinationIds: [...destinationIds], receivedAt: message.receivedAt },
      })
    }
  }

  /** One message in a source's own counts (destination ''), in the minute it was received. */
  #countAtSource(
    { workspaceId, sourceId, message }: IngestEnvelope,
    at: number,
    outcome: string,
    reason: string,
  ): void {
    this.#count({
      workspaceId,
      sourceId,
      destinationId: '',
      minute: Math.floor(receivedMs(message, at) / 60_000),
      outcome,
      reason,
      ...eventDimensions(message),
      attempt: 0,
      count: 1,
    })
  }

  /** What the process stage did with one message, in its lineage. */
  #addProcessLineage(
    { workspaceId, sourceId, message }: IngestEnvelope,
    at: number,
    entry: { outcome: string; code: string; detail: string; data: Record<string, unknown> },
  ): void {
    this.#addLineage({
      workspaceId,
      sourceId,
      messageId: message.messageId,
      receivedAt: receivedMs(message, at),
      at,
      seq: 0,
      stage: 'process',
      destinationId: '',
      ...entry,
    })
  }

  /** Everything gathered since the last drain; the aggregate starts empty again. */
  drain(): DeliveryBatch {
    const batch: DeliveryBatch = {
      counts: [...this.#counts.values()],
      latency: [...this.#latency.values()],
      samples: [...this.#samples.values()].flat(),
      lineage: this.#lineage,
    }
    this.#counts = new Map()
    this.#latency = new Map()
    this.#samples = new Map()
    this.#lineage = []
    return batch
  }

  /** Puts back a batch that could not be written, so that the next drain carries it again. */
  restore(batch: DeliveryBatch): void {
    for (const delta of batch.counts) this.#count(delta)
    for (const delta of batch.latency) {
      const key = [delta.sourceId, delta.destinationId, delta.minute, delta.bound].join('\0')
      const row = this.#latency.get(key)
      if (row) row.count += delta.count
      else this.#latency.set(key, { ...delta })
    }
    for (const sample of batch.samples) this.#addSample(sample, true)
    const newer = this.#lineage
    this.#lineage = []
    for (const entry of [...batch.lineage, ...newer]) this.#pushLineage(entry)
  }

  #count(delta: DeliveryCountDelta): void {
    const key = [
      delta.sourceId,
      delta.destinationId,
      delta.minute,
      delta.outcome,
      delta.reason,
      delta.eventType,
      delta.eventName,
      delta.appVersion,
      delta.attempt,
    ].join('\0')
    const row = this.#counts.get(key)
    if (row) row.count += delta.count
    else this.#counts.set(key, { ...delta })
  }

  #addSample(sample: NewDeliverySample, older = false): void {
    const key = [sample.destinationId, sample.outcome, sample.reason].join('\0')
    const list = this.#samples.get(key) ?? []
    if (older) list.unshift(sample)
    else list.push(sample)
    list.sort((a, b) => a.at - b.at)
    while (list.length > SAMPLES_PER_REASON) list.shift()
    this.#samples.set(key, list)
  }

  #addLineage(entry: LineageEntry): void {
    if (!this.options.lineage) return
    this.#pushLineage({ ...entry, seq: ++this.#seq })
  }

  #pushLineage(entry: LineageEntry): void {
    if (this.#lineage.length >= (this.options.maxLineage ?? 200_000)) {
      this.droppedLineage++
      return
    }
    this.#lineage.push(entry)
  }
}

/** The dimensions Delivery Overview groups by: call type, event name (track, page, screen), app version. */
export function eventDimensions(message: StoredMessage): {
  eventType: string
  eventName: string
  appVersion: string
} {
  const record = message as unknown as Record<string, unknown>
  const name =
    message.type === 'track'
      ? record.event
      : message.type === 'page' || message.type === 'screen'
        ? record.name
        : ''
  const context = record.context as { app?: { version?: unknown } } | undefined
  const version = context?.app?.version
  return {
    eventType: message.type,
    eventName: typeof name === 'string' ? name.slice(0, MAX_EVENT_NAME) : '',
    appVersion:
      typeof version === 'string' || typeof version === 'number'
        ? String(version).slice(0, MAX_APP_VERSION)
        : '',
  }
}

/** When ingest received the message, in epoch ms (`fallback` if it has no valid `receivedAt`). */
function receivedMs(message: StoredMessage, fallback: number): number {
  const ms = Date.parse(message.receivedAt)
  return Number.isNaN(ms) ? fallback : ms
}

function lineageData(record: DeliveryRecord, at: number): Record<string, unknown> {
  const { event } = record
  const data: Record<string, unknown> = { attempt: record.attempt ?? 1 }
  if (event.kind === 'delivered') {
    data.latencyMs = event.latencyMs
    if (/^\d{3}$/.test(event.code)) data.status = Number(event.code)
  } else if (event.kind === 'retrying') {
    data.nextAttemptAt = new Date(at + event.delayMs).toISOString()
  }
  if (event.kind !== 'delivered' && event.kind !== 'filtered' && /^\d{3}$/.test(event.code))
    data.status = Number(event.code)
  return data
}

/** A sample of a record that was not delivered: its first message, and the matching request and answer. */
function sampleOf(record: DeliveryRecord, at: number, reason: string): NewDeliverySample {
  const message = record.messages[0]!
  const payload = truncate(JSON.stringify(message))
  const code = 'code' in record.event ? record.event.code : undefined
  const exchange = record.exchanges?.find((e) => e.outcome.code === code) ?? record.exchanges?.[0]
  return {
    workspaceId: record.workspaceId,
    sourceId: record.sourceId,
    destinationId: record.destinationId,
    outcome: record.event.kind,
    reason,
    at,
    messageId: message.messageId,
    ...pick(eventDimensions(message)),
    detail: 'detail' in record.event ? record.event.detail : '',
    payload: payload.text,
    payloadTruncated: payload.truncated,
    ...(exchange && { request: sampleRequest(exchange) }),
    ...(exchange?.response && { response: sampleResponse(exchange) }),
  }
}

const pick = ({ eventType, eventName }: { eventType: string; eventName: string }) => ({
  eventType,
  eventName,
})

/** The request as sent, with credentials masked (Authorization, X-Signature, URL passwords, …). */
export function sampleRequest(exchange: Exchange): SampleRequest {
  const body = truncate(exchange.request.body)
  return {
    method: exchange.request.method,
    url: maskUrl(exchange.request.url),
    headers: maskHeaders(exchange.request.headers),
    body: body.text,
    bodyTruncated: body.truncated,
  }
}

/** The answer as received, secret headers masked, the body cut to the sample size. */
export function sampleResponse(exchange: Exchange): SampleResponse {
  const response = exchange.response!
  const body = truncate(response.body)
  return {
    status: response.status,
    headers: maskHeaders(response.headers),
    body: body.text,
    bodyTruncated: body.truncated || response.bodyTruncated,
    durationMs: response.durationMs,
  }
}

/** Text cut to `SAMPLE_BODY_BYTES` of UTF-8 (never inside a character). */
export function truncate(text: string, maxBytes = SAMPLE_BODY_BYTES): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= maxBytes) return { text, truncated: false }
  let end = maxBytes
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true }
}
