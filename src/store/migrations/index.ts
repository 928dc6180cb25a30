import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'
import type { ControlPlaneDatabase } from '../schema.ts'
import { controlPlane } from './0001-control-plane.ts'

/** Migrations in order. Names never change once released; add new files, never edit old ones. */
function migrations(caps: StoreCapabilities): Record<string, Migration> {
  return {
    '0001-control-plane': controlPlane(caps),
  }
}

export interface MigrationReport {
  applied: string[]
}

/**
 * Brings the schema up to date. Safe to call from many processes at once: Kysely takes a lock
 * (an advisory lock on PostgreSQL) so each migration runs exactly once.
 */
export async function migrateToLatest(
  db: Kysely<ControlPlaneDatabase>,
  caps: StoreCapabilities,
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(caps) },
    migrationTableName: 'switchyard_migrations',
    migrationLockTableName: 'switchyard_migrations_lock',
  })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}
