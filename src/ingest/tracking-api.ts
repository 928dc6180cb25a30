/**
 * The Tracking API: Segment's collector, durable before it answers.
 *
 * Contract: a message is acknowledged (200) only after the stream has written it durably; when the
 * stream is over its limits the answer is 503 with Retry-After and nothing is written, so Segment's
 * clients retry and nothing accepted is ever lost. Bad input gets a 4xx naming Segment's reason and
 * the field; it never reaches the stream and never takes the server down.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError, isSwitchyardError } from '../errors/index.ts'
import {
  INGEST_TOPIC,
  enrichMessage,
  readBatch,
  trackingPathTarget,
  validateMessage,
  type MessageType,
} from '../spec/index.ts'
import type { Source } from '../store/index.ts'
import { UndecodableBody, decodeBody } from './body.ts'
import { MAX_MESSAGE_BYTES, MAX_REQUEST_BYTES } from './limits.ts'
import { StreamClosedError, StreamUnavailableError, type EventStream } from '../stream/index.ts'
import { writeKeyOf, type WriteKeyResolver } from './write-keys.ts'

export interface TrackingApiOptions {
  stream: EventStream
  writeKeys: WriteKeyResolver
  now?: () => Date
  /** Told about each message refused for a known source (Delivery Overview's "failed on ingest"). */
  onRejected?: (source: Source, reason: string, raw: unknown, at: Date) => void
}

export interface Rejection {
  index: number
  reason: string
  field: string
  message: string
}

/** A 1×1 transparent GIF, the pixel API's answer. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

export const trackingApi: FastifyPluginAsync<TrackingApiOptions> = async (app, options) => {
  const now = options.now ?? (() => new Date())

  // Every body is read raw and decoded by us: JSON whatever the Content-Type, gzip, strict UTF-8.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES }, (_request, body, done) =>
    done(null, body),
  )
  app.setErrorHandler(answerError)

  /**
   * Validates, enriches and durably appends `raw` messages; returns what was refused. `sentAt` is
   * the batch's; a single message carries its own, which enrichment reads from the message.
   */
  async function accept(
    request: FastifyRequest,
    body: unknown,
    raws: unknown[],
    acceptOptions: { expectedType?: MessageType; clientSide?: boolean; sentAt?: string | undefined } = {},
  ) {
    const { expectedType, clientSide, sentAt } = acceptOptions
    const source = await authorise(request, body, options.writeKeys)
    const receivedAt = now()
    const rejected: Rejection[] = []
    const records: { key: string; value: string; dedupeId: string }[] = []
    // The envelope is written around each message's JSON, so every message is serialised once.
    const envelopeStart = `{"sourceId":${JSON.stringify(source.id)},"workspaceId":${JSON.stringify(source.workspaceId)},"message":`
    // One context for the whole request: enrichment reads its times once per context.
    const enrichment = {
      receivedAt,
      ...(sentAt !== undefined && { sentAt }),
      clientIp: request.ip,
      ...(clientSide !== undefined && { clientSide }),
      newMessageId: randomUUID,
    }
    raws.forEach((raw, index) => {
      const result = validateMessage(raw, expectedType)
      if (!result.ok) {
        rejected.push({ index, reason: result.reason, field: result.field, message: result.detail })
        return
      }
      const message = enrichMessage(result.message, enrichment)
      const json = JSON.stringify(message)
      // Measured as stored, with the fields Switchyard adds (receivedAt, timestamp, …: about 200 bytes).
      // A UTF-16 unit is at most 3 UTF-8 bytes, so a short text needs no count.
      const size = json.length * 3 <= MAX_MESSAGE_BYTES ? 0 : Buffer.byteLength(json)
      if (size > MAX_MESSAGE_BYTES) {
        rejected.push({
          index,
          reason: 'message_too_large',
          field: '',
          message: `The message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES} (32 KB)`,
        })
        return
      }
      records.push({ key: source.id, value: `${envelopeStart}${json}}`, dedupeId: message.messageId })
    })
    // The answer waits for this: durable before acknowledged. Duplicates within the window are dropped here.
    if (records.length > 0) await options.stream.append(INGEST_TOPIC, records, { dedupeScope: source.id })
    if (options.onRejected)
      for (const r of rejected) options.onRejected(source, r.reason, raws[r.index], receivedAt)
    return { accepted: records.length, rejected }
  }

  async function pushBack(reply: FastifyReply): Promise<void> {
    const health = await options.stream.health()
    if (health.accepting) return
    reply.header('Retry-After', health.retryAfterSeconds)
    throw new SwitchyardError(
      'SY_INGEST_OVERLOADED',
      `Switchyard is not accepting data right now (${health.overLimits.join(', ')}); retry after ${health.retryAfterSeconds} s`,
    )
  }

  app.post<{ Params: { call: string } }>('/v1/:call', async (request, reply) => {
    const call = trackingPathTarget(request.params.call)
    if (!call) {
      return reply.code(404).send({
        success: false,
        code: 'SY_HTTP_NOT_FOUND',
        message: `No endpoint /v1/${request.params.call}`,
      })
    }
    await pushBack(reply)
    const body = decode(request)
    if (call === 'batch') {
      const batch = readBatch(body)
      if (!batch.ok) {
        const code = batch.reason === 'empty_batch' ? 'SY_INGEST_EMPTY_BATCH' : 'SY_INGEST_BAD_REQUEST'
        throw new SwitchyardError(code, batch.detail, { field: batch.field, data: { reason: batch.reason } })
      }
      const { accepted, rejected } = await accept(request, body, batch.messages, { sentAt: batch.sentAt })
      if (batch.overLimit > 0) {
        rejected.push({
          index: batch.messages.length,
          reason: 'batch_limit_exceeded',
          field: 'batch',
          message: `A batch holds at most ${batch.messages.length} messages; the last ${batch.overLimit} were dropped`,
        })
      }
      if (accepted === 0) {
        throw new SwitchyardError('SY_INGEST_EMPTY_BATCH', 'No message of the batch was valid', {
          field: 'batch',
          data: { reason: 'empty_batch_result', rejected },
        })
      }
      return rejected.length > 0 ? { success: true, rejected } : { success: true }
    }
    const { rejected } = await accept(request, body, [body], { expectedType: call })
    if (rejected.length > 0) throw rejectionError(rejected[0]!)
    return { success: true }
  })

  app.get<{ Params: { call: string }; Querystring: { data?: string } }>(
    '/v1/pixel/:call',
    async (request, reply) => {
      const type = trackingPathTarget(request.params.call)
      reply.type('image/gif').header('Cache-Control', 'no-store')
      if (!type || type === 'batch') {
        return reply.code(404).header('X-Switchyard-Error', 'SY_HTTP_NOT_FOUND').send(PIXEL)
      }
      try {
        await pushBack(reply)
        const data = request.query.data ?? ''
        const body = decodeBody(Buffer.from(data, /[-_]/.test(data) ? 'base64url' : 'base64'), undefined)
        // Pixels load in mail clients and browsers: the requester is the user's device.
        const { rejected } = await accept(request, body, [body], { expectedType: type, clientSide: true })
        if (rejected.length > 0) throw rejectionError(rejected[0]!)
        return PIXEL
      } catch (e) {
        const error = toIngestError(e as FastifyError)
        return reply
          .code(error.status)
          .header('X-Switchyard-Error', `${error.code} ${error.type}`)
          .send(PIXEL)
      }
    },
  )
}

