/**
 * What to do after one delivery attempt (Destinations digest §3.1, §18.2; Sources digest §8):
 *
 * - 2xx: delivered.
 * - 408, 423, 429 and every 5xx: retry. Network errors and timeouts: retry.
 * - Every other 3xx and 4xx: dropped for good; sending the same request again cannot succeed. (Redirects
 *   are not followed, see `http.ts`.) A status outside 200–599 is retried.
 * - `Retry-After` (seconds or an HTTP date) is honoured on 429 and 503.
 * - Retries use randomized exponential back-off and stop when the retry window (4 hours) has passed:
 *   then the message is dead-lettered.
 *
 * Pure: time and randomness are arguments. The codes in outcomes are what Delivery Overview shows under
 * "Failed delivery", in Segment's spelling: the status (`"429"`, `"500"`), or the error code
 * (`ECONNREFUSED`, `ETIMEDOUT`, `INTERNAL`).
 */
import { HttpSendError, InvalidRequestError, headerValue } from './http.ts'

export interface RetryPolicy {
  /** Upper bound of the first back-off step; each later step doubles it. */
  baseDelayMs: number
  /** No step grows beyond this. */
  maxDelayMs: number
  /**
   * `equal`: wait between half and all of the step (never less than half). `full`: anywhere from zero to
   * the step.
   */
  jitter: 'full' | 'equal'
  /** How long after the first attempt retries may still happen; then the message is dead-lettered. */
  retryWindowMs: number
}

/**
 * 5 s doubling to 20 min with equal jitter, for 4 hours: 20 to 32 attempts (24 on average) for a
 * destination that stays down, the last at the end of the window. The window is Segment's; the 20-minute
 * cap is the only cap Segment documents (source functions).
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 5_000,
  maxDelayMs: 20 * 60_000,
  jitter: 'equal',
  retryWindowMs: 4 * 60 * 60_000,
})

/** A policy with `overrides` applied to the defaults; throws `RangeError` naming a bad field. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): Readonly<RetryPolicy> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides }
  for (const field of ['baseDelayMs', 'maxDelayMs', 'retryWindowMs'] as const) {
    const value = policy[field]
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${field} must be a number ≥ 0, got ${value}`)
    }
  }
  if (policy.maxDelayMs < policy.baseDelayMs) throw new RangeError('maxDelayMs must be ≥ baseDelayMs')
  if (policy.jitter !== 'full' && policy.jitter !== 'equal') {
    throw new RangeError(`jitter must be "full" or "equal", got ${String(policy.jitter)}`)
  }
  return Object.freeze(policy)
}

/** The outcome of one attempt. `code` is stable and shown to users. */
export type AttemptOutcome =
  | { kind: 'delivered'; code: string; status: number }
  | { kind: 'retry'; code: string; status?: number; retryAfterMs?: number; detail: string }
  | { kind: 'drop'; code: string; status?: number; detail: string }

/** Statuses retried besides 5xx (the Actions framework's rule, adopted in Destinations digest §18.2). */
const RETRIED_4XX = new Set([408, 423, 429])

/** Statuses whose `Retry-After` is honoured. */
const RETRY_AFTER_STATUSES = new Set([429, 503])

/** Classifies an HTTP answer. `now` (epoch ms) turns a `Retry-After` date into a delay. */
export function classifyResponse(
  response: { status: number; headers: Record<string, string> },
  now: number,
): AttemptOutcome {
  const { status } = response
  const code = String(status)
  if (status >= 200 && status < 300) return { kind: 'delivered', code, status }
  if (status >= 300 && status < 400) {
    return { kind: 'drop', code, status, detail: `redirect (${status}) not followed` }
  }
  if (status >= 400 && status < 500 && !RETRIED_4XX.has(status)) {
    return { kind: 'drop', code, status, detail: `rejected with ${status}` }
  }
  const retryAfterMs = RETRY_AFTER_STATUSES.has(status)
    ? parseRetryAfter(headerValue(response.headers, 'retry-after'), now)
    : undefined
  return {
    kind: 'retry',
    code,
    status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    detail: `answered ${status}`,
  }
}

