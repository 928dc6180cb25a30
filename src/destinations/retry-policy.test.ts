import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AbortedError, InvalidRequestError, NetworkError, TimeoutError } from './http.ts'
import {
  DEFAULT_RETRY_POLICY,
  classifyError,
  classifyResponse,
  nextDelayMs,
  nextStep,
  parseRetryAfter,
  retryPolicy,
  withinRetryWindow,
  type AttemptOutcome,
  type NextStep,
} from './retry-policy.ts'

const NOW = Date.parse('2024-05-01T12:00:00.000Z')
const HOUR = 3_600_000

// Destinations digest §3.1 and §18.2: "retry 5xx, 408, 423, 429, network errors, and timeouts; every other
// 4xx is permanent"; 2xx is success (§18.3).
test('statuses: 2xx delivered; 408, 423, 429, 5xx retried; other 3xx/4xx dropped', () => {
  const cases: [number, AttemptOutcome['kind']][] = [
    [200, 'delivered'],
    [201, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'drop'],
    [307, 'drop'],
    [400, 'drop'],
    [401, 'drop'],
    [403, 'drop'],
    [404, 'drop'],
    [410, 'drop'],
    [413, 'drop'],
    [422, 'drop'],
    [408, 'retry'],
    [423, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [501, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [599, 'retry'],
    [600, 'retry'],
  ]
  for (const [status, kind] of cases) {
    const outcome = classifyResponse({ status, headers: {} }, NOW)
    assert.equal(outcome.kind, kind, String(status))
    assert.equal(outcome.code, String(status), `${status}: code is the status, as Delivery Overview shows it`)
  }
})

// Sources digest §8 appendix: Retry-After in seconds; RFC 9110 also allows an HTTP date.
test('Retry-After is honoured on 429 and 503 only', () => {
  const in30s = new Date(NOW + 30_000).toUTCString()
  const cases: [string, number, Record<string, string>, number | undefined][] = [
    ['429 with seconds', 429, { 'retry-after': '7' }, 7000],
    ['header name in any case', 429, { 'Retry-After': '7' }, 7000],
    ['503 with an HTTP date', 503, { 'retry-after': in30s }, 30_000],
    ['503 with a past date: now', 503, { 'retry-after': new Date(NOW - 60_000).toUTCString() }, 0],
    ['429 with garbage: back-off instead', 429, { 'retry-after': 'soon' }, undefined],
    ['429 without the header', 429, {}, undefined],
    ['500 ignores Retry-After', 500, { 'retry-after': '7' }, undefined],
    ['408 ignores Retry-After', 408, { 'retry-after': '7' }, undefined],
  ]
  for (const [name, status, headers, expected] of cases) {
    const outcome = classifyResponse({ status, headers }, NOW)
    assert.equal(outcome.kind, 'retry', name)
    assert.equal(outcome.kind === 'retry' ? outcome.retryAfterMs : 'n/a', expected, name)
  }
})

test('parseRetryAfter: delta-seconds or HTTP date', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['120', 120_000],
    [' 5 ', 5000],
    ['0', 0],
    ['-1', undefined],
    ['1.5', undefined],
    ['', undefined],
    [undefined, undefined],
    ['Wed, 01 May 2024 12:01:00 GMT', 60_000],
    ['Wednesday, 01-May-24 12:00:10 GMT', 10_000],
    ['2024-05-01', undefined],
    ['2024', 2_024_000],
  ]
  for (const [value, expected] of cases) assert.equal(parseRetryAfter(value, NOW), expected, String(value))
})

// §3.1: connection errors and timeouts are retried; Sources digest §8 lists the codes Delivery Overview shows.
test('send errors: network and timeout retried, invalid requests dropped, the unknown retried as INTERNAL', () => {
  const cases: [string, unknown, AttemptOutcome['kind'], string][] = [
    ['refused', new NetworkError('refused', 'ECONNREFUSED', 3), 'retry', 'ECONNREFUSED'],
    ['DNS', new NetworkError('no such host', 'ENOTFOUND', 3), 'retry', 'ENOTFOUND'],
    ['reset', new NetworkError('reset', 'ECONNRESET', 3), 'retry', 'ECONNRESET'],
    ['timeout', new TimeoutError('slow', 'ETIMEDOUT', 5000), 'retry', 'ETIMEDOUT'],
    ['aborted by us', new AbortedError('shutdown', 'ABORTED', 10), 'retry', 'ABORTED'],
    ['cannot be sent', new InvalidRequestError('bad url', 'INVALID_REQUEST', 0), 'drop', 'INVALID_REQUEST'],
    ['a bug', new TypeError('x is undefined'), 'retry', 'INTERNAL'],
    ['a thrown string', 'oops', 'retry', 'INTERNAL'],
  ]
  for (const [name, error, kind, code] of cases) {
    const outcome = classifyError(error)
    assert.equal(outcome.kind, kind, name)
    assert.equal(outcome.code, code, name)
  }
})

