/**
 * Segment's ingest rules for one message (Spec §2.10): a message that breaks one is "failed on ingest" and
 * never reaches a destination. A message that passes comes back normalised (see `normaliseMessage`).
 */
import { validateConsent } from './consent.ts'
import { defineField, describeType, isAbsent, isPlainObject, keepFirstKeys } from './json.ts'
import {
  MAX_MESSAGE_ID_LENGTH,
  MAX_PROPERTIES_PER_EVENT,
  isMessageType,
  type JsonObject,
  type MessageType,
  type SegmentMessage,
} from './messages.ts'
import { reject, type MessageRejection, type MessageRejectReason } from './reject-reasons.ts'

export type ValidationResult =
  | {
      ok: true
      message: SegmentMessage
      /** Keys of `properties` (or `traits`) dropped past the 10,000 limit. */
      droppedProperties: number
    }
  | MessageRejection

type Check = (message: JsonObject) => MessageRejection | undefined

/**
 * Checks one message against Segment's rules and returns it normalised, or the first rule it breaks.
 *
 * `expectedType` is the type a route names (`POST /v1/track`, `/v1/t`). The route wins: the body's `type`,
 * whether missing, matching or different, is replaced by it, as Segment's per-type endpoints do (their
 * documented bodies carry no `type` at all). Without `expectedType` (batch items) `type` is required.
 *
 * Checks run in this order, and the first failure is reported: the message is an object; `type`; `context`
 * and `integrations` are objects; the user identity; `messageId`; the fields of its type;
 * `context.device.advertisingId`. The consent event's checks run with Track's.
 */
export function validateMessage(input: unknown, expectedType?: MessageType): ValidationResult {
  if (!isPlainObject(input)) {
    return reject('message_not_object', '', `a message must be a JSON object, got ${describeType(input)}`)
  }
  const type = expectedType ?? input.type
  if (isAbsent(type) || type === '') return reject('type_not_defined', 'type', 'type is required')
  if (!isMessageType(type)) {
    const shown = typeof type === 'string' ? `"${type.slice(0, 50)}"` : describeType(type)
    return reject('type_not_valid', 'type', `type must be one of the six call types, got ${shown}`)
  }
  for (const check of CHECKS[type]) {
    const rejection = check(input)
    if (rejection) return rejection
  }
  return normaliseMessage(input, type)
}

const checkEnvelopeObjects: Check = (m) =>
  optionalObject(m, 'context', 'context_not_object') ??
  optionalObject(m, 'integrations', 'integrations_not_object')

function checkIdentity(m: JsonObject): MessageRejection | undefined {
  for (const field of ['userId', 'anonymousId']) {
    const value = m[field]
    if (isAbsent(value)) continue
    if (typeof value !== 'string') {
      return reject('id_not_string', field, `${field} must be a string, got ${describeType(value)}`)
    }
    if (value === '') return reject('id_not_string', field, `${field} must not be empty`)
  }
  if (isAbsent(m.userId) && isAbsent(m.anonymousId)) {
    return reject('no_user_anon_id', 'userId', 'a message needs a userId or an anonymousId')
  }
  return undefined
}

function checkMessageId(m: JsonObject): MessageRejection | undefined {
  const id = m.messageId
  // A missing or empty messageId is assigned at ingest, as Segment's HTTP API does.
  if (isAbsent(id) || id === '') return undefined
  if (typeof id !== 'string') {
    return reject('message_id_not_string', 'messageId', `messageId must be a string, got ${describeType(id)}`)
  }
  // A string never has more characters (code points) than UTF-16 units: only a long one is counted.
  if (id.length <= MAX_MESSAGE_ID_LENGTH) return undefined
  const length = [...id].length
  if (length > MAX_MESSAGE_ID_LENGTH) {
    return reject(
      'message_id_too_long',
      'messageId',
      `messageId has ${length} characters; at most ${MAX_MESSAGE_ID_LENGTH} are allowed`,
    )
  }
  return undefined
}

/** A required string: missing, null or empty is "not defined"; any other non-string is "not a string". */
function requiredString(
  field: string,
  notDefined: MessageRejectReason,
  notString: MessageRejectReason,
): Check {
  return (m) => {
    const value = m[field]
    if (isAbsent(value) || value === '') return reject(notDefined, field, `${field} is required`)
    if (typeof value !== 'string') {
      return reject(notString, field, `${field} must be a string, got ${describeType(value)}`)
    }
    return undefined
  }
}

/** An optional string: checked only when present; empty counts as wrong, as Segment's rule says. */
function optionalString(field: string, reason: MessageRejectReason): Check {
  return (m) => {
    const value = m[field]
    if (isAbsent(value)) return undefined
    if (typeof value !== 'string') {
      return reject(reason, field, `${field} must be a string, got ${describeType(value)}`)
    }
    if (value === '') return reject(reason, field, `${field} must not be empty`)
    return undefined
  }
}

