import { sql } from 'kysely'
import { newId } from '../ids.ts'
import { fromBool, toBool } from '../schema.ts'
import type { RepositoryContext } from './context.ts'

/** What one flush adds to a count row of Delivery Overview. */
export interface DeliveryCountDelta {
  workspaceId: string
  sourceId: string
  /** '' for a source's own counts (outcome `received`). */
  destinationId: string
  /** Minutes since the Unix epoch. */
  minute: number
  outcome: string
  reason: string
  eventType: string
  eventName: string
  appVersion: string
  /** For `delivered`: the attempt that succeeded (1–10); 0 otherwise. */
  attempt: number
  count: number
}

export interface LatencyDelta {
  workspaceId: string
  sourceId: string
  destinationId: string
  minute: number
  /** Histogram bucket index. */
  bound: number
  count: number
}

export interface SampleRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  bodyTruncated: boolean
}

export interface SampleResponse {
  status: number
  headers: Record<string, string>
  body: string
  bodyTruncated: boolean
  durationMs: number
}

export interface NewDeliverySample {
  workspaceId: string
  sourceId: string
  destinationId: string
  outcome: string
  reason: string
  /** Epoch milliseconds. */
  at: number
  messageId: string
  eventType: string
  eventName: string
  detail: string
  payload: string
  payloadTruncated: boolean
  request?: SampleRequest
  response?: SampleResponse
}

export interface DeliverySample extends NewDeliverySample {
  id: string
}

/** Dimensions a count query may group by, beside time, outcome, reason and attempt. */
export type CountDimension = 'eventType' | 'eventName' | 'appVersion'

export interface CountQuery {
  workspaceId: string
  sourceId: string
  /** '' for the source's own counts. */
  destinationId: string
  outcomes: readonly string[]
  /** Minutes since the epoch, inclusive. */
  fromMinute: number
  /** Exclusive. */
  toMinute: number
  /** Rows are summed per bucket of this many minutes (1, 60, 1440), aligned to the epoch. */
  bucketMinutes: number
  groupBy?: readonly CountDimension[]
  filter?: Partial<Record<CountDimension, readonly string[]>>
}

export interface CountRow {
  /** First minute of the bucket. */
  bucket: number
  outcome: string
  reason: string
  attempt: number
  eventType?: string
  eventName?: string
  appVersion?: string
  count: number
}

const COLUMNS = { eventType: 'event_type', eventName: 'event_name', appVersion: 'app_version' } as const

/** Samples kept per (destination, outcome, reason). */
export const SAMPLES_PER_REASON = 10

const CHUNK = 500

