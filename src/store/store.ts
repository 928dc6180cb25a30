import type { Kysely } from 'kysely'
import { openDatabase, pingDatabase, type DatabaseTarget, type StoreCapabilities } from './dialect.ts'
import { migrateToLatest, type MigrationReport } from './migrations/index.ts'
import { AuditRepository } from './repositories/audit.ts'
import type { RepositoryContext } from './repositories/context.ts'
import { DestinationRepository } from './repositories/destinations.ts'
import { LabelRepository } from './repositories/labels.ts'
import { SourceRepository } from './repositories/sources.ts'
import { ApiTokenRepository } from './repositories/tokens.ts'
import { UserRepository } from './repositories/users.ts'
import { WarehouseRepository } from './repositories/warehouses.ts'
import { WorkspaceRepository } from './repositories/workspaces.ts'
import type { ControlPlaneDatabase } from './schema.ts'
import { SecretBox } from './secrets.ts'

/** Every repository, bound to one executor: the connection pool or a transaction. */
export interface Repositories {
  readonly workspaces: WorkspaceRepository
  readonly sources: SourceRepository
  readonly labels: LabelRepository
  readonly destinations: DestinationRepository
  readonly warehouses: WarehouseRepository
  readonly tokens: ApiTokenRepository
  readonly users: UserRepository
  readonly audit: AuditRepository
}

export interface Store extends Repositories {
  readonly capabilities: StoreCapabilities
  readonly location: string
  /** Runs `work` in one transaction: all its writes commit together or not at all. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>
  migrate(): Promise<MigrationReport>
  /** Throws when the database can't answer. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface StoreOptions {
  target: DatabaseTarget
  /** Key material for encrypting stored credentials. */
  secretKey: string
  now?: () => Date
}

function bindRepositories(ctx: RepositoryContext): Repositories {
  return {
    workspaces: new WorkspaceRepository(ctx),
    sources: new SourceRepository(ctx),
    labels: new LabelRepository(ctx),
    destinations: new DestinationRepository(ctx),
    warehouses: new WarehouseRepository(ctx),
    tokens: new ApiTokenRepository(ctx),
    users: new UserRepository(ctx),
    audit: new AuditRepository(ctx),
  }
}

export function openStore(options: StoreOptions): Store {
  const { db, capabilities, location } = openDatabase(options.target)
  const secrets = new SecretBox(options.secretKey)
  const now = options.now ?? (() => new Date())
  const bind = (executor: Kysely<ControlPlaneDatabase>) => bindRepositories({ db: executor, secrets, now })
  return {
    ...bind(db),
    capabilities,
    location,
    transaction: (work) => db.transaction().execute((trx) => work(bind(trx))),
    migrate: () => migrateToLatest(db, capabilities),
    ping: () => pingDatabase(db),
    close: () => db.destroy(),
  }
}
