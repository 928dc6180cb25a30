import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Identity and access management (spec 60 §6.5–6.6):
 * - `iam_policies`: one row per (subject, role): the resources the role is granted on, as JSON
 *   (Segment's `PermissionResourceV1` list: the workspace, some sources or warehouses, or the
 *   workspace narrowed by labels). Subjects are users, user groups, API tokens and pending invites
 *   (by email), so the same grants apply whoever calls.
 * - `user_groups` and `user_group_members`: groups and their members by email (Segment adds and
 *   removes group members by email, invited or not yet).
 * - `invites`: pending invitations to a workspace, with an expiry.
 */
export function iam(caps: StoreCapabilities) {
  const ts = caps.timestampType
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('iam_policies')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('subject_type', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('role_id', 'text', (c) => c.notNull())
        .addColumn('resources', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('iam_policies_pk', ['workspace_id', 'subject_type', 'subject_id', 'role_id'])
        .execute()

      await db.schema
        .createTable('user_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addUniqueConstraint('user_groups_workspace_name_unique', ['workspace_id', 'name'])
        .execute()

      await db.schema
        .createTable('user_group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('user_groups.id').onDelete('cascade'))
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('user_group_members_pk', ['group_id', 'email'])
        .execute()
      await db.schema
        .createIndex('user_group_members_email')
        .on('user_group_members')
        .columns(['workspace_id', 'email'])
        .execute()

      await db.schema
        .createTable('invites')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('invites_pk', ['workspace_id', 'email'])
        .execute()
    },
  }
}
