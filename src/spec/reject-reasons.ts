/**
 * Why the Tracking API turns a message or a batch away ("failed on ingest"). Codes Segment documents keep
 * Segment's spelling; the ones it leaves unnamed follow the same snake_case style.
 */

/** Reasons `validateMessage` returns for one message. */
export const MESSAGE_REJECT_REASONS = [
  'message_not_object',
  'type_not_defined',
  'type_not_valid',
  'context_not_object',
  'integrations_not_object',
  'no_user_anon_id',
  'id_not_string',
  'message_id_not_string',
  'message_id_too_long',
  'event_not_defined',
  'event_not_string',
  'properties_not_object',
  'traits_not_object',
  'name_not_string',
  'category_not_string',
  'group_id_not_defined',
  'group_id_not_string',
  'previous_id_not_defined',
  'previous_id_not_string',
  'device_advertisingid_should_be_string',
  'consent_categorypreferences_should_exist',
  'consent_categorypreferences_fields_should_be_object',
  'consent_categorypreferences_fields_should_be_bool',
  'consent_version_should_be_number',
] as const

/**
 * Reasons about a whole request. `readBatch` returns `bad_request` and `empty_batch`; the ingest route reports
 * `batch_limit_exceeded` for messages past the batch cap, `empty_batch_result` when no message survived,
 * and `multi_user_error` when only some did (the valid ones are still published).
 */
export const BATCH_REJECT_REASONS = [
  'bad_request',
  'empty_batch',
  'batch_limit_exceeded',
  'empty_batch_result',
  'multi_user_error',
] as const

export type MessageRejectReason = (typeof MESSAGE_REJECT_REASONS)[number]
export type BatchRejectReason = (typeof BATCH_REJECT_REASONS)[number]
export type RejectReason = MessageRejectReason | BatchRejectReason

/** Every reason code, message-level first. */
export const REJECT_REASONS: readonly RejectReason[] = [...MESSAGE_REJECT_REASONS, ...BATCH_REJECT_REASONS]

export interface MessageRejection {
  ok: false
  reason: MessageRejectReason
  /** The offending field as a dotted path (`userId`, `context.device.advertisingId`); empty for the whole message. */
  field: string
  detail: string
}

export const reject = (reason: MessageRejectReason, field: string, detail: string): MessageRejection => ({
  ok: false,
  reason,
  field,
  detail,
})
