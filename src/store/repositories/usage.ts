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
}

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
    const firsts = await sql<{ scope: string; kind: string; day: string; n: number | string }>`
      select scope, kind, first_day as day, count(*) as n from (
        select ${scope} as scope, kind, identity, min(first_day) as first_day
        from usage_identities where workspace_id = ${workspaceId} and month = ${month}
        group by ${scope}, kind, identity
      ) identities group by scope, kind, first_day`.execute(this.ctx.db)
    const identified = await sql<{ scope: string; day: string; n: number | string }>`
      select scope, identified_day as day, count(*) as n from (
        select ${scope} as scope, identity, min(identified_day) as identified_day
        from usage_identities
        where workspace_id = ${workspaceId} and month = ${month} and kind = 'anonymous' and identified_day is not null
        group by ${scope}, identity
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
