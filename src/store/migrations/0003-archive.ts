import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * The archive of raw messages and what it powers: archived messages (debugger, lookups, replay),
 * the source schema (event names, properties and traits seen, with counts), blocked track events
 * per source, and replay jobs.
 *
 * Archived messages have no foreign key to their source: the archive consumer must be able to
 * write a message whose source was deleted meanwhile (retention removes those rows in time).
 * The schema counts have none either, for the same reason; blocked events and replay jobs are
 * created through the API for a source that exists, and go with it.
 */
export function archive(caps: StoreCapabilities) {
  const ts = caps.timestampType
  const bool = caps.booleanType
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('archive_messages')
        .addColumn('id', caps.serialType, (c) =>
          caps.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('received_at', ts, (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('event', 'text')
        .addColumn('user_id', 'text')
        .addColumn('anonymous_id', 'text')
        .addColumn('blocked', bool, (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute()
      // Newest per source, and new ones after an id (the debugger).
      await db.schema
        .createIndex('archive_messages_source')
        .on('archive_messages')
        .columns(['source_id', 'id'])
        .execute()
      for (const column of ['message_id', 'user_id', 'event'] as const) {
        await db.schema
          .createIndex(`archive_messages_source_${column}`)
          .on('archive_messages')
          .columns(['source_id', column, 'id'])
          .execute()
      }
      // A time range of a source, in order (replay).
      await db.schema
        .createIndex('archive_messages_source_received')
        .on('archive_messages')
        .columns(['source_id', 'received_at', 'id'])
        .execute()

      // One row per (source, call type, name): track event name, page or screen name, '' otherwise.
      await db.schema
        .createTable('schema_events')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('blocked_total', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', ts)
        .addColumn('last_seen', ts)
        .addPrimaryKeyConstraint('schema_events_pk', ['source_id', 'type', 'name'])
        .execute()

      // Properties (track, page, screen) and traits (identify, group) by dotted path.
      await db.schema
        .createTable('schema_fields')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', ts, (c) => c.notNull())
        .addColumn('last_seen', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('schema_fields_pk', ['source_id', 'type', 'name', 'path'])
        .execute()

      await db.schema
        .createTable('blocked_events')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('blocked_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('blocked_events_pk', ['source_id', 'event'])
        .addForeignKeyConstraint(
          'blocked_events_source',
          ['source_id', 'workspace_id'],
          'sources',
          ['id', 'workspace_id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute()

      await db.schema
        .createTable('replay_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('start_time', ts, (c) => c.notNull())
        .addColumn('end_time', ts, (c) => c.notNull())
        .addColumn('destination_ids', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text')
        .addColumn('event_names', 'text')
        .addColumn('total', 'bigint')
        .addColumn('processed', 'bigint', (c) => c.notNull())
        .addColumn('enqueued', 'bigint', (c) => c.notNull())
        .addColumn('cursor_received_at', ts)
        .addColumn('cursor_id', 'bigint')
        .addColumn('error', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addColumn('started_at', ts)
        .addColumn('finished_at', ts)
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', ts)
        .addForeignKeyConstraint(
          'replay_jobs_source',
          ['source_id', 'workspace_id'],
          'sources',
          ['id', 'workspace_id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute()
      await db.schema
        .createIndex('replay_jobs_source')
        .on('replay_jobs')
        .columns(['source_id', 'created_at'])
        .execute()
      await db.schema.createIndex('replay_jobs_status').on('replay_jobs').column('status').execute()
    },
  }
}
