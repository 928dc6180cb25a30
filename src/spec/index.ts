export {
  SOURCE_CATALOG,
  findSourceMetadata,
  findSourceMetadataBySlug,
  sourceLogoPath,
  type SourceMetadata,
  type IntegrationOption,
} from './source-catalog.ts'
export {
  MESSAGE_TYPES,
  SHORT_PATHS,
  MAX_MESSAGE_ID_LENGTH,
  MAX_PROPERTIES_PER_EVENT,
  MAX_BATCH_MESSAGES,
  CONSENT_PREFERENCE_UPDATED_EVENT,
  isMessageType,
  trackingPathTarget,
  type MessageType,
  type JsonObject,
  type CommonFields,
  type IdentifyMessage,
  type TrackMessage,
  type PageMessage,
  type ScreenMessage,
  type GroupMessage,
  type AliasMessage,
  type SegmentMessage,
  type StoredMessage,
} from './messages.ts'
export {
  REJECT_REASONS,
  MESSAGE_REJECT_REASONS,
  BATCH_REJECT_REASONS,
  type RejectReason,
  type MessageRejectReason,
  type BatchRejectReason,
  type MessageRejection,
} from './reject-reasons.ts'
export { validateMessage, type ValidationResult } from './validation.ts'
export { readBatch, readWriteKey, type BatchEnvelope, type BatchRejection } from './batch.ts'
export { enrichMessage, CLIENT_SIDE_LIBRARIES, type EnrichmentContext } from './enrichment.ts'
export {
  parseTimestamp,
  parseCanonical,
  canonicalMillis,
  formatTimestamp,
  correctedTimestamp,
} from './timestamps.ts'
export { INGEST_TOPIC, INGEST_CONSUMERS, type IngestEnvelope } from './envelope.ts'
export {
  snakecase,
  safeIdentifier,
  columnName,
  tableName,
  RESERVED_WORDS,
  MAX_IDENTIFIER_LENGTH,
} from './column-names.ts'
