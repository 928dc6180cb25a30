import { newId } from '../ids.ts'
import { fromBool, toBool, toIso, type DestinationFiltersTable, type NewRow, type Row } from '../schema.ts'
import { nowIso, type RepositoryContext } from './context.ts'
import { touchDestination } from './destination-subscriptions.ts'

/** A destination filter: an FQL condition (`if`) and what to do with the messages it matches. */
export interface DestinationFilter {
  id: string
  workspaceId: string
  destinationId: string
  sourceId: string
  title: string
  description: string | null
  /** The FQL condition (Segment's `if`). */
  condition: string
  /** Segment's filter actions (`DROP`, `DROP_PROPERTIES`, `ALLOW_PROPERTIES`, `SAMPLE`), as given. */
  actions: unknown[]
  enabled: boolean
  createdAt: string
  updatedAt: string
}

export type NewDestinationFilter = Omit<DestinationFilter, 'id' | 'createdAt' | 'updatedAt'>
export type DestinationFilterPatch = Partial<
  Pick<DestinationFilter, 'title' | 'description' | 'condition' | 'actions' | 'enabled'>
>

/** Destination filters, listed per destination in creation order; changes bump the destination. */
export class DestinationFilterRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewDestinationFilter): Promise<DestinationFilter> {
    const at = nowIso(this.ctx)
    const row: NewRow<DestinationFiltersTable> = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      destination_id: input.destinationId,
      source_id: input.sourceId,
      title: input.title,
      description: input.description,
      condition: input.condition,
      actions: JSON.stringify(input.actions),
      enabled: fromBool(input.enabled),
      created_at: at,
      updated_at: at,
    }
    await this.ctx.db.insertInto('destination_filters').values(row).execute()
    await touchDestination(this.ctx, input.workspaceId, input.destinationId, at)
    return this.fromRow(row as Row<DestinationFiltersTable>)
  }

  async get(workspaceId: string, destinationId: string, id: string): Promise<DestinationFilter | undefined> {
    const row = await this.ctx.db
      .selectFrom('destination_filters')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && this.fromRow(row)
  }

  async list(workspaceId: string, destinationId: string): Promise<DestinationFilter[]> {
    const rows = await this.ctx.db
      .selectFrom('destination_filters')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map((r) => this.fromRow(r))
  }

  async update(
    workspaceId: string,
    destinationId: string,
    id: string,
    patch: DestinationFilterPatch,
  ): Promise<DestinationFilter | undefined> {
    const at = nowIso(this.ctx)
    const result = await this.ctx.db
      .updateTable('destination_filters')
      .set({
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.condition !== undefined && { condition: patch.condition }),
        ...(patch.actions !== undefined && { actions: JSON.stringify(patch.actions) }),
        ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
        updated_at: at,
      })
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) return undefined
    await touchDestination(this.ctx, workspaceId, destinationId, at)
    return this.get(workspaceId, destinationId, id)
  }

  async delete(workspaceId: string, destinationId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('destination_filters')
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) return false
    await touchDestination(this.ctx, workspaceId, destinationId, nowIso(this.ctx))
    return true
  }

  private fromRow(r: Row<DestinationFiltersTable>): DestinationFilter {
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      destinationId: r.destination_id,
      sourceId: r.source_id,
      title: r.title,
      description: r.description ?? null,
      condition: r.condition,
      actions: JSON.parse(r.actions) as unknown[],
      enabled: toBool(r.enabled),
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    }
  }
}
