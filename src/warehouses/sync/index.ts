/**
 * Warehouse syncs: the staged messages of each connected source loaded into the warehouse on a
 * schedule or on demand, with Segment's schema, Selective Sync and sync history.
 *
 *   const service = new WarehouseSyncService({ store, stream, dataDir, topicOf: warehouseTopic, logger })
 *   service.start() // asks for due syncs, runs waiting ones; `store.warehouseSyncs.request(…)` asks for one now
 */
export { WarehouseSyncService, INTERRUPTED_NOTICE, type WarehouseSyncServiceOptions } from './sync-service.ts'
export { ChunkBuildThreads, type ChunkBuildThreadsOptions } from './build-threads.ts'
export {
  runWarehouseSync,
  WAREHOUSE_SYNC_GROUP,
  type SyncRunOptions,
  type SyncRunResult,
} from './sync-runner.ts'
export {
  DEFAULT_SYNC_INTERVAL_MINUTES,
  MIN_SYNC_INTERVAL_MINUTES,
  MAX_SYNC_INTERVAL_MINUTES,
  checkAdvancedSchedule,
  latestSlot,
  nextSlot,
  scheduledSyncDue,
  syncScheduleOf,
  type SyncSchedule,
} from './schedule.ts'
export {
  ALWAYS_SYNCED_COLUMNS,
  checkOverrides,
  selectiveSyncItems,
  selectiveSyncRules,
  type OverrideError,
  type SelectiveSyncItem,
  type SelectiveSyncRules,
} from './selective-sync.ts'
export {
  applySelectiveSync,
  sourceSchemaName,
  stagedRows,
  type SourceRows,
  type StagedRecord,
} from './staged-rows.ts'
export { humanDuration, planNotices, reportStatus, syncStatus } from './sync-status.ts'