function decode(request: FastifyRequest): unknown {
  if (!Buffer.isBuffer(request.body)) {
    throw new SwitchyardError('SY_INGEST_BAD_REQUEST', 'The request has no body; send a JSON object')
  }
  return decodeBody(request.body, request.headers['content-encoding'])
}

async function authorise(
  request: FastifyRequest,
  body: unknown,
  writeKeys: WriteKeyResolver,
): Promise<Source> {
  const writeKey = writeKeyOf(request, body)
  if (!writeKey) {
    throw new SwitchyardError(
      'SY_INGEST_UNKNOWN_SOURCE',
      'Send the write key as the Basic auth user name, or as "writeKey" in the body',
      { field: 'writeKey' },
    )
  }
  const source = await writeKeys.resolve(writeKey)
  if (!source)
    throw new SwitchyardError('SY_INGEST_UNKNOWN_SOURCE', 'No source has this write key', {
      field: 'writeKey',
    })
  if (!source.enabled) {
    throw new SwitchyardError('SY_INGEST_SOURCE_DISABLED', `Source ${source.slug} is disabled`, {
      field: 'writeKey',
    })
  }
  return source
}

function rejectionError(r: Rejection): SwitchyardError {
  const code = r.reason === 'message_too_large' ? 'SY_INGEST_MESSAGE_TOO_LARGE' : 'SY_INGEST_INVALID_MESSAGE'
  return new SwitchyardError(code, r.message, { field: r.field, data: { reason: r.reason } })
}

function toIngestError(error: FastifyError | Error): SwitchyardError {
  if (isSwitchyardError(error)) return error
  if (error instanceof StreamClosedError) {
    return new SwitchyardError('SY_STREAM_UNAVAILABLE', 'Switchyard is shutting down; retry in a moment')
  }
  if (error instanceof StreamUnavailableError) {
    return new SwitchyardError(
      'SY_STREAM_UNAVAILABLE',
      'The event stream cannot be reached; retry in a moment',
      {
        cause: error,
      },
    )
  }
  if (error instanceof UndecodableBody) {
    return new SwitchyardError(
      error.tooLarge ? 'SY_INGEST_REQUEST_TOO_LARGE' : 'SY_INGEST_BAD_REQUEST',
      error.message,
    )
  }
  const fe = error as FastifyError
  if (fe.statusCode === 413) {
    return new SwitchyardError(
      'SY_INGEST_REQUEST_TOO_LARGE',
      `The request body is larger than ${MAX_REQUEST_BYTES / 1024} KB`,
    )
  }
  if (fe.statusCode !== undefined && fe.statusCode < 500)
    return new SwitchyardError('SY_INGEST_BAD_REQUEST', fe.message)
  return new SwitchyardError('SY_HTTP_INTERNAL', 'Internal error', { cause: error })
}

/** `{success:false, code, reason, message, field?, rejected?}`: Segment's reason plus our stable code. */
function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const e = toIngestError(error)
  const expected = e.code === 'SY_INGEST_OVERLOADED' || e.code === 'SY_STREAM_UNAVAILABLE'
  if (e.status >= 500 && !expected) request.log.error({ err: error }, 'tracking API request failed')
  if (e.code === 'SY_STREAM_UNAVAILABLE') reply.header('Retry-After', 1)
  const data = (e.data ?? {}) as { reason?: string; rejected?: Rejection[] }
  return reply.code(e.status).send({
    success: false,
    code: e.code,
    reason: data.reason ?? e.type,
    message:
      e.status >= 500 && e.code !== 'SY_INGEST_OVERLOADED'
        ? `Internal error (request id ${request.id})`
        : e.message,
    ...(e.field !== undefined && e.field !== '' && { field: e.field }),
    ...(data.rejected && { rejected: data.rejected }),
  })
}
