/**
 * What an error thrown by an Actions definition means for delivery (Destinations digest §4.7): the
 * framework's error classes mapped onto Switchyard's retry rules. Pure; errors are recognised by
 * name and fields, as actions-core sets them, so that the table tests need no definition.
 *
 * - `HTTPError` (a vendor answered non-2xx): the status decides, as for any destination, `Retry-After`
 *   honoured.
 * - `RetryableError`: retried.
 * - `APIError`, `IntegrationError` with a status: retried on 408, 423, 429 and 5xx, dropped otherwise.
 * - `PayloadValidationError`, a mapping that fails the action's schema (`AggregateAjvError`,
 *   `ValidationError`) and `InvalidAuthenticationError`: dropped with their message.
 * - actions-core's own timeouts and aborts, and Switchyard's network errors: retried.
 * - Anything else (a bug in a definition): retried, so that it ends in the dead-letter store rather
 *   than being lost.
 */
import { HttpSendError } from '../http.ts'
import { classifyError, classifyResponse, type AttemptOutcome } from '../retry-policy.ts'

interface ErrorLike {
  name?: string
  message?: string
  code?: unknown
  status?: unknown
  response?: { status?: number; headers?: { forEach?(fn: (value: string, name: string) => void): void } }
}

const RETRIED_STATUSES = new Set([408, 423, 429])
const retriedStatus = (status: number) => RETRIED_STATUSES.has(status) || status >= 500

function headersOf(response: ErrorLike['response']): Record<string, string> {
  const headers: Record<string, string> = {}
  response?.headers?.forEach?.((value, name) => (headers[name.toLowerCase()] = value))
  return headers
}

export function classifyActionError(error: unknown, now: number): AttemptOutcome {
  if (error instanceof HttpSendError) return classifyError(error)
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike
  const detail = e.message || e.name || 'the action failed'
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : undefined
  const status = typeof e.status === 'number' ? e.status : undefined
  switch (e.name) {
    case 'HTTPError':
      if (typeof e.response?.status === 'number') {
        const outcome = classifyResponse({ status: e.response.status, headers: headersOf(e.response) }, now)
        return outcome.kind === 'delivered' ? outcome : { ...outcome, detail }
      }
      break
    case 'RetryableError':
      return { kind: 'retry', code: 'RETRYABLE_ERROR', ...(status !== undefined && { status }), detail }
    case 'PayloadValidationError':
    case 'AggregateAjvError':
    case 'ValidationError':
      return { kind: 'drop', code: 'PAYLOAD_VALIDATION_FAILED', status: 400, detail }
    case 'InvalidAuthenticationError':
      return { kind: 'drop', code: code ?? 'INVALID_AUTHENTICATION', status: 401, detail }
    case 'TimeoutError':
    case 'RequestTimeoutError':
    case 'SelfTimeoutError':
      return { kind: 'retry', code: 'ETIMEDOUT', detail }
    case 'RequestClientError':
      return { kind: 'retry', code: 'ABORTED', detail }
  }
  if (status !== undefined) {
    return retriedStatus(status)
      ? { kind: 'retry', code: code ?? String(status), status, detail }
      : { kind: 'drop', code: code ?? String(status), status, detail }
  }
  return { kind: 'retry', code: code ?? 'UNKNOWN_ERROR', detail }
}

/** One entry of an action's batch answer (`multistatus`), as an outcome. */
export function classifyMultistatus(
  entry: { status?: number; errortype?: string; errormessage?: string } | undefined,
): AttemptOutcome {
  const status = entry?.status ?? 500
  if (status >= 200 && status < 300) return { kind: 'delivered', code: String(status), status }
  const detail = entry?.errormessage ?? `status ${status}`
  const code = entry?.errortype ?? String(status)
  return retriedStatus(status) && code !== 'PAYLOAD_VALIDATION_FAILED'
    ? { kind: 'retry', code, status, detail }
    : { kind: 'drop', code, status, detail }
}
