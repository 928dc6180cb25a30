/**
 * Segment's message shapes (the Spec): six call types that share the common fields. Fields the Spec does
 * not name (`channel`, `_metadata`, anything a library adds) pass through untouched, so every message type
 * carries an index signature. Timestamps are ISO-8601 strings.
 */

export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const

export type MessageType = (typeof MESSAGE_TYPES)[number]

export const isMessageType = (value: unknown): value is MessageType =>
  typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value)

/** Any JSON object: `context`, `integrations`, `properties`, `traits`. Their contents are not typed by the Spec. */
export type JsonObject = Record<string, unknown>

/** Fields every call type shares. */
export interface CommonFields {
  messageId?: string
  userId?: string
  anonymousId?: string
  /** Environment information: `library`, `ip`, `page`, `device`, `consent`, … (Spec "Context"). */
  context?: JsonObject
  /** Destination name → `true`, `false` or an options object; `All` is the default for unnamed ones. */
  integrations?: JsonObject
  /** When the event happened. From the client: as sent. Once stored: skew-corrected. */
  timestamp?: string
  /** Client clock when the request was sent. */
  sentAt?: string
  /** Client clock when the call was made (the client's `timestamp`); set at ingest. */
  originalTimestamp?: string
  /** Server clock at ingest; one value per request. */
  receivedAt?: string
  /** Tracking API version: examples show both `2` and `"1.1"`. */
  version?: number | string
  [field: string]: unknown
}

export interface IdentifyMessage extends CommonFields {
  type: 'identify'
  traits?: JsonObject
}

export interface TrackMessage extends CommonFields {
  type: 'track'
  event: string
  properties?: JsonObject
}

export interface PageMessage extends CommonFields {
  type: 'page'
  name?: string
  category?: string
  properties?: JsonObject
}

export interface ScreenMessage extends CommonFields {
  type: 'screen'
  name?: string
  category?: string
  properties?: JsonObject
}

export interface GroupMessage extends CommonFields {
  type: 'group'
  groupId: string
  traits?: JsonObject
}

export interface AliasMessage extends CommonFields {
  type: 'alias'
  previousId: string
}

/** A message that passed `validateMessage`. */
export type SegmentMessage =
  IdentifyMessage | TrackMessage | PageMessage | ScreenMessage | GroupMessage | AliasMessage

/** A message as ingest stores it: `enrichMessage` always sets these three. */
export type StoredMessage = SegmentMessage & { messageId: string; receivedAt: string; timestamp: string }

/** The one-letter paths analytics.js posts to (`/v1/t`, …); `b` is its batch path. */
export const SHORT_PATHS = {
  t: 'track',
  i: 'identify',
  p: 'page',
  s: 'screen',
  g: 'group',
  a: 'alias',
  b: 'batch',
} as const satisfies Record<string, MessageType | 'batch'>

/**
 * What a Tracking API path names: a message type, or `batch` for `/v1/batch`, `/v1/import` and `/v1/b`.
 * Takes the last path segment (`track`, `t`, `batch`, …); `undefined` for anything else.
 */
export function trackingPathTarget(segment: string): MessageType | 'batch' | undefined {
  if (isMessageType(segment)) return segment
  if (segment === 'batch' || segment === 'import') return 'batch'
  return Object.hasOwn(SHORT_PATHS, segment) ? SHORT_PATHS[segment as keyof typeof SHORT_PATHS] : undefined
}

/** Longest accepted `messageId`, in characters (the dedup key). */
export const MAX_MESSAGE_ID_LENGTH = 100

/** Properties (or traits) kept per event; the excess is not persisted. */
export const MAX_PROPERTIES_PER_EVENT = 10_000

/** Messages accepted in one batch request; the rest are rejected. */
export const MAX_BATCH_MESSAGES = 2_500

/** The Track event whose consent object is validated strictly. */
export const CONSENT_PREFERENCE_UPDATED_EVENT = 'Segment Consent Preference Updated'
