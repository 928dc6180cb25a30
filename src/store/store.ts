import { AsyncLocalStorage } from 'node:async_hooks'
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'
import { openDatabase, pingDatabase, type DatabaseTarget, type StoreCapabilities } from './dialect.ts'
import { migrateToLatest, type MigrationReport } from './migrations/index.ts'
import { ArchiveRepository } from './repositories/archive.ts'
import { AuditRepository } from './repositories/audit.ts'
import type { RepositoryContext } from './repositories/context.ts'
import { DestinationRepository } from './repositories/destinations.ts'
import { DestinationFilterRepository } from './repositories/destination-filters.ts'
import { DestinationSubscriptionRepository } from './repositories/destination-subscriptions.ts'
import { InviteRepository } from './repositories/invites.ts'
import { LabelRepository } from './repositories/labels.ts'
import { PolicyRepository } from './repositories/policies.ts'
import { UserGroupRepository } from './repositories/user-groups.ts'
import { ConsumerPositionRepository } from './repositories/positions.ts'
import { ReplayJobRepository } from './repositories/replay-jobs.ts'
import { SourceSchemaRepository } from './repositories/source-schema.ts'
import { SourceRepository } from './repositories/sources.ts'
import { ApiTokenRepository } from './repositories/tokens.ts'
import { UsageRepository } from './repositories/usage.ts'
import { DeliveryRepository } from './repositories/delivery.ts'
import { LineageRepository } from './repositories/lineage.ts'
import { UserRepository } from './repositories/users.ts'
import { WebSessionRepository } from './repositories/web-sessions.ts'
import { WarehouseRepository } from './repositories/warehouses.ts'
import { WarehouseSchemaRepository } from './repositories/warehouse-schemas.ts'
import { WarehouseSyncRepository } from './repositories/warehouse-syncs.ts'
import { WorkspaceRepository } from './repositories/workspaces.ts'
import type { ControlPlaneDatabase } from './schema.ts'
import { SecretBox } from './secrets.ts'

/** Every repository, bound to one executor: the connection pool or a transaction. */
export interface Repositories {
  readonly workspaces: WorkspaceRepository
  readonly sources: SourceRepository
  readonly labels: LabelRepository
  readonly destinations: DestinationRepository
  readonly destinationSubscriptions: DestinationSubscriptionRepository
  readonly destinationFilters: DestinationFilterRepository
  readonly warehouses: WarehouseRepository
  readonly warehouseSyncs: WarehouseSyncRepository
  readonly warehouseSchemas: WarehouseSchemaRepository
  readonly tokens: ApiTokenRepository
  readonly users: UserRepository
  readonly policies: PolicyRepository
  readonly userGroups: UserGroupRepository
  readonly invites: InviteRepository
  readonly audit: AuditRepository
  readonly usage: UsageRepository
  readonly positions: ConsumerPositionRepository
  readonly archive: ArchiveRepository
  readonly sourceSchema: SourceSchemaRepository
  readonly replayJobs: ReplayJobRepository
  readonly delivery: DeliveryRepository
  readonly lineage: LineageRepository
  readonly webSessions: WebSessionRepository
}

export interface Store extends Repositories {
  readonly capabilities: StoreCapabilities
  readonly location: string
  /**
   * Runs `work` in one transaction: all its writes commit together or not at all. Inside, use the
   * `tx` repositories only; touching the store's own repositories there throws (on SQLite it would
   * wait for the transaction forever).
   */
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
  /** Told about failures of idle pooled connections (PostgreSQL); the pool replaces them itself. */
  onConnectionError?: (error: Error) => void
  /**
   * Refuse queries on the root store from inside `transaction()` (they would wait on SQLite's one
   * connection or escape the transaction on PostgreSQL). For tests: it needs AsyncLocalStorage, whose
   * promise hooks make every promise in the process about three times as costly on Node 20.
   */
  guardTransactions?: boolean
}

function bindRepositories(ctx: RepositoryContext): Repositories {
  return {
    workspaces: new WorkspaceRepository(ctx),
    sources: new SourceRepository(ctx),
    labels: new LabelRepository(ctx),
    destinations: new DestinationRepository(ctx),
    destinationSubscriptions: new DestinationSubscriptionRepository(ctx),
    destinationFilters: new DestinationFilterRepository(ctx),
    warehouses: new WarehouseRepository(ctx),
    warehouseSyncs: new WarehouseSyncRepository(ctx),
    warehouseSchemas: new WarehouseSchemaRepository(ctx),
    tokens: new ApiTokenRepository(ctx),
    users: new UserRepository(ctx),
    policies: new PolicyRepository(ctx),
    userGroups: new UserGroupRepository(ctx),
    invites: new InviteRepository(ctx),
    audit: new AuditRepository(ctx),
    usage: new UsageRepository(ctx),
    positions: new ConsumerPositionRepository(ctx),
    archive: new ArchiveRepository(ctx),
    sourceSchema: new SourceSchemaRepository(ctx),
    replayJobs: new ReplayJobRepository(ctx),
    delivery: new DeliveryRepository(ctx),
    lineage: new LineageRepository(ctx),
    webSessions: new WebSessionRepository(ctx),
  }
}

/** Refuses queries on the store's own executor while the same async flow is inside `transaction()`. */
class OutsideTransactionGuard implements KyselyPlugin {
  constructor(private readonly insideTransaction: AsyncLocalStorage<true>) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.insideTransaction.getStore()) {
      throw new Error(
        'store.<repository> used inside store.transaction(): use the tx repositories passed to the callback',
      )
    }
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

export function openStore(options: StoreOptions): Store {
  const { db, capabilities, location } = openDatabase(options.target, {
    ...(options.onConnectionError && { onConnectionError: options.onConnectionError }),
  })
  const secrets = new SecretBox(options.secretKey)
  const now = options.now ?? (() => new Date())
  const bind = (executor: Kysely<ControlPlaneDatabase>) =>
    bindRepositories({ db: executor, capabilities, secrets, now })
  const insideTransaction = options.guardTransactions ? new AsyncLocalStorage<true>() : undefined
  const inTransaction: Store['transaction'] = (work) => db.transaction().execute((trx) => work(bind(trx)))
  return {
    ...bind(insideTransaction ? db.withPlugin(new OutsideTransactionGuard(insideTransaction)) : db),
    capabilities,
    location,
    transaction: insideTransaction
      ? (work) => insideTransaction.run(true, () => inTransaction(work))
      : inTransaction,
    migrate: () => migrateToLatest(db, capabilities),
    ping: () => pingDatabase(db),
    close: () => db.destroy(),
  }
}
