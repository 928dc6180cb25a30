/** Where the process stage puts a message for a destination instance: its own work queue. */
export const deliveryQueue = (destinationId: string): string => `deliver-${destinationId}`

/** Where the process stage stages a message for a warehouse (read by the warehouse sync). */
export const warehouseTopic = (warehouseId: string): string => `warehouse-${warehouseId}`

/** The warehouse a staging topic belongs to, or `undefined` for any other topic. */
export const warehouseOfTopic = (topic: string): string | undefined =>
  topic.startsWith('warehouse-') ? topic.slice('warehouse-'.length) : undefined

/** The process stage's consumer group on the ingest topic. */
export const PROCESS_CONSUMER = 'process'

/**
 * Dedupe scope of what the process stage writes: the ingest offset is the dedupe id, so a batch
 * processed again after a crash (read, routed, not yet committed) adds nothing twice.
 */
export const PROCESS_DEDUPE_SCOPE = 'process'
