import { sql, type Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Warehouse syncs (warehouse spec §3–5):
 * - `warehouse_syncs`: one row per sync run, from its request (`pending`) through `running` to its
 *   end. At most one pending-or-running sync per warehouse (a partial unique index), so a second
 *   request joins the first. A running sync holds a lease it renews; a sync whose lease ran out was
 *   interrupted (its process died) and is ended as such.
 * - `warehouse_sync_reports`: one row per (sync, source), Segment's `SyncV1`: status, rows, rows per
 *   table, notices, preparation and loading time. Written as the sync goes, so an interrupted sync
 *   keeps what it did.
 * - `warehouse_sync_chunks`: the stretch of a warehouse's staging topic a sync is loading, written
 *   before the load and cleared after the stream position is committed, so that a sync that dies half
 *   way is redone with exactly the same records (what makes a Parquet export free of duplicates).
 * - `warehouse_selective_sync`: Selective Sync's overrides per (source, collection, property).
 * - `warehouse_schema_columns`: the sync's own record of each source schema's tables and columns, as
 *   Segment's connector keeps one: listing collections and properties never opens the warehouse.
 * - `warehouses.advanced_schedule`: Segment's advanced sync schedule (hours of the day, time zone).
 */
export function warehouseSyncs(caps: StoreCapabilities) {
  const ts = caps.timestampType
  const bool = caps.booleanType
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('warehouses').addColumn('advanced_schedule', 'text').execute()

      await db.schema
        .createTable('warehouse_syncs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('cascade'))
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('started_at', ts)
        .addColumn('finished_at', ts)
        .addColumn('records_total', 'bigint', (c) => c.notNull())
        .addColumn('records_done', 'bigint', (c) => c.notNull())
        .addColumn('rows_loaded', 'bigint', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', ts)
        .execute()
      await db.schema
        .createIndex('warehouse_syncs_warehouse')
        .on('warehouse_syncs')
        .columns(['warehouse_id', 'created_at'])
        .execute()
      // At most one sync waiting or running per warehouse (both engines support partial indexes).
      await sql`create unique index warehouse_syncs_active on warehouse_syncs (warehouse_id) where status in ('pending', 'running')`.execute(
        db,
      )

      await db.schema
        .createTable('warehouse_sync_reports')
        .addColumn('sync_id', 'text', (c) => c.notNull().references('warehouse_syncs.id').onDelete('cascade'))
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('warehouse_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', ts, (c) => c.notNull())
        .addColumn('finished_at', ts)
        .addColumn('rows', 'bigint', (c) => c.notNull())
        .addColumn('tables', 'text', (c) => c.notNull())
        .addColumn('notices', 'text', (c) => c.notNull())
        .addColumn('preparation_ms', 'bigint', (c) => c.notNull())
        .addColumn('loading_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('warehouse_sync_reports_pk', ['sync_id', 'source_id'])
        .execute()
      await db.schema
        .createIndex('warehouse_sync_reports_source')
        .on('warehouse_sync_reports')
        .columns(['warehouse_id', 'source_id', 'started_at'])
        .execute()

      await db.schema
        .createTable('warehouse_sync_chunks')
        .addColumn('warehouse_id', 'text', (c) =>
          c.primaryKey().references('warehouses.id').onDelete('cascade'),
        )
        .addColumn('after_offset', 'bigint', (c) => c.notNull())
        .addColumn('through_offset', 'bigint', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('warehouse_selective_sync')
        .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('cascade'))
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        // '' for the whole source (collection) or the whole collection (property).
        .addColumn('collection', 'text', (c) => c.notNull())
        .addColumn('property', 'text', (c) => c.notNull())
        .addColumn('enabled', bool, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('warehouse_selective_sync_pk', [
          'warehouse_id',
          'source_id',
          'collection',
          'property',
        ])
        .execute()

      await db.schema
        .createTable('warehouse_schema_columns')
        .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('cascade'))
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('table_name', 'text', (c) => c.notNull())
        .addColumn('column_name', 'text', (c) => c.notNull())
        .addColumn('column_type', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('warehouse_schema_columns_pk', [
          'warehouse_id',
          'source_id',
          'table_name',
          'column_name',
        ])
        .execute()
    },
  }
}
