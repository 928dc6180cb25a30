import { setTimeout as sleep } from 'node:timers/promises'
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'
import type { ControlPlaneDatabase } from '../schema.ts'
import { controlPlane } from './0001-control-plane.ts'
import { usage } from './0002-usage.ts'
import { archive } from './0003-archive.ts'
import { delivery } from './0004-delivery.ts'
import { destinationRouting } from './0005-destination-routing.ts'
import { destinationActions } from './0006-destination-actions.ts'
import { lineageByReceivedTime } from './0007-lineage-by-received-time.ts'
import { warehouseSyncs } from './0008-warehouse-syncs.ts'
import { iam } from './0009-iam.ts'
import { usageEvents } from './0010-usage-events.ts'
import { webSessions } from './0011-web-sessions.ts'

/** Migrations in order. Names never change once released; add new files, never edit old ones. */
function migrations(caps: StoreCapabilities): Record<string, Migration> {
  return {
    '0001-control-plane': controlPlane(caps),
    '0002-usage': usage(caps),
    '0003-archive': archive(caps),
    '0004-delivery': delivery(caps),
    '0005-destination-routing': destinationRouting(),
    '0006-destination-actions': destinationActions(caps),
    '0007-lineage-by-received-time': lineageByReceivedTime(caps),
    '0008-warehouse-syncs': warehouseSyncs(caps),
    '0009-iam': iam(caps),
    '0010-usage-events': usageEvents(),
    '0011-web-sessions': webSessions(caps),
  }
}

export interface MigrationReport {
  applied: string[]
}

/**
 * Brings the schema up to date. Safe to call from many processes at once. On PostgreSQL, Kysely
 * takes an advisory lock so each migration runs exactly once. SQLite has no such lock: when two
 * processes race on a fresh database, the loser's first statement fails (the table exists) before
 * it changes anything, and it re-reads the applied list after a pause.
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
  for (let attempt = 1; ; attempt++) {
    const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
    if (!error)
      return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
    if (caps.locksMigrations || attempt >= MAX_ATTEMPTS)
      throw error instanceof Error ? error : new Error(String(error))
    await sleep(RETRY_PAUSE_MS * attempt)
  }
}

const MAX_ATTEMPTS = 6
const RETRY_PAUSE_MS = 250
