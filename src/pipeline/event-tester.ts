/**
 * The event tester (Destinations digest §10): sends one message to one destination instance now, past
 * the queue, the retries and the destination's filters (as Segment's does), and answers with every
 * request made and every answer received, credentials masked. On an Actions destination the message
 * goes to each enabled mapping whose trigger matches it, or, to test one mapping as it is being
 * edited, to the mapping given (enabled or not, its trigger ignored).
 */
import { randomUUID } from 'node:crypto'
import {
  actionsDriver,
  findDestinationEntry,
  type ActionsDriver,
  type AttemptOutcome,
  type DestinationDriver,
  type Exchange,
  type MappingConfig,
  type MappingResult,
} from '../destinations/index.ts'
import { enrichMessage, validateMessage, type StoredMessage } from '../spec/index.ts'
import type { Destination, Repositories } from '../store/index.ts'
import { sampleRequest, sampleResponse } from './delivery-aggregate.ts'
import { driverFor } from './delivery-runtime.ts'

export const NO_MATCHING_SUBSCRIPTION = 'You may not have any subscriptions that match this event.'

export interface EventTestResult {
  /** Null for a destination without mappings (the classic Webhooks). */
  readonly mappingId: string | null
  readonly mappingName: string | null
  readonly outcome: AttemptOutcome
  readonly requests: readonly ReturnType<typeof exchangeView>[]
}

export type EventTest =
  | { ok: true; message: StoredMessage; results: EventTestResult[] }
  | { ok: false; field: string; detail: string }

const exchangeView = (exchange: Exchange) => ({
  request: sampleRequest(exchange),
  response: exchange.response ? sampleResponse(exchange) : null,
  outcome: exchange.outcome,
})

/** A message as the tester sends it: checked by the Tracking API's rules, stamped like ingest would. */
export function testMessage(
  input: unknown,
): { ok: true; message: StoredMessage } | { ok: false; field: string; detail: string } {
  const checked = validateMessage(input)
  if (!checked.ok) return { ok: false, field: checked.field, detail: `${checked.reason}: ${checked.detail}` }
  const given = input as { receivedAt?: unknown }
  const message =
    typeof given.receivedAt === 'string'
      ? ({ ...checked.message, receivedAt: given.receivedAt } as StoredMessage)
      : enrichMessage(checked.message, { receivedAt: new Date(), newMessageId: randomUUID })
  return { ok: true, message }
}

export async function runEventTest(
  destination: Destination,
  store: Pick<Repositories, 'destinations' | 'destinationSubscriptions'>,
  input: unknown,
  options: { mapping?: Omit<MappingConfig, 'enabled'>; now?: () => number } = {},
): Promise<EventTest> {
  const checked = testMessage(input)
  if (!checked.ok) return checked
  const { message } = checked
  const context = {
    now: options.now ?? Date.now,
    ...(destination.egressUrl !== null && { egressUrl: destination.egressUrl }),
  }
  if (options.mapping !== undefined) {
    const record = findDestinationEntry(destination.metadataId)?.definition
    if (!record) return { ok: false, field: 'mapping', detail: 'this destination type has no mappings' }
    const driver = actionsDriver({
      record,
      settings: destination.settings,
      mappings: [{ ...options.mapping, enabled: true }],
    })
    const { matched } = await driver.test(message, context, { anyTrigger: true })
    return { ok: true, message, results: matched.map(mappingView) }
  }
  const driver = await driverFor(destination, store)
  if (typeof driver === 'string')
    return { ok: false, field: 'destinationId', detail: `cannot test: ${driver}` }
  if (isActionsDriver(driver)) {
    const { matched } = await driver.test(message, context)
    return { ok: true, message, results: matched.map(mappingView) }
  }
  const { outcome, exchanges } = await driver.deliver([message], context)
  return {
    ok: true,
    message,
    results: [{ mappingId: null, mappingName: null, outcome, requests: exchanges.map(exchangeView) }],
  }
}

const isActionsDriver = (driver: DestinationDriver): driver is ActionsDriver => 'test' in driver

const mappingView = (m: MappingResult): EventTestResult => ({
  mappingId: m.mappingId,
  mappingName: m.mappingName,
  outcome: m.outcome,
  requests: m.exchanges.map(exchangeView),
})
