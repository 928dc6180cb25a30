export { openStore, type Store, type StoreOptions, type Repositories } from './store.ts'
export { type DatabaseTarget, type StoreCapabilities, type StoreDialectName } from './dialect.ts'
export { issueApiToken } from './operations.ts'
export { bootstrapWorkspace, DEFAULT_WORKSPACE, type BootstrapResult } from './bootstrap.ts'
export { resolveSecretKey, type SecretKeyResolution } from './secret-key.ts'
export { TOKEN_PREFIX, hashPassword, verifyPassword } from './secrets.ts'
export type { Page, PageResult } from './repositories/context.ts'
export type { Workspace } from './repositories/workspaces.ts'
export {
  MAX_WRITE_KEYS_PER_SOURCE,
  sourceNotFound,
  type Source,
  type SourceLabel,
  type NewSource,
  type SourcePatch,
} from './repositories/sources.ts'
export type { Destination, NewDestination, DestinationPatch } from './repositories/destinations.ts'
export type {
  DestinationSubscription,
  NewDestinationSubscription,
  DestinationSubscriptionPatch,
} from './repositories/destination-subscriptions.ts'
export type {
  DestinationFilter,
  NewDestinationFilter,
  DestinationFilterPatch,
} from './repositories/destination-filters.ts'
export {
  warehouseNotFound,
  type Warehouse,
  type NewWarehouse,
  type WarehousePatch,
  type AdvancedSyncSchedule,
} from './repositories/warehouses.ts'
export {
  FINISHED_SYNC_STATUSES,
  type WarehouseSync,
  type WarehouseSyncChunk,
  type WarehouseSyncNotice,
  type WarehouseSyncReport,
  type WarehouseSyncStatus,
  type WarehouseSyncTrigger,
} from './repositories/warehouse-syncs.ts'
export type { RecordedSchema, SelectiveSyncOverride } from './repositories/warehouse-schemas.ts'
export type { ApiToken, NewApiToken, TokenRole } from './repositories/tokens.ts'
export type { User, Member, Membership } from './repositories/users.ts'
export {
  mergePolicies,
  type Policy,
  type PolicyLabel,
  type PolicyResource,
  type PolicyResourceType,
  type PolicySubject,
} from './repositories/policies.ts'
export { userGroupNotFound, type UserGroup } from './repositories/user-groups.ts'
export type { Invite } from './repositories/invites.ts'
export type { WebSession, NewWebSession } from './repositories/web-sessions.ts'
export {
  SYSTEM_ACTOR,
  type Actor,
  type ActorType,
  type AuditEvent,
  type AuditFilter,
  type AuditResource,
  type NewAuditEvent,
} from './repositories/audit.ts'
export type {
  UsageDelta,
  DailyApiCalls,
  DailyUsers,
  EventVolumeDelta,
  EventVolumeDimension,
  EventVolumeGranularity,
  EventVolumeQuery,
  EventVolumeRow,
} from './repositories/usage.ts'
export {
  SAMPLES_PER_REASON,
  type CountDimension,
  type CountQuery,
  type CountRow,
  type DeliveryCountDelta,
  type DeliverySample,
  type LatencyDelta,
  type NewDeliverySample,
  type SampleRequest,
  type SampleResponse,
} from './repositories/delivery.ts'
export type { LineageEntry } from './repositories/lineage.ts'
export type {
  ArchivedMessage,
  ArchiveCursor,
  ArchiveFilter,
  NewArchivedMessage,
  ReplaySelection,
} from './repositories/archive.ts'
export {
  SCHEMA_LIMITS,
  type BlockedEvent,
  type SchemaDelta,
  type SchemaEvent,
  type SchemaEventDelta,
  type SchemaField,
  type SchemaFieldDelta,
  type SchemaLimits,
} from './repositories/source-schema.ts'
export {
  REPLAY_STATUSES,
  type NewReplayJob,
  type ReplayJob,
  type ReplayProgress,
  type ReplayStatus,
} from './repositories/replay-jobs.ts'
