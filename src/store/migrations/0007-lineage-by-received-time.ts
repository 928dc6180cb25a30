import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Lineage filed by when its messages were received, in batches: one row holds a flush's entries for
 * the messages of one source received in the same millisecond (one ingest request, usually), keyed
 * by that millisecond. Rows arrive in receipt order, so both indexes grow at their end: no index
 * keyed by message id (random keys, a dirtied page per message) as `message_lineage` had. A message
 * id is found through the archive's index instead, which gives its receipt time (`lineage.ts`).
 *
 * `message_lineage` stays for the entries written before this migration: it is still read and
 * pruned, no longer written, and empty once the lineage retention has passed.
 */
export function lineageByReceivedTime(caps: StoreCapabilities) {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('message_lineage_batches')
        .addColumn('id', caps.serialType, (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('first_at', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('entries', 'integer', (c) => c.notNull())
        .addColumn('entries_json', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('message_lineage_batches_received')
        .on('message_lineage_batches')
        .columns(['received_at', 'source_id'])
        .execute()
      await db.schema
        .createIndex('message_lineage_batches_first_at')
        .on('message_lineage_batches')
        .column('first_at')
        .execute()
    },
  }
}
