import { randomUUID } from 'node:crypto'
import { INGEST_TOPIC, enrichMessage, validateMessage } from '../spec/index.ts'
import type { EventStream } from '../stream/index.ts'
import { MAX_MESSAGE_BYTES } from './limits.ts'

export interface AppendRejection {
  index: number
  reason: string
  field: string
  message: string
}

/**
 * Messages produced inside Switchyard (the audit trail's forwarding) entering a source as the
 * Tracking API's do: validated by Segment's rules, enriched, size-checked, and appended durably to
 * the ingest stream with the source's dedupe scope, so a message re-sent with the same `messageId`
 * is dropped. Resolves once the append is durable.
 */
export async function appendToSource(
  stream: EventStream,
  source: { id: string; workspaceId: string },
  raws: readonly unknown[],
  options: { receivedAt: Date },
): Promise<{ accepted: number; rejected: AppendRejection[] }> {
  const enrichment = { receivedAt: options.receivedAt, newMessageId: randomUUID }
  const rejected: AppendRejection[] = []
  const records: { key: string; value: string; dedupeId: string }[] = []
  raws.forEach((raw, index) => {
    const result = validateMessage(raw)
    if (!result.ok) {
      rejected.push({ index, reason: result.reason, field: result.field, message: result.detail })
      return
    }
    const message = enrichMessage(result.message, enrichment)
    const value = JSON.stringify({ sourceId: source.id, workspaceId: source.workspaceId, message })
    if (Buffer.byteLength(value) > MAX_MESSAGE_BYTES + 256) {
      rejected.push({
        index,
        reason: 'message_too_large',
        field: '',
        message: 'over the 32 KB message limit',
      })
      return
    }
    records.push({ key: source.id, value, dedupeId: message.messageId })
  })
  if (records.length > 0) await stream.append(INGEST_TOPIC, records, { dedupeScope: source.id })
  return { accepted: records.length, rejected }
}