// §3.1: "randomized exponential backoff"; §18.1: explicit, configurable parameters.
test('back-off: doubling steps, capped, with equal or full jitter', () => {
  const equal = retryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 'equal' })
  const full = retryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 'full' })
  const cases: [string, number, number, typeof equal, number][] = [
    ['equal, attempt 1, random 0: half the step', 1, 0, equal, 500],
    ['equal, attempt 1, random 0.5', 1, 0.5, equal, 750],
    ['equal, attempt 1, random ~1: the whole step', 1, 0.9999999, equal, 1000],
    ['equal, attempt 2 doubles', 2, 0, equal, 1000],
    ['equal, attempt 4', 4, 0, equal, 4000],
    ['equal, attempt 7 reaches the cap', 7, 0.9999999, equal, 60_000],
    ['equal, attempt 50 stays at the cap', 50, 0, equal, 30_000],
    ['equal, attempt 5000 does not overflow', 5000, 0, equal, 30_000],
    ['attempt 0 counts as 1', 0, 0, equal, 500],
    ['full, random 0: no wait', 3, 0, full, 0],
    ['full, random 0.5', 3, 0.5, full, 2000],
    ['full, capped', 20, 0.5, full, 30_000],
    ['random outside [0, 1) is clamped', 1, 7, full, 1000],
  ]
  for (const [name, attempt, r, policy, expected] of cases) {
    assert.equal(
      nextDelayMs(attempt, () => r, policy),
      expected,
      name,
    )
  }
  assert.equal(
    nextDelayMs(1, () => 0),
    DEFAULT_RETRY_POLICY.baseDelayMs / 2,
    'defaults: equal jitter from 5 s',
  )
})

// §3.1: retried "for 4 hours".
test('retry window: 4 hours from the first attempt by default', () => {
  const cases: [string, number, boolean][] = [
    ['right after the first attempt', NOW, true],
    ['just before 4 h', NOW + 4 * HOUR - 1, true],
    ['at 4 h', NOW + 4 * HOUR, false],
    ['after 4 h', NOW + 5 * HOUR, false],
  ]
  for (const [name, now, expected] of cases) assert.equal(withinRetryWindow(NOW, now), expected, name)
  assert.equal(
    withinRetryWindow(NOW, NOW + 2 * HOUR, retryPolicy({ retryWindowMs: HOUR })),
    false,
    'configurable',
  )
})

test('nextStep: back-off, Retry-After, the end of the window, dead letters', () => {
  const retry = (extra: Partial<AttemptOutcome & { kind: 'retry' }> = {}): AttemptOutcome => ({
    kind: 'retry',
    code: '503',
    status: 503,
    detail: 'answered 503',
    ...extra,
  })
  const policy = retryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 'equal', retryWindowMs: HOUR })
  const at = (now: number, attempt = 1) => ({ attempt, firstAttemptAt: NOW, now, random: () => 0, policy })
  const cases: [string, AttemptOutcome, ReturnType<typeof at>, NextStep['action'], number | undefined][] = [
    ['delivered', { kind: 'delivered', code: '200', status: 200 }, at(NOW), 'delivered', undefined],
    ['dropped', { kind: 'drop', code: '400', status: 400, detail: 'x' }, at(NOW), 'drop', undefined],
    ['retry after the back-off', retry(), at(NOW, 3), 'retry', 2000],
    ['Retry-After longer than the back-off wins', retry({ retryAfterMs: 9000 }), at(NOW, 3), 'retry', 9000],
    ['back-off longer than Retry-After wins', retry({ retryAfterMs: 100 }), at(NOW, 3), 'retry', 2000],
    ['the last try is at the end of the window', retry(), at(NOW + HOUR - 500, 6), 'retry', 500],
    [
      'Retry-After past the window: dead letter',
      retry({ retryAfterMs: 2 * HOUR }),
      at(NOW),
      'dead_letter',
      undefined,
    ],
    ['window over: dead letter', retry(), at(NOW + HOUR, 12), 'dead_letter', undefined],
  ]
  for (const [name, outcome, context, action, delayMs] of cases) {
    const step = nextStep(outcome, context)
    assert.equal(step.action, action, name)
    assert.equal(step.action === 'retry' ? step.delayMs : undefined, delayMs, name)
  }
  const dead = nextStep(retry(), at(NOW + 2 * HOUR))
  assert.deepEqual(dead, {
    action: 'dead_letter',
    code: '503',
    detail: 'answered 503; retry window of 1 h is over',
  })
})

test('retryPolicy validates its fields', () => {
  assert.deepEqual(retryPolicy(), DEFAULT_RETRY_POLICY)
  assert.throws(() => retryPolicy({ baseDelayMs: -1 }), /baseDelayMs/)
  assert.throws(() => retryPolicy({ retryWindowMs: Number.NaN }), /retryWindowMs/)
  assert.throws(() => retryPolicy({ baseDelayMs: 10, maxDelayMs: 5 }), /maxDelayMs/)
  assert.throws(() => retryPolicy({ jitter: 'none' as 'full' }), /jitter/)
})
