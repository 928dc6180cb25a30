/**
 * The archive of raw messages and what it powers: the archive consumer (every ingested message,
 * with the source schema's counts), schema controls (blocked events), retention, and replay.
 * The debugger and the API read the archive through the store.
 */
export { ArchiveConsumer, ARCHIVE_CONSUMER, type ArchiveConsumerOptions } from './consumer.ts'
export { BlockedEvents, BlockingRules } from './blocking.ts'
export { ArchiveRetention, type ArchiveRetentionOptions } from './retention.ts'
export { ReplayRunner, replayDedupeScope, type ReplayRunnerOptions } from './replay-runner.ts'
export { archiveRow, envelopeJson, indexable, isoTime, MAX_INDEXED_LENGTH } from './rows.ts'
export {
  aggregateSchema,
  fieldPaths,
  schemaFields,
  schemaName,
  SCHEMA_AGGREGATION_LIMITS,
  type SchemaAggregationLimits,
  type SchemaInput,
} from './schema.ts'
export { cancelReplay, createReplay, MAX_REPLAY_EVENT_NAMES, type ReplayRequest } from './replays.ts'