/**
 * Classifies what `sendHttp` threw. Network errors (`NetworkError`: its system code) and timeouts
 * (`ETIMEDOUT`) are retried; so is `ABORTED` (our shutdown, not the destination's fault: the runtime
 * should not count it as an attempt). A request that cannot be sent (`INVALID_REQUEST`) is dropped.
 * Anything else is a fault of ours, retried as `INTERNAL`.
 */
export function classifyError(error: unknown): AttemptOutcome {
  if (error instanceof InvalidRequestError) return { kind: 'drop', code: error.code, detail: error.message }
  if (error instanceof HttpSendError) return { kind: 'retry', code: error.code, detail: error.message }
  const message = error instanceof Error ? error.message : String(error)
  return { kind: 'retry', code: 'INTERNAL', detail: message }
}

/**
 * `Retry-After` as a delay in ms: delta-seconds (`"120"`) or an HTTP date (a past date means now).
 * `undefined` when absent or unreadable, so the back-off applies.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  if (!/[a-z]/i.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * The wait before the next attempt, after `attempt` attempts have failed (1 after the first).
 * The step is `baseDelayMs · 2^(attempt−1)`, at most `maxDelayMs`; `random` (in [0, 1)) picks the wait
 * within it according to `policy.jitter`.
 */
export function nextDelayMs(
  attempt: number,
  random: () => number,
  policy: Readonly<RetryPolicy> = DEFAULT_RETRY_POLICY,
): number {
  const n = Math.max(1, Math.floor(Number.isFinite(attempt) ? attempt : 1))
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(n - 1, 1024))
  const r = Math.min(1, Math.max(0, random()))
  const delay = policy.jitter === 'full' ? step * r : step / 2 + (step / 2) * r
  return Math.round(delay)
}

/** Whether a retry may still happen `now`, for a message first attempted at `firstAttemptAt` (epoch ms). */
export function withinRetryWindow(
  firstAttemptAt: number,
  now: number,
  policy: Readonly<RetryPolicy> = DEFAULT_RETRY_POLICY,
): boolean {
  return now < firstAttemptAt + policy.retryWindowMs
}

export interface RetryContext {
  /** Attempts made so far, this one included (1 after the first). */
  attempt: number
  /** Epoch ms of the first attempt. */
  firstAttemptAt: number
  /** Epoch ms now. */
  now: number
  random: () => number
  policy?: Readonly<RetryPolicy>
}

/** What the runtime does next with the message (or batch) of an attempt. */
export type NextStep =
  | { action: 'delivered'; code: string }
  | { action: 'retry'; code: string; delayMs: number }
  | { action: 'drop'; code: string; detail: string }
  | { action: 'dead_letter'; code: string; detail: string }

/**
 * Combines the outcome with the schedule. A retry waits the back-off, or the `Retry-After` if longer,
 * but never past the end of the window: the last try happens at the window's end. If even that is too
 * soon for the destination's `Retry-After`, or the window is over, the message is dead-lettered.
 */
export function nextStep(outcome: AttemptOutcome, context: RetryContext): NextStep {
  if (outcome.kind === 'delivered') return { action: 'delivered', code: outcome.code }
  if (outcome.kind === 'drop') return { action: 'drop', code: outcome.code, detail: outcome.detail }
  const policy = context.policy ?? DEFAULT_RETRY_POLICY
  const deadline = context.firstAttemptAt + policy.retryWindowMs
  const remaining = deadline - context.now
  const expired = (why: string): NextStep => ({
    action: 'dead_letter',
    code: outcome.code,
    detail: `${outcome.detail}; ${why}`,
  })
  if (!withinRetryWindow(context.firstAttemptAt, context.now, policy)) {
    return expired(`retry window of ${formatDuration(policy.retryWindowMs)} is over`)
  }
  if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > remaining) {
    return expired(`Retry-After asks to wait past the end of the retry window`)
  }
  const backoff = nextDelayMs(context.attempt, context.random, policy)
  const delayMs = Math.min(Math.max(backoff, outcome.retryAfterMs ?? 0), remaining)
  return { action: 'retry', code: outcome.code, delayMs }
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  if (ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${ms / 1000} s`
}
