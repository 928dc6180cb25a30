import { fromBool, toBool } from '../schema.ts'
import { inTransaction, nowIso, type RepositoryContext } from './context.ts'

/** A source schema as the sync last left it: table → column → column type. */
export type RecordedSchema = Record<string, Record<string, string>>

/**
 * A Selective Sync override (Segment's `WarehouseSyncOverrideV1`): without a collection it turns the
 * whole source on or off for the warehouse; with a collection, that table; with a property too, that
 * column.
 */
export interface SelectiveSyncOverride {
  sourceId: string
  collection?: string
  property?: string
  enabled: boolean
}

/**
 * Per warehouse and source: the tables and columns the sync created (the connector's own record, so
 * listings never open the warehouse) and the Selective Sync overrides.
 */
export class WarehouseSchemaRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** The recorded schema of one source in the warehouse (empty before its first sync). */
  async recorded(warehouseId: string, sourceId: string): Promise<RecordedSchema> {
    const rows = await this.ctx.db
      .selectFrom('warehouse_schema_columns')
      .select(['table_name', 'column_name', 'column_type'])
      .where('warehouse_id', '=', warehouseId)
      .where('source_id', '=', sourceId)
      .orderBy('table_name')
      .orderBy('column_name')
      .execute()
    const schema: RecordedSchema = {}
    for (const r of rows) (schema[r.table_name] ??= {})[r.column_name] = r.column_type
    return schema
  }

  /** Replaces the recorded schema of one source with what the sync found and made. */
  async record(warehouseId: string, sourceId: string, schema: RecordedSchema): Promise<void> {
    await inTransaction(this.ctx, async (tx) => {
      await tx.db
        .deleteFrom('warehouse_schema_columns')
        .where('warehouse_id', '=', warehouseId)
        .where('source_id', '=', sourceId)
        .execute()
      const rows = Object.entries(schema).flatMap(([table, columns]) =>
        Object.entries(columns).map(([column, type]) => ({
          warehouse_id: warehouseId,
          source_id: sourceId,
          table_name: table,
          column_name: column,
          column_type: type,
        })),
      )
      // Bounded statements: SQLite allows 32,766 parameters per statement.
      for (let i = 0; i < rows.length; i += 1000) {
        await tx.db
          .insertInto('warehouse_schema_columns')
          .values(rows.slice(i, i + 1000))
          .execute()
      }
    })
  }

  /** The warehouse's overrides, of one source when given, in a stable order. */
  async overrides(warehouseId: string, sourceId?: string): Promise<SelectiveSyncOverride[]> {
    let query = this.ctx.db
      .selectFrom('warehouse_selective_sync')
      .select(['source_id', 'collection', 'property', 'enabled'])
      .where('warehouse_id', '=', warehouseId)
    if (sourceId !== undefined) query = query.where('source_id', '=', sourceId)
    const rows = await query.orderBy('source_id').orderBy('collection').orderBy('property').execute()
    return rows.map((r) => ({
      sourceId: r.source_id,
      ...(r.collection !== '' && { collection: r.collection }),
      ...(r.property !== '' && { property: r.property }),
      enabled: toBool(r.enabled),
    }))
  }

  /** Sets overrides (insert or replace each), all or none. */
  async setOverrides(
    workspaceId: string,
    warehouseId: string,
    overrides: readonly SelectiveSyncOverride[],
  ): Promise<void> {
    const at = nowIso(this.ctx)
    await inTransaction(this.ctx, async (tx) => {
      for (const o of overrides) {
        await tx.db
          .insertInto('warehouse_selective_sync')
          .values({
            warehouse_id: warehouseId,
            workspace_id: workspaceId,
            source_id: o.sourceId,
            collection: o.collection ?? '',
            property: o.property ?? '',
            enabled: fromBool(o.enabled),
            updated_at: at,
          })
          .onConflict((oc) =>
            oc
              .columns(['warehouse_id', 'source_id', 'collection', 'property'])
              .doUpdateSet({ enabled: fromBool(o.enabled), updated_at: at }),
          )
          .execute()
      }
    })
  }
}
