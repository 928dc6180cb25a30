import { newId } from '../ids.ts'
import {
  fromBool,
  toBool,
  toIso,
  type DestinationSubscriptionsTable,
  type NewRow,
  type Row,
} from '../schema.ts'
import { nowIso, type RepositoryContext } from './context.ts'

/** A mapping of an Actions destination (Segment's "subscription"). */
export interface DestinationSubscription {
  id: string
  workspaceId: string
  destinationId: string
  name: string
  actionSlug: string
  trigger: string
  mapping: Record<string, unknown>
  enabled: boolean
  modelId: string | null
  createdAt: string
  updatedAt: string
}

export type NewDestinationSubscription = Omit<DestinationSubscription, 'id' | 'createdAt' | 'updatedAt'>
export type DestinationSubscriptionPatch = Partial<
  Pick<DestinationSubscription, 'name' | 'trigger' | 'mapping' | 'enabled' | 'modelId'>
>

/**
 * Mappings, listed per destination in creation order. Every change also bumps the destination's
 * `updated_at`: the delivery runtime restarts that destination's worker with the new mappings.
 */
export class DestinationSubscriptionRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewDestinationSubscription): Promise<DestinationSubscription> {
    const at = nowIso(this.ctx)
    const row: NewRow<DestinationSubscriptionsTable> = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      destination_id: input.destinationId,
      name: input.name,
      action_slug: input.actionSlug,
      trigger: input.trigger,
      mapping: JSON.stringify(input.mapping),
      enabled: fromBool(input.enabled),
      model_id: input.modelId,
      created_at: at,
      updated_at: at,
    }
    await this.ctx.db.insertInto('destination_subscriptions').values(row).execute()
    await touchDestination(this.ctx, input.workspaceId, input.destinationId, at)
    return this.fromRow(row as Row<DestinationSubscriptionsTable>)
  }

  async get(
    workspaceId: string,
    destinationId: string,
    id: string,
  ): Promise<DestinationSubscription | undefined> {
    const row = await this.ctx.db
      .selectFrom('destination_subscriptions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && this.fromRow(row)
  }

  async list(workspaceId: string, destinationId: string): Promise<DestinationSubscription[]> {
    const rows = await this.ctx.db
      .selectFrom('destination_subscriptions')
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
    patch: DestinationSubscriptionPatch,
  ): Promise<DestinationSubscription | undefined> {
    const at = nowIso(this.ctx)
    const result = await this.ctx.db
      .updateTable('destination_subscriptions')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.trigger !== undefined && { trigger: patch.trigger }),
        ...(patch.mapping !== undefined && { mapping: JSON.stringify(patch.mapping) }),
        ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
        ...(patch.modelId !== undefined && { model_id: patch.modelId }),
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
      .deleteFrom('destination_subscriptions')
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) return false
    await touchDestination(this.ctx, workspaceId, destinationId, nowIso(this.ctx))
    return true
  }

  private fromRow(r: Row<DestinationSubscriptionsTable>): DestinationSubscription {
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      destinationId: r.destination_id,
      name: r.name,
      actionSlug: r.action_slug,
      trigger: r.trigger,
      mapping: JSON.parse(r.mapping) as Record<string, unknown>,
      enabled: toBool(r.enabled),
      modelId: r.model_id ?? null,
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    }
  }
}

/** Marks a destination changed, so caches of the enabled destinations (routing, workers) reload it. */
export async function touchDestination(
  ctx: RepositoryContext,
  workspaceId: string,
  destinationId: string,
  at: string,
): Promise<void> {
  await ctx.db
    .updateTable('destinations')
    .set({ updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', destinationId)
    .execute()
}
