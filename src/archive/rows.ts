import type { IngestEnvelope } from '../spec/index.ts'
import type { NewArchivedMessage } from '../store/index.ts'

/**
 * Longest value kept in an indexed archive column (messageId, userId, anonymousId, event name).
 * PostgreSQL refuses index entries above about 2.7 KB; 512 characters of UTF-8 stay below that.
 * Longer values are still in the archived message, only not searchable.
 */
export const MAX_INDEXED_LENGTH = 512

/**
 * The text to store in an indexed column, or null: numbers become text (some libraries send
 * numeric ids); values that are too long or hold a NUL character (PostgreSQL text can't) are left
 * out. Pure.
 */
export function indexable(value: unknown): string | null {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (typeof text !== 'string' || text.length > MAX_INDEXED_LENGTH || text.includes('\0')) return null
  return text
}

/** `value` as `toISOString()` text when it is a time, else `fallbackMs` (the stream's append time). */
export function isoTime(value: unknown, fallbackMs: number): string {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN
  return new Date(Number.isNaN(ms) ? fallbackMs : ms).toISOString()
}

/** The archive row of an ingested message. Pure. */
export function archiveRow(
  envelope: IngestEnvelope,
  blocked: boolean,
  appendedAt: number,
): NewArchivedMessage {
  const message = envelope.message
  return {
    workspaceId: envelope.workspaceId,
    sourceId: envelope.sourceId,
    receivedAt: isoTime(message.receivedAt, appendedAt),
    messageId: indexable(message.messageId) ?? '',
    type: String(message.type),
    event: message.type === 'track' ? indexable(message.event) : null,
    userId: indexable(message.userId),
    anonymousId: indexable(message.anonymousId),
    blocked,
    message: JSON.stringify(message),
  }
}

/**
 * The envelope a replay puts on a destination's queue: the shape ingest appends and the process
 * stage passes on, around the archived message's JSON.
 */
export const envelopeJson = (m: { sourceId: string; workspaceId: string; message: string }): string =>
  `{"sourceId":${JSON.stringify(m.sourceId)},"workspaceId":${JSON.stringify(m.workspaceId)},"message":${m.message}}`
