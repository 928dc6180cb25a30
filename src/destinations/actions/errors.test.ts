import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NetworkError } from '../http.ts'
import { classifyActionError, classifyMultistatus } from './errors.ts'

const NOW = Date.parse('2026-01-01T00:00:00Z')

/** An error as actions-core builds it: the class name, and the fields it sets. */
const named = (name: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(String(fields['message'] ?? name)), { name, ...fields })

const response = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers: {
    forEach: (fn: (v: string, n: string) => void) => Object.entries(headers).forEach(([n, v]) => fn(v, n)),
  },
})

// The framework's error classes onto the retry rules (Destinations digest §4.7, §3.1).
test('errors thrown by Actions definitions: retried or dropped, with a stable code', () => {
  const cases: [string, unknown, 'retry' | 'drop', string][] = [
    ['HTTPError 500', named('HTTPError', { response: response(500) }), 'retry', '500'],
    ['HTTPError 429', named('HTTPError', { response: response(429) }), 'retry', '429'],
    ['HTTPError 408', named('HTTPError', { response: response(408) }), 'retry', '408'],
    ['HTTPError 400', named('HTTPError', { response: response(400) }), 'drop', '400'],
    ['HTTPError 404', named('HTTPError', { response: response(404) }), 'drop', '404'],
    [
      'RetryableError',
      named('RetryableError', { status: 500, code: 'RETRYABLE_ERROR' }),
      'retry',
      'RETRYABLE_ERROR',
    ],
    ['APIError 503', named('APIError', { status: 503, code: '503' }), 'retry', '503'],
    ['APIError 422', named('APIError', { status: 422, code: '422' }), 'drop', '422'],
    [
      'IntegrationError 429',
      named('IntegrationError', { status: 429, code: 'RATE_LIMITED' }),
      'retry',
      'RATE_LIMITED',
    ],
    ['IntegrationError 400', named('IntegrationError', { status: 400, code: 'BAD' }), 'drop', 'BAD'],
    [
      'PayloadValidationError',
      named('PayloadValidationError', { status: 400 }),
      'drop',
      'PAYLOAD_VALIDATION_FAILED',
    ],
    ['a mapping missing a required field', named('AggregateAjvError'), 'drop', 'PAYLOAD_VALIDATION_FAILED'],
    ['ValidationError', named('ValidationError'), 'drop', 'PAYLOAD_VALIDATION_FAILED'],
    [
      'InvalidAuthenticationError',
      named('InvalidAuthenticationError', { code: 'INVALID_AUTHENTICATION' }),
      'drop',
      'INVALID_AUTHENTICATION',
    ],
    [
      'OAuth refresh failed',
      named('InvalidAuthenticationError', { code: 'OAUTH_REFRESH_FAILED' }),
      'drop',
      'OAUTH_REFRESH_FAILED',
    ],
    ["actions-core's timeout", named('TimeoutError', { code: 'ETIMEDOUT' }), 'retry', 'ETIMEDOUT'],
    ['RequestTimeoutError', named('RequestTimeoutError', { status: 408 }), 'retry', 'ETIMEDOUT'],
    ['an aborted request', named('RequestClientError', { status: 408 }), 'retry', 'ABORTED'],
    ["Switchyard's network error", new NetworkError('refused', 'ECONNREFUSED', 3), 'retry', 'ECONNREFUSED'],
    ['a bug in a definition', new TypeError('x is undefined'), 'retry', 'UNKNOWN_ERROR'],
    ['a thrown string', 'boom', 'retry', 'UNKNOWN_ERROR'],
  ]
  for (const [name, error, kind, code] of cases) {
    const outcome = classifyActionError(error, NOW)
    assert.equal(outcome.kind, kind, name)
    assert.equal(outcome.code, code, name)
  }
})

test("a 429's Retry-After is honoured", () => {
  const outcome = classifyActionError(
    named('HTTPError', { response: response(429, { 'Retry-After': '7' }) }),
    NOW,
  )
  assert.equal(outcome.kind, 'retry')
  assert.equal(outcome.kind === 'retry' && outcome.retryAfterMs, 7_000)
})

test('entries of a batch answer (multistatus)', () => {
  const cases: [string, Parameters<typeof classifyMultistatus>[0], string, string][] = [
    ['200', { status: 200 }, 'delivered', '200'],
    ['500', { status: 500, errormessage: 'down' }, 'retry', '500'],
    ['429 with its type', { status: 429, errortype: 'TOO_MANY_REQUESTS' }, 'retry', 'TOO_MANY_REQUESTS'],
    [
      '400 validation',
      { status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED' },
      'drop',
      'PAYLOAD_VALIDATION_FAILED',
    ],
    ['missing entry', undefined, 'retry', '500'],
  ]
  for (const [name, entry, kind, code] of cases) {
    const outcome = classifyMultistatus(entry)
    assert.equal(outcome.kind, kind, name)
    assert.equal(outcome.code, code, name)
  }
})
