/**
 * The pipeline: the process stage (ingest topic → destination queues and warehouse staging) and the
 * delivery runtime (one worker per destination instance).
 */
export {
  ProcessStage,
  planBatch,
  withoutBlocked,
  type BlockingRules,
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
export {
  PROCESS_CONSUMER,
  PROCESS_DEDUPE_SCOPE,
  deliveryQueue,
  warehouseOfTopic,
  warehouseTopic,
} from './names.ts'
export { routedMessages } from './process-stage.ts'
export {
  DeliveryAggregate,
  eventDimensions,
  sampleRequest,
  truncate,
  MAX_COUNTED_ATTEMPT,
  SAMPLE_BODY_BYTES,
  type DeliveryAggregateOptions,
  type DeliveryBatch,
  type RoutedMessage,
} from './delivery-aggregate.ts'
export {
  StoreDeliveryRecorder,
  fanOutRecorder,
  DELIVERY_COUNTS_RETENTION_DAYS,
  type StoreDeliveryRecorderOptions,
} from './store-delivery-recorder.ts'
export { LATENCY_BOUNDS_MS, latencyBucket, latencyPercentile } from './latency.ts'
export {
  NO_MATCHING_SUBSCRIPTION,
  runEventTest,
  testMessage,
  type EventTest,
  type EventTestResult,
} from './event-tester.ts'
