import type { Kysely } from 'kysely'

/**
 * Per destination instance: the consent categories it is mapped to (JSON array of category ids, as
 * in `context.consent.categoryPreferences`) and its sandbox egress URL (every outbound request goes
 * there instead; NULL sends to the real hosts). One column per ALTER: SQLite adds one at a time.
 */
export function destinationRouting() {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('destinations')
        .addColumn('consent_categories', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute()
      await db.schema.alterTable('destinations').addColumn('egress_url', 'text').execute()
    },
  }
}
