import { headers as natsHeaders, type MsgHdrs } from 'nats'
import type { QueueItem } from '../queues.ts'
import type { RecordValue } from '../stream.ts'

/**
 * How a queue item is stored as a JetStream message: the payload is the value's bytes (UTF-8 for
 * text), the rest rides in headers. A parked copy also carries what the work stream keeps elsewhere
 * (attempts in the attempts bucket, the reason in the park call).
 */
/** When it was enqueued, by the stream's clock; a parked or unparked copy keeps the original time. */
const ENQUEUED_AT = 'Sy-Enqueued-At'
/** Present when the value is bytes; text otherwise. */
const BYTES = 'Sy-Bytes'
/** On parked copies: the attempts when parked. */
const ATTEMPTS = 'Sy-Attempts'
/** On parked copies: the reason given to `park` (URI-encoded: a header value has no line breaks). */
const LAST_ERROR = 'Sy-Last-Error'

export interface EncodedItem {
  readonly payload: Uint8Array
  readonly headers: MsgHdrs
}

/** A message as read back: delivered by the claims consumer or got by sequence or subject. */
export interface StoredItem {
  readonly headers: MsgHdrs | undefined
  readonly data: Uint8Array
}

/** An item for the work stream. */
export function encodeItem(value: RecordValue, enqueuedAt: number): EncodedItem {
  const headers = natsHeaders()
  headers.set(ENQUEUED_AT, String(enqueuedAt))
  if (typeof value === 'string') return { payload: Buffer.from(value, 'utf8'), headers }
  headers.set(BYTES, '1')
  return { payload: value, headers }
}

/** The parked copy of a stored item, with its attempts and the reason it was parked. */
export function encodeParked(stored: StoredItem, attempts: number, lastError: string): EncodedItem {
  const headers = natsHeaders()
  headers.set(ENQUEUED_AT, String(enqueuedAtOf(stored)))
  if (stored.headers?.has(BYTES)) headers.set(BYTES, '1')
  headers.set(ATTEMPTS, String(attempts))
  headers.set(LAST_ERROR, encodeURIComponent(lastError))
  return { payload: stored.data, headers }
}

/** A parked copy back on the work stream: the value and enqueue time as they were, attempts reset. */
export function encodeUnparked(stored: StoredItem): EncodedItem {
  const headers = natsHeaders()
  headers.set(ENQUEUED_AT, String(enqueuedAtOf(stored)))
  if (stored.headers?.has(BYTES)) headers.set(BYTES, '1')
  return { payload: stored.data, headers }
}

/** An item of the work stream, with the attempts and last error kept beside it. */
export function decodeItem(
  id: number,
  stored: StoredItem,
  attempts: number,
  lastError: string | undefined,
): QueueItem {
  return { id, value: valueOf(stored), attempts, enqueuedAt: enqueuedAtOf(stored), lastError }
}

/** A parked copy, with the attempts and reason it carries. */
export function decodeParked(id: number, stored: StoredItem): QueueItem {
  const lastError = stored.headers?.get(LAST_ERROR)
  return decodeItem(
    id,
    stored,
    Number(stored.headers?.get(ATTEMPTS) || 0),
    lastError ? decodeURIComponent(lastError) : undefined,
  )
}

function valueOf({ headers, data }: StoredItem): RecordValue {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return headers?.has(BYTES) ? Buffer.from(view) : view.toString('utf8')
}

const enqueuedAtOf = (stored: StoredItem): number => Number(stored.headers?.get(ENQUEUED_AT) || 0)
