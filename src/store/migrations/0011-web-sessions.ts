import type { Kysely } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'

/**
 * Web sessions for the app (spec 60 §6.5):
 * - `web_sessions`: one row per logged-in browser. The cookie holds a random secret; only its
 *   SHA-256 is kept here, with the workspace the session works in, when it was created and last
 *   seen (for the idle timeout) and when it ends regardless of use.
 * - `invites.token_hash`: SHA-256 of the invite's acceptance secret, set when an invite is created
 *   or renewed (older invites have none and can't be accepted through a link).
 */
export function webSessions(caps: StoreCapabilities) {
  const ts = caps.timestampType
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('web_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('last_seen_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('web_sessions_user').on('web_sessions').column('user_id').execute()
      await db.schema.createIndex('web_sessions_expiry').on('web_sessions').column('expires_at').execute()
      await db.schema.alterTable('invites').addColumn('token_hash', 'text').execute()
      await db.schema.createIndex('invites_token_hash').on('invites').column('token_hash').execute()
    },
  }
}
