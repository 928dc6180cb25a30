/**
 * A destination as the delivery runtime drives it: the checks' view of it, how many messages go in
 * one delivery, and `deliver`, which turns messages into requests, sends them and says how it went.
 * The runtime (queues, retries, isolation) is the same for every destination; only drivers differ.
 */
import type { StoredMessage } from '../spec/index.ts'
import type { DeliveryTarget, DropReason } from './checks.ts'
import { applyEgress } from './egress.ts'
import { sendHttp, type HttpRequest, type HttpResponse } from './http.ts'
import { classifyError, classifyResponse, type AttemptOutcome } from './retry-policy.ts'
import {
  WEBHOOK_DESTINATION,
  buildWebhookRequests,
  combineHookOutcomes,
  validateWebhookSettings,
} from './webhook.ts'

/** One request and what came back (or the error's outcome), for samples and the event tester. */
export interface Exchange {
  readonly request: HttpRequest
  readonly response: HttpResponse | undefined
  readonly outcome: AttemptOutcome
}

/** What happened to one message of a delivery: an attempt's outcome, or filtered before any send. */
export type MessageOutcome = AttemptOutcome | { kind: 'filtered'; reason: DropReason; detail: string }

export interface DeliveryResult {
  /** The outcome of the delivery as a whole (for every message, unless `outcomes` says otherwise). */
  readonly outcome: AttemptOutcome
  /** One outcome per message, in order, when they differ (Actions mappings, batch answers). */
  readonly outcomes?: readonly MessageOutcome[]
  readonly exchanges: readonly Exchange[]
  /** The exchanges made for each message, in order, when not every exchange concerns every message. */
  readonly messageExchanges?: readonly (readonly Exchange[])[]
}

export interface DeliverContext {
  readonly signal?: AbortSignal
  /** Sandbox egress: every request goes here instead (see `egress.ts`). */
  readonly egressUrl?: string
  readonly now: () => number
}

export interface DestinationDriver {
  readonly target: DeliveryTarget
  /** Messages per delivery (1 unless the destination batches). */
  readonly batchSize: number
  /**
   * How long a batching driver's worker may hold messages to fill a batch (0 or absent: send what
   * is there at once).
   */
  readonly flushIntervalMs?: number
  deliver(messages: readonly StoredMessage[], context: DeliverContext): Promise<DeliveryResult>
}

/** Sends one request, classifying the answer or the failure. */
export async function exchange(
  request: HttpRequest,
  context: DeliverContext,
  timeoutMs: number,
): Promise<Exchange> {
  const sent = context.egressUrl !== undefined ? applyEgress(request, context.egressUrl) : request
  try {
    const response = await sendHttp(sent, { timeoutMs, ...(context.signal && { signal: context.signal }) })
    return { request: sent, response, outcome: classifyResponse(response, context.now()) }
  } catch (error) {
    return { request: sent, response: undefined, outcome: classifyError(error) }
  }
}

/** The classic Webhook destination; throws `TypeError` naming the field when settings are invalid. */
export function webhookDriver(
  rawSettings: unknown,
  consentCategories: readonly string[] = [],
): DestinationDriver {
  const checked = validateWebhookSettings(rawSettings)
  if (!checked.ok) {
    throw new TypeError(checked.errors.map((e) => `${e.field}: ${e.message}`).join('; '))
  }
  const settings = checked.settings
  return {
    target: {
      name: WEBHOOK_DESTINATION.name,
      supportedTypes: WEBHOOK_DESTINATION.supportedTypes,
      consentCategories,
    },
    batchSize: settings.enableBatching ? (settings.batchSize ?? 100) : 1,
    async deliver(messages, context) {
      const requests = buildWebhookRequests(messages, settings)
      const exchanges = await Promise.all(
        requests.map((request) => exchange(request, context, WEBHOOK_DESTINATION.timeoutMs)),
      )
      if (exchanges.length === 0) {
        return {
          outcome: { kind: 'drop', code: 'NO_WEBHOOK_URL', detail: 'no webhook URL is configured' },
          exchanges,
        }
      }
      return { outcome: combineHookOutcomes(exchanges.map((e) => e.outcome)), exchanges }
    },
  }
}
