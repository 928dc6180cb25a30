import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Metering: API calls per source per day; identities (userIds, anonymousIds) per source per month
 * with the day each was first seen and, for anonymousIds, first seen with a userId; and the
 * position of each consumer that writes here, kept in the same transaction as its counts.
 */
export function usage(caps: StoreCapabilities) {
  void caps
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('usage_api_calls')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('calls', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_api_calls_pk', ['source_id', 'day'])
        .execute()
      await db.schema
        .createIndex('usage_api_calls_workspace')
        .on('usage_api_calls')
        .columns(['workspace_id', 'day'])
        .execute()

      await db.schema
        .createTable('usage_identities')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('first_day', 'text', (c) => c.notNull())
        .addColumn('identified_day', 'text')
        .addPrimaryKeyConstraint('usage_identities_pk', ['source_id', 'month', 'kind', 'identity'])
        .execute()
      await db.schema
        .createIndex('usage_identities_workspace')
        .on('usage_identities')
        .columns(['workspace_id', 'month'])
        .execute()

      await db.schema
        .createTable('consumer_positions')
        .addColumn('consumer', 'text', (c) => c.primaryKey())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .execute()
    },
  }
}
