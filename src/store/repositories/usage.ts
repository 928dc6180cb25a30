import { sql } from 'kysely'
import type { RepositoryContext } from './context.ts'
import { ConsumerPositionRepository } from './positions.ts'

/** What one batch of ingested messages adds to the usage counts. */
export interface UsageDelta {
  apiCalls: { workspaceId: string; sourceId: string; day: string; calls: number }[]
  identities: {
    workspaceId: string
    sourceId: string
    month: string
    kind: 'user' | 'anonymous'
    identity: string
    day: string
    /** For an anonymousId: whether it came with a userId in this batch. */
    identified: boolean
  }[]
  /** Messages per source, UTC minute (`YYYY-MM-DDTHH:MM`), type, event name and app version. */
  events?: EventVolumeDelta[]
}

export interface EventVolumeDelta {
  workspaceId: string
  sourceId: string
  minute: string
  eventType: string
  eventName: string
  appVersion: string
  count: number
}

export type EventVolumeGranularity = 'DAY' | 'HOUR' | 'MINUTE'
export type EventVolumeDimension = 'source' | 'eventName' | 'eventType'

export interface EventVolumeQuery {
  granularity: EventVolumeGranularity
  /** UTC minutes, `YYYY-MM-DDTHH:MM`: from inclusive, to exclusive. */
  fromMinute: string
  toMinute: string
  groupBy: readonly EventVolumeDimension[]
  sourceIds?: readonly string[]
  eventNames?: readonly string[]
  eventTypes?: readonly string[]
  appVersions?: readonly string[]
}

/** One bucket of one group: `bucket` is the minute, hour (`YYYY-MM-DDTHH`) or day it starts. */
export interface EventVolumeRow {
  bucket: string
  sourceId?: string
  eventName?: string
  eventType?: string
  count: number
}

const BUCKET_LENGTH: Record<EventVolumeGranularity, number> = { DAY: 10, HOUR: 13, MINUTE: 16 }
const DIMENSION_COLUMN = {
  source: 'source_id',
  eventName: 'event_name',
  eventType: 'event_type',
} as const

export interface DailyApiCalls {
  sourceId?: string
  day: string
  calls: number
}

/** Cumulative from the first of the month to `day`. MTU = identified + neverIdentified. */
export interface DailyUsers {
  sourceId?: string
  day: string
  anonymous: number
  anonymousIdentified: number
  identified: number
  neverIdentified: number
}

const CHUNK = 500

