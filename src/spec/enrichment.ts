/**
 * What the Tracking API adds to a valid message before storing it (Spec §2, §2.1, §2.2, §4): a `messageId`
 * when the client sent none, the server's `receivedAt`, the client's times kept as `originalTimestamp` and
 * `sentAt`, the skew-corrected `timestamp`, and `context.ip` for events sent from the user's device.
 */
import { defineField, isAbsent, isPlainObject } from './json.ts'
import type { JsonObject, SegmentMessage, StoredMessage } from './messages.ts'
import { correctedTimestamp, formatTimestamp, readTimestamp, type ReadTimestamp } from './timestamps.ts'

export interface EnrichmentContext {
  /** Server clock when the request arrived: one value for every message of a request. */
  receivedAt: Date
  /** The request's `sentAt` (a batch's top-level field); preferred over the message's own. */
  sentAt?: string
  /** The address the request came from, as the route resolved it. */
  clientIp?: string
  /**
   * The source sends from users' devices (a website or mobile source), so the request's address is the
   * user's. When unset, the message's own `context.library` and `context.direct` decide.
   */
  clientSide?: boolean
  newMessageId: () => string
}

/**
 * Libraries that run on the user's device (`context.library.name`). Segment fills `context.ip` from the
 * request only for client-side events; server libraries must send it themselves.
 */
export const CLIENT_SIDE_LIBRARIES: ReadonlySet<string> = new Set([
  'analytics.js',
  'analytics-ios',
  'analytics-android',
  'analytics-swift',
  'analytics-kotlin',
  'analytics-react-native',
  'analytics-flutter',
])

/**
 * The message as stored. Times are ISO-8601 UTC with milliseconds:
 * - `originalTimestamp`: the client's `timestamp` as sent (else its `originalTimestamp`); left out when the
 *   client sent no readable time.
 * - `sentAt`: the request's `sentAt`, else the message's; left out when neither is readable.
 * - `receivedAt`: `ctx.receivedAt`, whatever the client sent.
 * - `timestamp`: `receivedAt − (sentAt − originalTimestamp)` when both client times exist,
 *   `originalTimestamp` when there is no `sentAt`, `receivedAt` when there is no client time.
 * Returns a new object; the input is not modified.
 */
export function enrichMessage(message: SegmentMessage, ctx: EnrichmentContext): StoredMessage {
  const request = requestValues(ctx)
  const original = readTimestamp(message.timestamp) ?? readTimestamp(message.originalTimestamp)
  const sentAt = request.sentAt ?? readTimestamp(message.sentAt)
  const messageId =
    typeof message.messageId === 'string' && message.messageId !== '' ? message.messageId : ctx.newMessageId()
  const stored: Record<string, unknown> = {}
  for (const key of Object.keys(message)) {
    if (CLIENT_TIME_FIELDS.has(key)) continue
    const value = (message as Record<string, unknown>)[key]
    // A literal "__proto__" key (JSON.parse makes it an own property) must stay a property.
    if (key === '__proto__') defineField(stored, key, value)
    else stored[key] = value
  }
  const context = contextWithIp(message.context, request.clientIp, ctx.clientSide)
  if (context !== undefined) stored.context = context
  stored.messageId = messageId
  if (original) stored.originalTimestamp = original.text
  if (sentAt) stored.sentAt = sentAt.text
  stored.receivedAt = request.receivedAtText
  stored.timestamp = timestampText(request, original, sentAt)
  return stored as StoredMessage
}

/** `correctedTimestamp`'s result as stored text, reusing the texts already at hand where it is one of them. */
function timestampText(
  request: RequestValues,
  original: ReadTimestamp | undefined,
  sentAt: ReadTimestamp | undefined,
): string {
  if (original === undefined) return request.receivedAtText
  if (sentAt === undefined) return original.text
  const timestamp = correctedTimestamp({
    receivedAt: request.receivedAt,
    sentAt: sentAt.date,
    originalTimestamp: original.date,
  })
  if (timestamp === request.receivedAt) return request.receivedAtText
  return timestamp === original.date ? original.text : formatTimestamp(timestamp)
}

/** The time fields a client may send; the stored message gets them recomputed. */
const CLIENT_TIME_FIELDS: ReadonlySet<string> = new Set([
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'receivedAt',
])

/** What every message of a request shares, worked out once per request. */
interface RequestValues {
  receivedAt: Date
  receivedAtText: string
  sentAt: ReadTimestamp | undefined
  /** The request's address as stored (see `clientIpOf`). */
  clientIp: string | undefined
}

/**
 * Callers pass the same context object for all the messages of a request: its values are read and
 * formatted once per context.
 */
const valuesOfRequest = new WeakMap<EnrichmentContext, RequestValues>()
function requestValues(ctx: EnrichmentContext): RequestValues {
  let values = valuesOfRequest.get(ctx)
  if (!values) {
    values = {
      receivedAt: ctx.receivedAt,
      receivedAtText: formatTimestamp(ctx.receivedAt),
      sentAt: readTimestamp(ctx.sentAt),
      clientIp: clientIpOf(ctx.clientIp),
    }
    valuesOfRequest.set(ctx, values)
  }
  return values
}

function contextWithIp(
  context: JsonObject | undefined,
  ip: string | undefined,
  clientSide: boolean | undefined,
): JsonObject | undefined {
  if (ip === undefined) return context
  if (context !== undefined && !isAbsent(context.ip) && context.ip !== '') return context
  if (!isFromDevice(context, clientSide)) return context
  return { ...context, ip }
}

function isFromDevice(context: JsonObject | undefined, clientSide: boolean | undefined): boolean {
  if (clientSide !== undefined) return clientSide || context?.direct === true
  if (context?.direct === true) return true
  const library = context?.library
  return isPlainObject(library) && typeof library.name === 'string' && CLIENT_SIDE_LIBRARIES.has(library.name)
}

/** The request's address as stored: an IPv4 address reached over an IPv6 socket loses its `::ffff:` prefix. */
function clientIpOf(clientIp: string | undefined): string | undefined {
  const ip = clientIp?.trim()
  if (ip === undefined || ip === '') return undefined
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
  return mapped?.[1] ?? ip
}
