import { SwitchyardError } from '../../errors/index.ts'
import { isUniqueViolation } from '../dialect.ts'
import { inTransaction, nowIso, type RepositoryContext } from './context.ts'
import { sourceNotFound, type SourceLabel } from './sources.ts'

/** Workspace labels (`key:value`) and their assignment to sources. */
export class LabelRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(workspaceId: string, label: SourceLabel): Promise<SourceLabel> {
    try {
      await this.ctx.db
        .insertInto('labels')
        .values({
          workspace_id: workspaceId,
          key: label.key,
          value: label.value,
          description: label.description ?? null,
          created_at: nowIso(this.ctx),
        })
        .execute()
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new SwitchyardError(
          'SY_RESOURCE_CONFLICT',
          `Label ${label.key}:${label.value} already exists`,
          {
            field: 'label',
          },
        )
      }
      throw e
    }
    return label
  }

  async list(workspaceId: string): Promise<SourceLabel[]> {
    const rows = await this.ctx.db
      .selectFrom('labels')
      .select(['key', 'value', 'description'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('key')
      .orderBy('value')
      .execute()
    return rows.map((r) => ({
      key: r.key,
      value: r.value,
      ...(r.description != null && { description: r.description }),
    }))
  }

  /** Deletes an unused label. A label still on a source can't be deleted (Segment's rule). */
  async delete(workspaceId: string, key: string, value: string): Promise<boolean> {
    const inUse = await this.ctx.db
      .selectFrom('source_labels')
      .select('source_id')
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', key)
      .where('value', '=', value)
      .executeTakeFirst()
    if (inUse) {
      throw new SwitchyardError(
        'SY_RESOURCE_CONFLICT',
        `Label ${key}:${value} is in use and can't be deleted`,
        {
          field: 'label',
        },
      )
    }
    const result = await this.ctx.db
      .deleteFrom('labels')
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', key)
      .where('value', '=', value)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  /**
   * Sets the labels of a source to exactly `labels`: each must exist, one value per key. Runs under
   * a lock on the source row, in the caller's transaction or its own.
   */
  async replaceOnSource(workspaceId: string, sourceId: string, labels: SourceLabel[]): Promise<void> {
    const keys = new Set<string>()
    for (const l of labels) {
      if (keys.has(l.key)) {
        throw new SwitchyardError(
          'SY_RESOURCE_INVALID',
          `A source can carry one value per label key ("${l.key}")`,
          {
            field: 'labels',
          },
        )
      }
      keys.add(l.key)
    }
    await inTransaction(this.ctx, async (tx) => {
      const locked = await tx.db
        .updateTable('sources')
        .set({ updated_at: nowIso(tx) })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', sourceId)
        .executeTakeFirst()
      if (Number(locked.numUpdatedRows) === 0) throw sourceNotFound(sourceId)
      const known = await new LabelRepository(tx).list(workspaceId)
      for (const l of labels) {
        if (!known.some((k) => k.key === l.key && k.value === l.value)) {
          throw new SwitchyardError(
            'SY_RESOURCE_INVALID',
            `Label ${l.key}:${l.value} does not exist; create it first`,
            {
              field: 'labels',
            },
          )
        }
      }
      await tx.db
        .deleteFrom('source_labels')
        .where('workspace_id', '=', workspaceId)
        .where('source_id', '=', sourceId)
        .execute()
      if (labels.length > 0) {
        await tx.db
          .insertInto('source_labels')
          .values(
            labels.map((l) => ({
              source_id: sourceId,
              workspace_id: workspaceId,
              key: l.key,
              value: l.value,
            })),
          )
          .execute()
      }
    })
  }
}
