import { createHash } from 'node:crypto'
import { headers as natsHeaders, type MsgHdrs } from 'nats'
import type { AppendRecord, StreamRecord } from '../stream.ts'

/**
 * How a record is stored as a JetStream message: the payload is the value's bytes (UTF-8 for text),
 * so the server's `Nats-Msg-Size` is the value's size; everything else rides in headers.
 */
const KEY = 'Sy-Key'
/** When it was appended, by the stream's clock (the server's own timestamp ignores an injected clock). */
const APPENDED_AT = 'Sy-Appended-At'
/** Present when the value is bytes; text otherwise. */
const BYTES = 'Sy-Bytes'
/** Set by the server on headers-only deliveries. */
const MSG_SIZE = 'Nats-Msg-Size'

export interface EncodedRecord {
  readonly payload: Uint8Array
  readonly headers: MsgHdrs
}

export function encodeRecord(record: AppendRecord, appendedAt: number): EncodedRecord {
  const headers = natsHeaders()
  headers.set(KEY, encodeURIComponent(record.key))
  headers.set(APPENDED_AT, String(appendedAt))
  if (typeof record.value === 'string') return { payload: Buffer.from(record.value, 'utf8'), headers }
  headers.set(BYTES, '1')
  return { payload: record.value, headers }
}

/**
 * The `Nats-Msg-Id` of a record: a hash of its dedupe scope and id (132 bits, base64url), so that the
 * header has a fixed length whatever the client sent, and the server's in-memory table of ids stays
 * small.
 */
export function messageId(scope: string, dedupeId: string): string {
  return createHash('sha256')
    .update(`${scope.length}:${scope}`)
    .update(dedupeId)
    .digest('base64url')
    .slice(0, 22)
}

/** A message as a cursor delivers it. */
export interface StoredMessage {
  readonly seq: number
  readonly headers: MsgHdrs | undefined
  readonly data: Uint8Array
}

export function decodeRecord(topic: string, message: StoredMessage): StreamRecord {
  const { headers, data } = message
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return {
    topic,
    offset: message.seq,
    key: decodeURIComponent(headers?.get(KEY) ?? ''),
    value: headers?.has(BYTES) ? Buffer.from(view) : view.toString('utf8'),
    appendedAt: appendedAt(headers),
  }
}

export function appendedAt(headers: MsgHdrs | undefined): number {
  return Number(headers?.get(APPENDED_AT) ?? 0)
}

/** The value's size on a headers-only delivery. */
export function messageSize(headers: MsgHdrs | undefined): number {
  return Number(headers?.get(MSG_SIZE) ?? 0)
}

export interface DeliveryInfo {
  readonly streamSeq: number
  /** The consumer's own sequence: 1, 2, 3… without gaps unless a delivery was lost. */
  readonly consumerSeq: number
  /** How many times the consumer has delivered this message, this time included. */
  readonly deliveries: number
}

/**
 * Reads the reply subject of a consumer delivery: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream
 * seq>.<consumer seq>.<ts>.<pending>`, or the newer form with domain and account hash after `ACK`.
 */
export function deliveryInfo(reply: string | undefined): DeliveryInfo | undefined {
  if (reply === undefined || !reply.startsWith('$JS.ACK.')) return undefined
  const tokens = reply.split('.')
  const at = tokens.length === 9 ? 2 : tokens.length >= 11 ? 4 : -1
  if (at < 0) return undefined
  const deliveries = Number(tokens[at + 2])
  const streamSeq = Number(tokens[at + 3])
  const consumerSeq = Number(tokens[at + 4])
  if (![deliveries, streamSeq, consumerSeq].every(Number.isSafeInteger)) return undefined
  return { streamSeq, consumerSeq, deliveries }
}