function optionalObject(m: JsonObject, field: string, reason: MessageRejectReason) {
  const value = m[field]
  if (isAbsent(value) || isPlainObject(value)) return undefined
  return reject(reason, field, `${field} must be an object, got ${describeType(value)}`)
}

const objectField =
  (field: string, reason: MessageRejectReason): Check =>
  (m) =>
    optionalObject(m, field, reason)

const TYPE_CHECKS: Record<MessageType, Check[]> = {
  identify: [objectField('traits', 'traits_not_object')],
  track: [
    requiredString('event', 'event_not_defined', 'event_not_string'),
    objectField('properties', 'properties_not_object'),
    validateConsent,
  ],
  page: [
    optionalString('name', 'name_not_string'),
    optionalString('category', 'category_not_string'),
    objectField('properties', 'properties_not_object'),
  ],
  screen: [
    optionalString('name', 'name_not_string'),
    optionalString('category', 'category_not_string'),
    objectField('properties', 'properties_not_object'),
  ],
  group: [
    requiredString('groupId', 'group_id_not_defined', 'group_id_not_string'),
    objectField('traits', 'traits_not_object'),
  ],
  alias: [requiredString('previousId', 'previous_id_not_defined', 'previous_id_not_string')],
}

/** Every check of a type, in the order `validateMessage` documents; built once, not per message. */
const checksOf = (type: MessageType): readonly Check[] => [
  checkEnvelopeObjects,
  checkIdentity,
  checkMessageId,
  ...TYPE_CHECKS[type],
  checkAdvertisingId,
]
const CHECKS: Record<MessageType, readonly Check[]> = {
  identify: checksOf('identify'),
  track: checksOf('track'),
  page: checksOf('page'),
  screen: checksOf('screen'),
  group: checksOf('group'),
  alias: checksOf('alias'),
}

function checkAdvertisingId(m: JsonObject): MessageRejection | undefined {
  const device = isPlainObject(m.context) ? m.context.device : undefined
  if (!isPlainObject(device) || isAbsent(device.advertisingId) || typeof device.advertisingId === 'string') {
    return undefined
  }
  return reject(
    'device_advertisingid_should_be_string',
    'context.device.advertisingId',
    `context.device.advertisingId must be a string, got ${describeType(device.advertisingId)}`,
  )
}

/** Spec fields where JSON `null` means "not given"; they are left out of the normalised message. */
const NULLABLE_FIELDS = new Set([
  'messageId',
  'userId',
  'anonymousId',
  'context',
  'integrations',
  'event',
  'properties',
  'traits',
  'name',
  'category',
  'groupId',
  'previousId',
])

const DATE_FIELDS = new Set(['timestamp', 'sentAt', 'originalTimestamp', 'receivedAt'])

/** Which object holds an event's "properties" for the 10,000 limit. */
const PROPERTY_FIELD: Record<MessageType, 'properties' | 'traits' | undefined> = {
  identify: 'traits',
  track: 'properties',
  page: 'properties',
  screen: 'properties',
  group: 'traits',
  alias: undefined,
}

/**
 * The message as ingest keeps it: `type` set; Spec fields given as `null` left out; an empty `messageId`
 * left out (ingest assigns one); date fields that are not strings left out (ingest then uses its own
 * clock); `writeKey` removed (it is a credential, read by the route); properties (or traits) past the
 * 10,000th dropped. Everything else passes through as sent. The input is never modified.
 */
function normaliseMessage(input: JsonObject, type: MessageType): ValidationResult {
  const message: JsonObject = { type }
  for (const field of Object.keys(input)) {
    if (field === 'writeKey' || field === 'type') continue
    const value = input[field]
    if (value === null && NULLABLE_FIELDS.has(field)) continue
    if (field === 'messageId' && value === '') continue
    if (DATE_FIELDS.has(field) && typeof value !== 'string') continue
    // A literal "__proto__" key (JSON.parse makes it an own property) must stay a property.
    if (field === '__proto__') defineField(message, field, value)
    else message[field] = value
  }
  let droppedProperties = 0
  const propertyField = PROPERTY_FIELD[type]
  const properties = propertyField === undefined ? undefined : message[propertyField]
  if (propertyField !== undefined && isPlainObject(properties)) {
    const limited = keepFirstKeys(properties, MAX_PROPERTIES_PER_EVENT)
    message[propertyField] = limited.kept
    droppedProperties = limited.dropped
  }
  // The checks above established the shape of the message's type.
  return { ok: true, message: message as SegmentMessage, droppedProperties }
}
