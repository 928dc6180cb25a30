import type { Kysely } from 'kysely'

/**
 * Event volume for Segment's `EventsApi`: messages per source per UTC minute (by receivedAt), per
 * message type, event name and app version, counted by the metering stage in the same transaction
 * as its other counts.
 */
export function usageEvents() {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('usage_event_volume')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('minute', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('event_name', 'text', (c) => c.notNull())
        .addColumn('app_version', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_event_volume_pk', [
          'source_id',
          'minute',
          'event_type',
          'event_name',
          'app_version',
        ])
        .execute()
      await db.schema
        .createIndex('usage_event_volume_workspace')
        .on('usage_event_volume')
        .columns(['workspace_id', 'minute'])
        .execute()
    },
  }
}
