import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Workspaces, sources, write keys, labels, destinations, warehouses, tokens, users, audit trail.
 * Rows that point at a source or warehouse carry the workspace id too, and the foreign key covers
 * both columns, so the database itself refuses a link across workspaces.
 */
export function controlPlane(caps: StoreCapabilities) {
  const ts = caps.timestampType
  const bool = caps.booleanType
  const sourceRef: [('source_id' | 'workspace_id')[], string, string[]] = [
    ['source_id', 'workspace_id'],
    'sources',
    ['id', 'workspace_id'],
  ]
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('workspaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', bool, (c) => c.notNull())
        .addColumn('metadata_id', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addUniqueConstraint('sources_workspace_slug_unique', ['workspace_id', 'slug'])
        .addUniqueConstraint('sources_id_workspace_unique', ['id', 'workspace_id'])
        .execute()

      await db.schema
        .createTable('write_keys')
        .addColumn('write_key', 'text', (c) => c.primaryKey())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addForeignKeyConstraint('write_keys_source', ...sourceRef, (fk) => fk.onDelete('cascade'))
        .execute()
      await db.schema.createIndex('write_keys_source').on('write_keys').column('source_id').execute()

      await db.schema
        .createTable('labels')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('labels_pk', ['workspace_id', 'key', 'value'])
        .execute()

      // One value per key per resource; a label in use can't be deleted (no cascade from labels).
      await db.schema
        .createTable('source_labels')
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('source_labels_pk', ['source_id', 'key'])
        .addForeignKeyConstraint('source_labels_source', ...sourceRef, (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint('source_labels_label', ['workspace_id', 'key', 'value'], 'labels', [
          'workspace_id',
          'key',
          'value',
        ])
        .execute()

      await db.schema
        .createTable('destinations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('metadata_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', bool, (c) => c.notNull())
        .addColumn('settings_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addForeignKeyConstraint('destinations_source', ...sourceRef, (fk) => fk.onDelete('cascade'))
        .execute()
      await db.schema.createIndex('destinations_source').on('destinations').column('source_id').execute()

      await db.schema
        .createTable('warehouses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('metadata_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', bool, (c) => c.notNull())
        .addColumn('settings_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addUniqueConstraint('warehouses_id_workspace_unique', ['id', 'workspace_id'])
        .execute()

      await db.schema
        .createTable('warehouse_sources')
        .addColumn('warehouse_id', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('warehouse_sources_pk', ['warehouse_id', 'source_id'])
        .addForeignKeyConstraint('warehouse_sources_source', ...sourceRef, (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint(
          'warehouse_sources_warehouse',
          ['warehouse_id', 'workspace_id'],
          'warehouses',
          ['id', 'workspace_id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute()

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('secret_hint', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('last_used_at', ts)
        .addColumn('revoked_at', ts)
        .execute()

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('workspace_members')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('workspace_members_pk', ['workspace_id', 'user_id'])
        .execute()

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('resource_name', 'text', (c) => c.notNull())
        .addColumn('before_json', 'text')
        .addColumn('after_json', 'text')
        .execute()
      await db.schema
        .createIndex('audit_events_workspace_time')
        .on('audit_events')
        .columns(['workspace_id', 'created_at'])
        .execute()
    },
  }
}
