/**
 * The pipeline: the process stage (ingest topic → destination queues and warehouse staging) and the
 * delivery runtime (one worker per destination instance).
 */
export {
  ProcessStage,
  planBatch,
  type ProcessStageOptions,
  type ProcessBatchSummary,
} from './process-stage.ts'
export { RoutingTable, RoutingSnapshot, type SourceRoutes } from './routing.ts'
export { DeliveryRuntime, driverFor, type DeliveryRuntimeOptions } from './delivery-runtime.ts'
export {
  DeliveryWorker,
  type DeliveryEvent,
  type DeliveryRecord,
  type DeliveryRecorder,
  type DeliveryWorkerOptions,
} from './delivery-worker.ts'
export { PROCESS_CONSUMER, PROCESS_DEDUPE_SCOPE, deliveryQueue, warehouseTopic } from './names.ts'
