import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Delivery Overview and lineage:
 * - `delivery_counts`: messages per destination (or, with destination '', per source) per minute, by
 *   outcome, reason, event type, event name, app version and (delivered only) attempt; rows add up
 *   across processes with upserts;
 * - `delivery_latency`: a latency histogram per destination and minute, one row per bucket;
 * - `delivery_samples`: the newest sample payloads per (destination, outcome, reason);
 * - `message_lineage`: per message, every stage it passed and what each destination did.
 * Instants are epoch integers here (minutes, milliseconds): these tables are written in bulk and read
 * by range, never shown as rows.
 */
export function delivery(caps: StoreCapabilities) {
  const bool = caps.booleanType
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('delivery_counts')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) => c.notNull())
        .addColumn('minute', 'bigint', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('event_name', 'text', (c) => c.notNull())
        .addColumn('app_version', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('delivery_counts_pk', [
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
        .execute()
      await db.schema.createIndex('delivery_counts_minute').on('delivery_counts').column('minute').execute()

      await db.schema
        .createTable('delivery_latency')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) => c.notNull())
        .addColumn('minute', 'bigint', (c) => c.notNull())
        .addColumn('bound', 'integer', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('delivery_latency_pk', ['source_id', 'destination_id', 'minute', 'bound'])
        .execute()
      await db.schema.createIndex('delivery_latency_minute').on('delivery_latency').column('minute').execute()

      await db.schema
        .createTable('delivery_samples')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('event_name', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('payload_truncated', bool, (c) => c.notNull())
        .addColumn('request_json', 'text')
        .addColumn('response_json', 'text')
        .execute()
      await db.schema
        .createIndex('delivery_samples_reason')
        .on('delivery_samples')
        .columns(['destination_id', 'outcome', 'reason', 'at'])
        .execute()
      await db.schema.createIndex('delivery_samples_at').on('delivery_samples').column('at').execute()

      await db.schema
        .createTable('message_lineage')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('data_json', 'text')
        .execute()
      await db.schema
        .createIndex('message_lineage_message')
        .on('message_lineage')
        .columns(['source_id', 'message_id'])
        .execute()
      await db.schema.createIndex('message_lineage_at').on('message_lineage').column('at').execute()
    },
  }
}
