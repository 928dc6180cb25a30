import { sql } from 'kysely'
import { toIso, toIsoOrNull } from '../schema.ts'
import { countRows, nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'

/** What a batch of archived messages adds to the source schema (see `archive/schema.ts`). */
export interface SchemaDelta {
  events: SchemaEventDelta[]
  fields: SchemaFieldDelta[]
}

export interface SchemaEventDelta {
  workspaceId: string
  sourceId: string
  type: string
  name: string
  total: number
  blocked: number
  firstSeen: string
  lastSeen: string
}

export interface SchemaFieldDelta {
  workspaceId: string
  sourceId: string
  type: string
  /** The event the field belongs to (as in `SchemaEventDelta`). */
  name: string
  path: string
  total: number
  firstSeen: string
  lastSeen: string
}

/**
 * Caps on what the schema lists, Segment's: beyond them data still flows and is archived, but new
 * names are not added to the schema.
 */
export interface SchemaLimits {
  /** Event rows per source (call type and name). */
  eventsPerSource: number
  /** Properties or traits per event row. */
  fieldsPerEvent: number
}

export const SCHEMA_LIMITS: SchemaLimits = Object.freeze({ eventsPerSource: 4000, fieldsPerEvent: 300 })

export interface SchemaEvent {
  type: string
  name: string
  /** Whether new track events of this name are dropped at the source. */
  blocked: boolean
  total: number
  /** Of `total`, how many arrived while blocked. */
  blockedTotal: number
  firstSeen: string | null
  lastSeen: string | null
}

export interface SchemaField {
  path: string
  total: number
  firstSeen: string
  lastSeen: string
}

export interface BlockedEvent {
  sourceId: string
  event: string
}

/** Rows per statement; up to 8 parameters each. */
const CHUNK = 200

export class SourceSchemaRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /**
   * Adds a batch's counts: existing rows grow; new rows are added while their source (or event) is
   * under its limit. Apply each delta once (the archive does so in its position's transaction).
   */
  async apply(delta: SchemaDelta, limits: SchemaLimits = SCHEMA_LIMITS): Promise<void> {
    for (const [sourceId, events] of groupBy(delta.events, (e) => e.sourceId)) {
      const known = await this.knownEvents(sourceId, events)
      const fresh = events.filter((e) => !known.has(key(e.type, e.name)))
      let room = 0
      if (fresh.length > 0) {
        const total = await countRows(
          this.ctx.db.selectFrom('schema_events').where('source_id', '=', sourceId),
        )
        room = Math.max(0, limits.eventsPerSource - total)
      }
      const admitted = new Set([...known, ...fresh.slice(0, room).map((e) => key(e.type, e.name))])
      await this.upsertEvents(events.filter((e) => admitted.has(key(e.type, e.name))))
      const fields = delta.fields.filter((f) => f.sourceId === sourceId && admitted.has(key(f.type, f.name)))
      if (fields.length > 0) await this.applyFields(sourceId, fields, limits)
    }
  }

  /** A source's event rows by call type, then name (an event blocked before it was seen has no counts). */
  async listEvents(
    sourceId: string,
    filter: { type?: string; names?: readonly string[] },
    page: Page,
  ): Promise<PageResult<SchemaEvent>> {
    let query = this.ctx.db
      .selectFrom('schema_events')
      .leftJoin('blocked_events', (j) =>
        j
          .onRef('blocked_events.source_id', '=', 'schema_events.source_id')
          .onRef('blocked_events.event', '=', 'schema_events.name')
          .on('schema_events.type', '=', 'track'),
      )
      .where('schema_events.source_id', '=', sourceId)
    if (filter.type !== undefined) query = query.where('schema_events.type', '=', filter.type)
    if (filter.names !== undefined) {
      if (filter.names.length === 0) return { items: [], total: 0 }
      query = query.where('schema_events.name', 'in', [...filter.names])
    }
    const rows = await query
      .select([
        'schema_events.type',
        'schema_events.name',
        'schema_events.total',
        'schema_events.blocked_total',
        'schema_events.first_seen',
        'schema_events.last_seen',
        'blocked_events.blocked_at',
      ])
      .orderBy('schema_events.type')
      .orderBy('schema_events.name')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return {
      items: rows.map((r) => ({
        type: r.type,
        name: r.name,
        blocked: r.blocked_at !== null,
        total: Number(r.total),
        blockedTotal: Number(r.blocked_total),
        firstSeen: toIsoOrNull(r.first_seen),
        lastSeen: toIsoOrNull(r.last_seen),
      })),
      total: await countRows(query),
    }
  }

  /** The properties or traits seen on one event row, by path. */
  async listFields(
    sourceId: string,
    event: { type: string; name: string },
    page: Page,
  ): Promise<PageResult<SchemaField>> {
    const query = this.ctx.db
      .selectFrom('schema_fields')
      .where('source_id', '=', sourceId)
      .where('type', '=', event.type)
      .where('name', '=', event.name)
    const rows = await query
      .select(['path', 'total', 'first_seen', 'last_seen'])
      .orderBy('path')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return {
      items: rows.map((r) => ({
        path: r.path,
        total: Number(r.total),
        firstSeen: toIso(r.first_seen),
        lastSeen: toIso(r.last_seen),
      })),
      total: await countRows(query),
    }
  }

  /**
   * Blocks or allows track events of a source by name; returns the names whose state changed. A
   * blocked event not seen yet gets a schema row without counts, so that it is listed.
   */
  async setBlocked(
    workspaceId: string,
    sourceId: string,
    events: readonly string[],
    blocked: boolean,
  ): Promise<string[]> {
    if (events.length === 0) return []
    const already = new Set(
      (
        await this.ctx.db
          .selectFrom('blocked_events')
          .select('event')
          .where('source_id', '=', sourceId)
          .where('event', 'in', [...events])
          .execute()
      ).map((r) => r.event),
    )
    const changed = [...new Set(events)].filter((e) => already.has(e) !== blocked)
    if (changed.length === 0) return []
    if (!blocked) {
      await this.ctx.db
        .deleteFrom('blocked_events')
        .where('source_id', '=', sourceId)
        .where('event', 'in', changed)
        .execute()
      return changed
    }
    const at = nowIso(this.ctx)
    await this.ctx.db
      .insertInto('blocked_events')
      .values(
        changed.map((event) => ({ workspace_id: workspaceId, source_id: sourceId, event, blocked_at: at })),
      )
      .execute()
    await this.ctx.db
      .insertInto('schema_events')
      .values(
        changed.map((name) => ({
          workspace_id: workspaceId,
          source_id: sourceId,
          type: 'track',
          name,
          total: 0,
          blocked_total: 0,
          first_seen: null,
          last_seen: null,
        })),
      )
      .onConflict((oc) => oc.columns(['source_id', 'type', 'name']).doNothing())
      .execute()
    return changed
  }

  /** Every blocked track event of every source: what the pipeline drops. */
  async listBlocked(): Promise<BlockedEvent[]> {
    const rows = await this.ctx.db
      .selectFrom('blocked_events')
      .select(['source_id', 'event'])
      .orderBy('source_id')
      .orderBy('event')
      .execute()
    return rows.map((r) => ({ sourceId: r.source_id, event: r.event }))
  }

  /** Changes whenever an event is blocked or allowed: lets a cache of `listBlocked` check it is current. */
  async blockedChangeStamp(): Promise<string> {
    const row = await this.ctx.db
      .selectFrom('blocked_events')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('blocked_at').as('latest')])
      .executeTakeFirstOrThrow()
    return `${row.count}@${String(row.latest)}`
  }

  private async knownEvents(sourceId: string, events: readonly SchemaEventDelta[]): Promise<Set<string>> {
    const known = new Set<string>()
    for (let i = 0; i < events.length; i += CHUNK) {
      const rows = await this.ctx.db
        .selectFrom('schema_events')
        .select(['type', 'name'])
        .where('source_id', '=', sourceId)
        .where((eb) =>
          eb(
            eb.refTuple('type', 'name'),
            'in',
            events.slice(i, i + CHUNK).map((e) => eb.tuple(e.type, e.name)),
          ),
        )
        .execute()
      for (const r of rows) known.add(key(r.type, r.name))
    }
    return known
  }

  private async upsertEvents(events: readonly SchemaEventDelta[]): Promise<void> {
    for (let i = 0; i < events.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('schema_events')
        .values(
          events.slice(i, i + CHUNK).map((e) => ({
            workspace_id: e.workspaceId,
            source_id: e.sourceId,
            type: e.type,
            name: e.name,
            total: e.total,
            blocked_total: e.blocked,
            first_seen: e.firstSeen,
            last_seen: e.lastSeen,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['source_id', 'type', 'name']).doUpdateSet({
            total: sql`schema_events.total + excluded.total`,
            blocked_total: sql`schema_events.blocked_total + excluded.blocked_total`,
            first_seen: sql`coalesce(schema_events.first_seen, excluded.first_seen)`,
            last_seen: sql`excluded.last_seen`,
          }),
        )
        .execute()
    }
  }

  private async applyFields(
    sourceId: string,
    fields: readonly SchemaFieldDelta[],
    limits: SchemaLimits,
  ): Promise<void> {
    const known = new Set<string>()
    for (let i = 0; i < fields.length; i += CHUNK) {
      const rows = await this.ctx.db
        .selectFrom('schema_fields')
        .select(['type', 'name', 'path'])
        .where('source_id', '=', sourceId)
        .where((eb) =>
          eb(
            eb.refTuple('type', 'name', 'path'),
            'in',
            fields.slice(i, i + CHUNK).map((f) => eb.tuple(f.type, f.name, f.path)),
          ),
        )
        .execute()
      for (const r of rows) known.add(key(r.type, r.name, r.path))
    }
    const fresh = groupBy(
      fields.filter((f) => !known.has(key(f.type, f.name, f.path))),
      (f) => key(f.type, f.name),
    )
    const used = new Map<string, number>()
    const groups = [...fresh.values()].map((list) => list[0]!)
    for (let i = 0; i < groups.length; i += CHUNK) {
      const counts = await this.ctx.db
        .selectFrom('schema_fields')
        .select((eb) => ['type', 'name', eb.fn.countAll<number | string>().as('n')])
        .where('source_id', '=', sourceId)
        .where((eb) =>
          eb(
            eb.refTuple('type', 'name'),
            'in',
            groups.slice(i, i + CHUNK).map((g) => eb.tuple(g.type, g.name)),
          ),
        )
        .groupBy(['type', 'name'])
        .execute()
      for (const c of counts) used.set(key(c.type, c.name), Number(c.n))
    }
    const admitted: SchemaFieldDelta[] = fields.filter((f) => known.has(key(f.type, f.name, f.path)))
    for (const [event, list] of fresh) {
      const free = Math.max(0, limits.fieldsPerEvent - (used.get(event) ?? 0))
      admitted.push(...list.slice(0, free))
    }
    for (let i = 0; i < admitted.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('schema_fields')
        .values(
          admitted.slice(i, i + CHUNK).map((f) => ({
            workspace_id: f.workspaceId,
            source_id: f.sourceId,
            type: f.type,
            name: f.name,
            path: f.path,
            total: f.total,
            first_seen: f.firstSeen,
            last_seen: f.lastSeen,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['source_id', 'type', 'name', 'path']).doUpdateSet({
            total: sql`schema_fields.total + excluded.total`,
            last_seen: sql`excluded.last_seen`,
          }),
        )
        .execute()
    }
  }
}

const key = (...parts: string[]): string => JSON.stringify(parts)

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = keyOf(item)
    const list = groups.get(k)
    if (list) list.push(item)
    else groups.set(k, [item])
  }
  return groups
}