export class UsageRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Adds a delta. Identities are idempotent; API calls add up, so apply each delta once (see `position`). */
  async apply(delta: UsageDelta): Promise<void> {
    for (let i = 0; i < delta.apiCalls.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('usage_api_calls')
        .values(
          delta.apiCalls.slice(i, i + CHUNK).map((c) => ({
            workspace_id: c.workspaceId,
            source_id: c.sourceId,
            day: c.day,
            calls: c.calls,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['source_id', 'day'])
            .doUpdateSet({ calls: sql`usage_api_calls.calls + excluded.calls` }),
        )
        .execute()
    }
    for (let i = 0; i < delta.identities.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('usage_identities')
        .values(
          delta.identities.slice(i, i + CHUNK).map((u) => ({
            workspace_id: u.workspaceId,
            source_id: u.sourceId,
            month: u.month,
            kind: u.kind,
            identity: u.identity,
            first_day: u.day,
            identified_day: u.identified ? u.day : null,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['source_id', 'month', 'kind', 'identity']).doUpdateSet({
            identified_day: sql`coalesce(usage_identities.identified_day, excluded.identified_day)`,
          }),
        )
        .execute()
    }
    const events = delta.events ?? []
    for (let i = 0; i < events.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('usage_event_volume')
        .values(
          events.slice(i, i + CHUNK).map((e) => ({
            workspace_id: e.workspaceId,
            source_id: e.sourceId,
            minute: e.minute,
            event_type: e.eventType,
            event_name: e.eventName,
            app_version: e.appVersion,
            count: e.count,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['source_id', 'minute', 'event_type', 'event_name', 'app_version'])
            .doUpdateSet({ count: sql`usage_event_volume.count + excluded.count` }),
        )
        .execute()
    }
  }

  /** Event volume in buckets of the granularity, per group of the `groupBy` dimensions. */
  async eventVolume(workspaceId: string, q: EventVolumeQuery): Promise<EventVolumeRow[]> {
    const bucket = sql<string>`substr(minute, 1, ${sql.lit(BUCKET_LENGTH[q.granularity])})`
    const columns = q.groupBy.map((d) => DIMENSION_COLUMN[d])
    let query = this.ctx.db
      .selectFrom('usage_event_volume')
      .select((eb) => [bucket.as('bucket'), ...columns, eb.fn.sum<number | string>('count').as('count')])
      .where('workspace_id', '=', workspaceId)
      .where('minute', '>=', q.fromMinute)
      .where('minute', '<', q.toMinute)
    if (q.sourceIds?.length) query = query.where('source_id', 'in', q.sourceIds)
    if (q.eventNames?.length) query = query.where('event_name', 'in', q.eventNames)
    if (q.eventTypes?.length) query = query.where('event_type', 'in', q.eventTypes)
    if (q.appVersions?.length) query = query.where('app_version', 'in', q.appVersions)
    const rows = await query
      .groupBy([bucket, ...columns])
      .orderBy(bucket)
      .execute()
    return rows.map((r) => {
      const row = r as Record<string, unknown>
      return {
        bucket: String(row.bucket),
        ...(row.source_id !== undefined && { sourceId: String(row.source_id) }),
        ...(row.event_name !== undefined && { eventName: String(row.event_name) }),
        ...(row.event_type !== undefined && { eventType: String(row.event_type) }),
        count: Number(row.count),
      }
    })
  }

  /** Where a consumer that writes usage has got to in its stream (see `ConsumerPositionRepository`). */
  position(consumer: string): Promise<number> {
    return new ConsumerPositionRepository(this.ctx).get(consumer)
  }

  /** Compare-and-set of a consumer's position (see `ConsumerPositionRepository.advance`). */
  advancePosition(consumer: string, from: number, to: number): Promise<boolean> {
    return new ConsumerPositionRepository(this.ctx).advance(consumer, from, to)
  }

  /** API calls per day of `month` (`YYYY-MM`), for the workspace or per source. */
  async dailyApiCalls(workspaceId: string, month: string, perSource: boolean): Promise<DailyApiCalls[]> {
    const rows = await this.ctx.db
      .selectFrom('usage_api_calls')
      .select((eb) => [
        'day',
        ...(perSource ? (['source_id'] as const) : []),
        eb.fn.sum<number | string>('calls').as('calls'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('day', 'like', `${month}-%`)
      .groupBy(perSource ? ['day', 'source_id'] : ['day'])
      .orderBy('day')
      .execute()
    return rows.map((r) => ({
      ...(perSource && { sourceId: (r as { source_id: string }).source_id }),
      day: r.day,
      calls: Number(r.calls),
    }))
  }

  /**
   * Users per day of `month`, cumulative: for the workspace an identity counts once across all its
   * sources, and an anonymousId is identified once any source saw it with a userId.
   */
  async dailyUsers(workspaceId: string, month: string, perSource: boolean): Promise<DailyUsers[]> {
    const scope = perSource ? sql`source_id` : sql`''`
    // PostgreSQL refuses a constant in GROUP BY: the workspace scope groups by nothing more.
    const scopeGroup = perSource ? sql`source_id, ` : sql``
    const firsts = await sql<{ scope: string; kind: string; day: string; n: number | string }>`
      select scope, kind, first_day as day, count(*) as n from (
        select ${scope} as scope, kind, identity, min(first_day) as first_day
        from usage_identities where workspace_id = ${workspaceId} and month = ${month}
        group by ${scopeGroup}kind, identity
      ) identities group by scope, kind, first_day`.execute(this.ctx.db)
    const identified = await sql<{ scope: string; day: string; n: number | string }>`
      select scope, identified_day as day, count(*) as n from (
        select ${scope} as scope, identity, min(identified_day) as identified_day
        from usage_identities
        where workspace_id = ${workspaceId} and month = ${month} and kind = 'anonymous' and identified_day is not null
        group by ${scopeGroup}identity
      ) identities group by scope, identified_day`.execute(this.ctx.db)

    const days = new Set<string>()
    const key = (scope: string, day: string) => `${scope}|${day}`
    const counts = new Map<string, { user: number; anonymous: number; identified: number }>()
    const at = (scope: string, day: string) => {
      days.add(day)
      const k = key(scope, day)
      let c = counts.get(k)
      if (!c) counts.set(k, (c = { user: 0, anonymous: 0, identified: 0 }))
      return c
    }
    for (const r of firsts.rows) at(r.scope, r.day)[r.kind === 'user' ? 'user' : 'anonymous'] += Number(r.n)
    for (const r of identified.rows) at(r.scope, r.day).identified += Number(r.n)

    const scopes = [...new Set([...counts.keys()].map((k) => k.split('|')[0]!))].sort()
    const out: DailyUsers[] = []
    for (const scope of scopes) {
      const running = { user: 0, anonymous: 0, identified: 0 }
      for (const day of [...days].sort()) {
        const c = counts.get(key(scope, day))
        if (c) {
          running.user += c.user
          running.anonymous += c.anonymous
          running.identified += c.identified
        }
        out.push({
          ...(perSource && { sourceId: scope }),
          day,
          anonymous: running.anonymous,
          anonymousIdentified: running.identified,
          identified: running.user,
          neverIdentified: running.anonymous - running.identified,
        })
      }
    }
    return out
  }
}
