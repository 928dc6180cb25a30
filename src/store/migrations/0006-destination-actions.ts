import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Per destination instance: its mappings (Segment's subscriptions: a trigger, an action and a field
 * mapping, for Actions destinations) and its destination filters (an FQL condition and actions).
 * Both go with their destination when it is deleted. Changing either also bumps the destination's
 * `updated_at`, so the delivery runtime picks the change up through the destinations' change stamp.
 */
export function destinationActions(caps: StoreCapabilities) {
  const ts = caps.timestampType
  const bool = caps.booleanType
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('destination_subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) =>
          c.notNull().references('destinations.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('action_slug', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('mapping', 'text', (c) => c.notNull())
        .addColumn('enabled', bool, (c) => c.notNull())
        .addColumn('model_id', 'text')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('destination_subscriptions_destination')
        .on('destination_subscriptions')
        .column('destination_id')
        .execute()

      await db.schema
        .createTable('destination_filters')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('destination_id', 'text', (c) =>
          c.notNull().references('destinations.id').onDelete('cascade'),
        )
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('condition', 'text', (c) => c.notNull())
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('enabled', bool, (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('destination_filters_destination')
        .on('destination_filters')
        .column('destination_id')
        .execute()
    },
  }
}
