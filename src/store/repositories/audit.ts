import { newId } from '../ids.ts'
import { toIso, type AuditEventsTable, type Row, type NewRow } from '../schema.ts'
import { countRows, nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'
import { ConsumerPositionRepository } from './positions.ts'

export type ActorType = 'user' | 'token' | 'system'

export interface Actor {
  type: ActorType
  id: string
  /** Email for users, description for tokens, "Switchyard" for the system. */
  name: string
}

export interface AuditResource {
  type: string
  id: string
  name: string
}

export interface AuditEvent {
  id: string
  workspaceId: string
  timestamp: string
  /** Segment's event name, such as "Source Created". */
  type: string
  actor: Actor
  resource: AuditResource
  before: unknown
  after: unknown
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'timestamp'>

export interface AuditFilter {
  startTime?: string
  endTime?: string
  resourceType?: string
  resourceId?: string
  actorId?: string
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ type: 'system', id: 'switchyard', name: 'Switchyard' })

/** The audit trail: append-only, one row per change, written in the same transaction as the change. */
export class AuditRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async record(event: NewAuditEvent): Promise<AuditEvent> {
    const row: Required<NewRow<AuditEventsTable>> = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: event.workspaceId,
      created_at: nowIso(this.ctx),
      type: event.type,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      actor_name: event.actor.name,
      resource_type: event.resource.type,
      resource_id: event.resource.id,
      resource_name: event.resource.name,
      before_json: event.before === undefined ? null : JSON.stringify(event.before),
      after_json: event.after === undefined ? null : JSON.stringify(event.after),
    }
    await this.ctx.db.insertInto('audit_events').values(row).execute()
    return toEvent(row)
  }

  /** Newest first. */
  async list(workspaceId: string, page: Page, filter: AuditFilter = {}): Promise<PageResult<AuditEvent>> {
    let query = this.ctx.db.selectFrom('audit_events').where('workspace_id', '=', workspaceId)
    if (filter.startTime) query = query.where('created_at', '>=', filter.startTime)
    if (filter.endTime) query = query.where('created_at', '<', filter.endTime)
    if (filter.resourceType) query = query.where('resource_type', '=', filter.resourceType)
    if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId)
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId)
    const rows = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: rows.map(toEvent), total: await countRows(query) }
  }

  /**
   * Oldest first: the workspace's events from `from` (inclusive) to `to` (exclusive), at most
   * `limit` (all when undefined). What audit forwarding reads.
   */
  async listRange(workspaceId: string, from: string, to: string, limit?: number): Promise<AuditEvent[]> {
    let query = this.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .orderBy('created_at')
      .orderBy('id')
    if (limit !== undefined) query = query.limit(limit)
    return (await query.execute()).map(toEvent)
  }

  /** Where a reader of the trail (audit forwarding) has got to (see `ConsumerPositionRepository`). */
  position(consumer: string): Promise<number> {
    return new ConsumerPositionRepository(this.ctx).get(consumer)
  }

  /** Compare-and-set of a reader's position (see `ConsumerPositionRepository.advance`). */
  advancePosition(consumer: string, from: number, to: number): Promise<boolean> {
    return new ConsumerPositionRepository(this.ctx).advance(consumer, from, to)
  }

  /** Deletes events older than `before` (retention). Returns how many went. */
  async prune(before: string): Promise<number> {
    const result = await this.ctx.db
      .deleteFrom('audit_events')
      .where('created_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

const toEvent = (r: Row<AuditEventsTable>): AuditEvent => ({
  id: r.id,
  workspaceId: r.workspace_id,
  timestamp: toIso(r.created_at),
  type: r.type,
  actor: { type: r.actor_type as ActorType, id: r.actor_id, name: r.actor_name },
  resource: { type: r.resource_type, id: r.resource_id, name: r.resource_name },
  before: r.before_json === null ? null : (JSON.parse(r.before_json) as unknown),
  after: r.after_json === null ? null : (JSON.parse(r.after_json) as unknown),
})