/** Delivery Overview's store: counts, latency histograms and sample payloads. */
export class DeliveryRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Adds counts; rows with the same key add up (several processes may flush the same minute). */
  async addCounts(deltas: readonly DeliveryCountDelta[]): Promise<void> {
    for (let i = 0; i < deltas.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('delivery_counts')
        .values(
          deltas.slice(i, i + CHUNK).map((d) => ({
            workspace_id: d.workspaceId,
            source_id: d.sourceId,
            destination_id: d.destinationId,
            minute: d.minute,
            outcome: d.outcome,
            reason: d.reason,
            event_type: d.eventType,
            event_name: d.eventName,
            app_version: d.appVersion,
            attempt: d.attempt,
            count: d.count,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns([
              'source_id',
              'destination_id',
              'minute',
              'outcome',
              'reason',
              'event_type',
              'event_name',
              'app_version',
              'attempt',
            ])
            .doUpdateSet({ count: sql`delivery_counts.count + excluded.count` }),
        )
        .execute()
    }
  }

  async addLatency(deltas: readonly LatencyDelta[]): Promise<void> {
    for (let i = 0; i < deltas.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('delivery_latency')
        .values(
          deltas.slice(i, i + CHUNK).map((d) => ({
            workspace_id: d.workspaceId,
            source_id: d.sourceId,
            destination_id: d.destinationId,
            minute: d.minute,
            bound: d.bound,
            count: d.count,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['source_id', 'destination_id', 'minute', 'bound'])
            .doUpdateSet({ count: sql`delivery_latency.count + excluded.count` }),
        )
        .execute()
    }
  }

  /** Adds samples, then keeps only the newest `SAMPLES_PER_REASON` of each (destination, outcome, reason). */
  async addSamples(samples: readonly NewDeliverySample[]): Promise<void> {
    if (samples.length === 0) return
    for (let i = 0; i < samples.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('delivery_samples')
        .values(
          samples.slice(i, i + CHUNK).map((s) => ({
            id: newId(s.at),
            workspace_id: s.workspaceId,
            source_id: s.sourceId,
            destination_id: s.destinationId,
            outcome: s.outcome,
            reason: s.reason,
            at: s.at,
            message_id: s.messageId,
            event_type: s.eventType,
            event_name: s.eventName,
            detail: s.detail,
            payload: s.payload,
            payload_truncated: fromBool(s.payloadTruncated),
            request_json: s.request ? JSON.stringify(s.request) : null,
            response_json: s.response ? JSON.stringify(s.response) : null,
          })),
        )
        .execute()
    }
    const keys = new Map(samples.map((s) => [`${s.destinationId}\0${s.outcome}\0${s.reason}`, s]))
    for (const s of keys.values()) {
      const newest = this.ctx.db
        .selectFrom('delivery_samples')
        .select('id')
        .where('destination_id', '=', s.destinationId)
        .where('outcome', '=', s.outcome)
        .where('reason', '=', s.reason)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(SAMPLES_PER_REASON)
      await this.ctx.db
        .deleteFrom('delivery_samples')
        .where('destination_id', '=', s.destinationId)
        .where('outcome', '=', s.outcome)
        .where('reason', '=', s.reason)
        .where('id', 'not in', newest)
        .execute()
    }
  }

  /** Count rows summed per time bucket and the asked dimensions. */
  async counts(query: CountQuery): Promise<CountRow[]> {
    if (query.outcomes.length === 0) return []
    const size = Math.max(1, Math.floor(query.bucketMinutes))
    const dimensions = [...new Set(query.groupBy ?? [])]
    const bucket = sql<number | string>`(minute - (minute % ${sql.lit(size)}))`
    let q = this.ctx.db
      .selectFrom('delivery_counts')
      .where('workspace_id', '=', query.workspaceId)
      .where('source_id', '=', query.sourceId)
      .where('destination_id', '=', query.destinationId)
      .where('minute', '>=', query.fromMinute)
      .where('minute', '<', query.toMinute)
      .where('outcome', 'in', [...query.outcomes])
    for (const [dimension, values] of Object.entries(query.filter ?? {}) as [CountDimension, string[]][]) {
      if (values.length > 0) q = q.where(COLUMNS[dimension], 'in', values)
    }
    const grouped = ['outcome', 'reason', 'attempt', ...dimensions.map((d) => COLUMNS[d])] as const
    const rows = await q
      .select((eb) => [bucket.as('bucket'), ...grouped, eb.fn.sum<number | string>('count').as('total')])
      .groupBy([sql`bucket`, ...grouped])
      .execute()
    return rows.map((r) => {
      const row = r as unknown as Record<string, unknown>
      return {
        bucket: Number(row.bucket),
        outcome: String(row.outcome),
        reason: String(row.reason),
        attempt: Number(row.attempt),
        ...Object.fromEntries(dimensions.map((d) => [d, String(row[COLUMNS[d]])])),
        count: Number(row.total),
      }
    })
  }

  /** Latency histogram counts per bucket index over `[fromMinute, toMinute)`. */
  async latency(query: {
    workspaceId: string
    sourceId: string
    destinationId: string
    fromMinute: number
    toMinute: number
  }): Promise<Map<number, number>> {
    const rows = await this.ctx.db
      .selectFrom('delivery_latency')
      .select((eb) => ['bound', eb.fn.sum<number | string>('count').as('total')])
      .where('workspace_id', '=', query.workspaceId)
      .where('source_id', '=', query.sourceId)
      .where('destination_id', '=', query.destinationId)
      .where('minute', '>=', query.fromMinute)
      .where('minute', '<', query.toMinute)
      .groupBy('bound')
      .execute()
    return new Map(rows.map((r) => [Number(r.bound), Number(r.total)]))
  }

  /** The newest samples of a destination, optionally of one outcome and reason; newest first. */
  async samples(query: {
    workspaceId: string
    destinationId: string
    outcome?: string
    reason?: string
    limit: number
  }): Promise<DeliverySample[]> {
    let q = this.ctx.db
      .selectFrom('delivery_samples')
      .selectAll()
      .where('workspace_id', '=', query.workspaceId)
      .where('destination_id', '=', query.destinationId)
    if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome)
    if (query.reason !== undefined) q = q.where('reason', '=', query.reason)
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      sourceId: r.source_id,
      destinationId: r.destination_id,
      outcome: r.outcome,
      reason: r.reason,
      at: Number(r.at),
      messageId: r.message_id,
      eventType: r.event_type,
      eventName: r.event_name,
      detail: r.detail,
      payload: r.payload,
      payloadTruncated: toBool(r.payload_truncated),
      ...(r.request_json !== null && { request: JSON.parse(r.request_json) as SampleRequest }),
      ...(r.response_json !== null && { response: JSON.parse(r.response_json) as SampleResponse }),
    }))
  }

  /** Deletes counts and latency before `beforeMinute` and samples before `samplesBefore` (epoch ms). */
  async prune(beforeMinute: number, samplesBefore: number): Promise<number> {
    const counts = await this.ctx.db
      .deleteFrom('delivery_counts')
      .where('minute', '<', beforeMinute)
      .executeTakeFirst()
    const latency = await this.ctx.db
      .deleteFrom('delivery_latency')
      .where('minute', '<', beforeMinute)
      .executeTakeFirst()
    const samples = await this.ctx.db
      .deleteFrom('delivery_samples')
      .where('at', '<', samplesBefore)
      .executeTakeFirst()
    return Number(counts.numDeletedRows) + Number(latency.numDeletedRows) + Number(samples.numDeletedRows)
  }
}
