/**
 * The envelope of `POST /v1/batch` (also `/v1/import` and analytics.js's `/v1/b`):
 * `{ batch: [...messages], context?, integrations?, sentAt?, writeKey? }`. Each message is validated on its
 * own afterwards, so one bad message never costs the others.
 */
import { isAbsent, isPlainObject, mergeObjects } from './json.ts'
import { MAX_BATCH_MESSAGES, type JsonObject } from './messages.ts'
import type { BatchRejectReason } from './reject-reasons.ts'

export interface BatchEnvelope {
  ok: true
  /**
   * The messages, still unvalidated, in request order (a message's index here is its index in the request).
   * The batch's `context` and `integrations` are already merged into every message that is an object; the
   * message's own values win.
   */
  messages: unknown[]
  /** How many messages past the first `MAX_BATCH_MESSAGES` were left out (to report as `batch_limit_exceeded`). */
  overLimit: number
  /** The batch's `sentAt` as sent, for `enrichMessage`; `undefined` when absent or not a string. */
  sentAt: string | undefined
  context: JsonObject | undefined
  integrations: JsonObject | undefined
  /** The body's `writeKey`, for authentication when there is no Authorization header. */
  writeKey: string | undefined
}

export interface BatchRejection {
  ok: false
  reason: Extract<BatchRejectReason, 'bad_request' | 'empty_batch'>
  /** The offending body field (`batch`, `context`, `integrations`); empty for the whole body. */
  field: string
  detail: string
}

/**
 * Reads a batch body. `bad_request` when the body is not an object or `batch` is present but not an array
 * (or the batch-level `context`/`integrations` are not objects); `empty_batch` when `batch` is missing or empty.
 */
export function readBatch(body: unknown): BatchEnvelope | BatchRejection {
  if (!isPlainObject(body))
    return { ok: false, reason: 'bad_request', field: '', detail: 'the body must be a JSON object' }
  const { batch, context, integrations } = body
  if (isAbsent(batch))
    return { ok: false, reason: 'empty_batch', field: 'batch', detail: 'the body has no batch' }
  if (!Array.isArray(batch))
    return { ok: false, reason: 'bad_request', field: 'batch', detail: 'batch must be an array' }
  if (batch.length === 0)
    return { ok: false, reason: 'empty_batch', field: 'batch', detail: 'the batch is empty' }
  for (const [field, value] of [
    ['context', context],
    ['integrations', integrations],
  ] as const) {
    if (!isAbsent(value) && !isPlainObject(value)) {
      return { ok: false, reason: 'bad_request', field, detail: `the batch's ${field} must be an object` }
    }
  }
  const batchContext = isPlainObject(context) ? context : undefined
  const batchIntegrations = isPlainObject(integrations) ? integrations : undefined
  const kept = batch.slice(0, MAX_BATCH_MESSAGES)
  return {
    ok: true,
    messages: kept.map((message: unknown) => withBatchDefaults(message, batchContext, batchIntegrations)),
    overLimit: batch.length - kept.length,
    sentAt: typeof body.sentAt === 'string' ? body.sentAt : undefined,
    context: batchContext,
    integrations: batchIntegrations,
    writeKey: readWriteKey(body),
  }
}

/** The `writeKey` field of a Tracking API body (single message or batch), when it is a non-empty string. */
export function readWriteKey(body: unknown): string | undefined {
  if (!isPlainObject(body)) return undefined
  return typeof body.writeKey === 'string' && body.writeKey !== '' ? body.writeKey : undefined
}

/**
 * Merges the batch's `context` and `integrations` under a message's own (deeply: a batch `context.device`
 * and a message `context.device` combine). A message whose own field is not an object keeps it as it is,
 * so validation still rejects it; a message that is not an object is returned untouched.
 */
function withBatchDefaults(
  message: unknown,
  context: JsonObject | undefined,
  integrations: JsonObject | undefined,
): unknown {
  if (!isPlainObject(message) || (context === undefined && integrations === undefined)) return message
  return {
    ...message,
    ...mergedField(message, 'context', context),
    ...mergedField(message, 'integrations', integrations),
  }
}

function mergedField(message: JsonObject, field: string, batchValue: JsonObject | undefined): JsonObject {
  if (batchValue === undefined) return {}
  const own = message[field]
  if (isAbsent(own)) return { [field]: batchValue }
  return isPlainObject(own) ? { [field]: mergeObjects(batchValue, own) } : {}
}
