/**
 * What the Tracking API adds to a valid message before storing it (Spec §2, §2.1, §2.2, §4): a `messageId`
 * when the client sent none, the server's `receivedAt`, the client's times kept as `originalTimestamp` and
 * `sentAt`, the skew-corrected `timestamp`, and `context.ip` for events sent from the user's device.
 */
import { isAbsent, isPlainObject } from './json.ts'
import type { JsonObject, SegmentMessage, StoredMessage } from './messages.ts'
import { correctedTimestamp, formatTimestamp, parseTimestamp } from './timestamps.ts'

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
  const originalTimestamp = parseTimestamp(message.timestamp) ?? parseTimestamp(message.originalTimestamp)
  const sentAt = parseTimestamp(ctx.sentAt) ?? parseTimestamp(message.sentAt)
  const timestamp = correctedTimestamp({ receivedAt: ctx.receivedAt, sentAt, originalTimestamp })
  const messageId =
    typeof message.messageId === 'string' && message.messageId !== '' ? message.messageId : ctx.newMessageId()

  const {
    timestamp: _timestamp,
    originalTimestamp: _originalTimestamp,
    sentAt: _sentAt,
    receivedAt: _receivedAt,
    ...rest
  } = message
  const context = contextWithIp(message.context, ctx)
  return {
    ...rest,
    messageId,
    ...(context === undefined ? {} : { context }),
    ...(originalTimestamp === undefined ? {} : { originalTimestamp: formatTimestamp(originalTimestamp) }),
    ...(sentAt === undefined ? {} : { sentAt: formatTimestamp(sentAt) }),
    receivedAt: formatTimestamp(ctx.receivedAt),
    timestamp: formatTimestamp(timestamp),
  } as StoredMessage
}

/**
 * `context` with the request's address as `context.ip`, when the message carries no IP of its own and the
 * event comes from the user's device: a client-side source, a client-side library, or `context.direct: true`
 * (how an HTTP API caller says it sends from the device). Otherwise the message's context, unchanged.
 */
function contextWithIp(context: JsonObject | undefined, ctx: EnrichmentContext): JsonObject | undefined {
  const ip = clientIpOf(ctx.clientIp)
  if (ip === undefined) return context
  if (context !== undefined && !isAbsent(context.ip) && context.ip !== '') return context
  if (!isFromDevice(context, ctx.clientSide)) return context
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
