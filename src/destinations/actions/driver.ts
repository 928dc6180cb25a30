/**
 * An Actions destination instance as the delivery runtime drives it. Its definition is loaded on
 * first use (only the definitions in use are ever imported); each enabled mapping is a subscription
 * run through actions-core (`onEvent`, or `onBatch` when the mapping turns batching on), so triggers,
 * the mapping kit, payload validation, `perform`/`performBatch` and OAuth token refresh behave as in
 * Segment. What comes back, or what is thrown, becomes an outcome per message (`errors.ts`).
 *
 * One message matching N mappings makes N requests; a message no enabled mapping matches is filtered
 * with the reason "No matching mapping". When several mappings match, the message's outcome is the
 * worst of theirs (retry, then drop, then delivered): a retry sends it to every mapping again.
 */
import { createRequire } from 'node:module'
import { MESSAGE_TYPES, type StoredMessage } from '../../spec/index.ts'
import {
  exchange,
  type DeliverContext,
  type DeliveryResult,
  type DestinationDriver,
  type Exchange,
  type MessageOutcome,
} from '../driver.ts'
import type { HttpRequest } from '../http.ts'
import type { AttemptOutcome } from '../retry-policy.ts'
import type { DefinitionRecord } from './catalog-record.ts'
import { actionsSecretValues } from './entries.ts'
import { classifyActionError, classifyMultistatus } from './errors.ts'
import { CALL_HEADER, closeScope, installFetchBridge, openScope } from './fetch-bridge.ts'

const require = createRequire(import.meta.url)

/** A mapping (Segment's subscription) as the driver runs it. */
export interface MappingConfig {
  readonly id: string
  readonly name: string
  readonly actionSlug: string
  /** The trigger, in Segment's subscription syntax. */
  readonly trigger: string
  readonly mapping: Readonly<Record<string, unknown>>
  readonly enabled: boolean
}

export interface ActionsDriverOptions {
  readonly record: DefinitionRecord
  readonly settings: Readonly<Record<string, unknown>>
  readonly mappings: readonly MappingConfig[]
  readonly consentCategories?: readonly string[]
  /** How long one request may take; default `ACTIONS_REQUEST_TIMEOUT_MS`. */
  readonly requestTimeoutMs?: number
  /** Called with the new tokens after an OAuth refresh, to keep them (`settings.oauth`). */
  readonly onTokenRefresh?: (oauth: Record<string, unknown>) => void | Promise<void>
}

/** What one mapping did with one test event, for the event tester. */
export interface MappingResult {
  readonly mappingId: string
  readonly mappingName: string
  readonly outcome: AttemptOutcome
  readonly exchanges: readonly Exchange[]
}

export interface ActionsDriver extends DestinationDriver {
  /**
   * Runs one message through every enabled mapping it matches (the event tester): no queue, no retry.
   * `anyTrigger` runs it through every enabled mapping whatever their triggers (testing one mapping).
   */
  test(
    message: StoredMessage,
    context: DeliverContext,
    options?: { anyTrigger?: boolean },
  ): Promise<{ matched: MappingResult[] }>
  /** The definition's `onDelete` for a user, when it has one (deletion requests). */
  readonly deleteUser?: (
    user: { userId?: string; anonymousId?: string },
    context: DeliverContext,
  ) => Promise<DeliveryResult>
}

type Loose = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface Subscriptions {
  parseFql(trigger: string): Loose & { error?: Error }
  validate(parsed: Loose, event: unknown): boolean
}

const definitions = new Map<string, Loose>()

/** actions-core's mapping kit: a mapping resolved against a message. */
const transform = (mapping: Readonly<Record<string, unknown>>, message: unknown): unknown =>
  (require('@segment/actions-core') as { transform: (m: unknown, d: unknown) => unknown }).transform(
    mapping,
    message,
  )

/** Runs `fn` for every item, at most `limit` at a time. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}

/** The definition of a record, imported on first use. */
export function loadDefinition(record: DefinitionRecord): Loose {
  let definition = definitions.get(record.metadataId)
  if (!definition) {
    const module = require(`@segment/action-destinations/dist/destinations/${record.directory}`) as Loose
    definition = (module.default ?? module) as Loose
    definitions.set(record.metadataId, definition)
  }
  return definition
}

/** How many definitions this process has imported (the bench reports memory against it). */
export const loadedDefinitions = (): number => definitions.size

/** A no-op stats client: definitions may count things; Switchyard's metrics come from the runtime. */
const STATS_CLIENT = new Proxy({}, { get: () => () => undefined })

interface CompiledMapping extends MappingConfig {
  readonly parsed: Loose | undefined
  readonly batching: boolean
  readonly batchSize: number
  readonly flushIntervalMs: number
  /** Fields whose mapped values must agree within one batch request. */
  readonly batchKeys: readonly string[]
}

/**
 * Switchyard's own key in a batching mapping: how long to wait for a full batch. Taken out of the
 * mapping before actions-core sees it (it is not one of the action's fields).
 */
export const FLUSH_INTERVAL_FIELD = 'batch_flush_interval_ms'
const MAX_FLUSH_INTERVAL_MS = 10_000

/** A destination object whose requests are tagged with the call it is lent to. */
interface Lent {
  scope: string | undefined
  readonly destination: Loose
}

const MAX_BATCH = 1000
/** Requests of one delivery in flight at once, for mappings that send one message per request. */
const MAX_REQUESTS_PER_DELIVERY = 8
/** Destination objects kept for reuse per driver. */
const MAX_IDLE_DESTINATIONS = 64
/** How long one request of an Actions destination may take (actions-core's own default). */
export const ACTIONS_REQUEST_TIMEOUT_MS = 10_000

/**
 * Definitions whose actions make no request: they hand back Tracking API calls (`{ batch }`) for
 * Segment's platform to send. Switchyard sends them itself, to Segment's collector (or, through
 * sandbox egress, wherever the instance points, such as another Switchyard's ingest port).
 */
const TRACKING_API_FORWARDS: Record<
  string,
  (settings: Record<string, unknown>, batch: unknown[]) => HttpRequest
> = {
  'actions-segment': (settings, batch) => ({
    method: 'POST',
    url: 'https://api.segment.io/v1/batch',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Segment (Actions)',
      authorization: `Basic ${Buffer.from(`${String(settings['source_write_key'] ?? '')}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  }),
}
const FORWARD_TIMEOUT_MS = 10_000

/** A trigger every message matches (to test a mapping whatever its own trigger). */
const MATCH_ALL = ['track', 'identify', 'page', 'screen', 'group', 'alias']
  .map((t) => `type = "${t}"`)
  .join(' or ')

function compileMappings(record: DefinitionRecord, mappings: readonly MappingConfig[]): CompiledMapping[] {
  const { parseFql } = require('@segment/destination-subscriptions') as Subscriptions
  return mappings
    .filter((m) => m.enabled && record.actions[m.actionSlug] !== undefined)
    .map((m) => {
      const parsed = parseFql(m.trigger)
      const action = record.actions[m.actionSlug]!
      const { [FLUSH_INTERVAL_FIELD]: flush, ...mapping } = m.mapping
      const batching = action.batch && mapping['enable_batching'] === true
      const size = Number(mapping['batch_size'] ?? action.fields['batch_size']?.default ?? 100)
      const flushMs = Number(flush ?? 0)
      const keys = mapping['batch_keys'] ?? action.fields['batch_keys']?.default ?? []
      return {
        ...m,
        mapping,
        batchKeys: Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [],
        flushIntervalMs:
          batching && Number.isFinite(flushMs) && flushMs > 0 ? Math.min(flushMs, MAX_FLUSH_INTERVAL_MS) : 0,
        // A trigger that does not parse matches nothing (Segment's rule).
        parsed: parsed.error ? undefined : parsed,
        batching,
        batchSize: batching && Number.isInteger(size) && size > 0 ? Math.min(size, MAX_BATCH) : 1,
      }
    })
}

/**
 * The other name an Actions destination answers to in the integrations object: "Actions Amplitude"
 * is also "Amplitude (Actions)", and "Mixpanel (Actions)" is also "Actions Mixpanel".
 */
export function actionsAliases(name: string): string[] {
  const prefixed = /^Actions (.+)$/.exec(name)
  if (prefixed) return [`${prefixed[1]} (Actions)`]
  const suffixed = /^(.+) \(Actions\)$/.exec(name)
  if (suffixed) return [`Actions ${suffixed[1]}`]
  return []
}

const RANK: Record<AttemptOutcome['kind'], number> = { delivered: 0, drop: 1, retry: 2 }

/** The worst of the outcomes of the mappings a message matched. */
export function worstOutcome(outcomes: readonly AttemptOutcome[]): AttemptOutcome {
  return outcomes.reduce((worst, o) => (RANK[o.kind] > RANK[worst.kind] ? o : worst))
}

const NO_MATCH = {
  kind: 'filtered',
  reason: 'no_matching_mapping',
  detail: 'No enabled mapping of this destination matches the message',
} as const satisfies MessageOutcome

export function actionsDriver(options: ActionsDriverOptions): ActionsDriver {
  installFetchBridge()
  const { record } = options
  const definition = loadDefinition(record)
  const { Destination } = require('@segment/actions-core') as { Destination: new (d: Loose) => Loose }
  const { validate } = require('@segment/destination-subscriptions') as Subscriptions
  const mappings = compileMappings(record, options.mappings)
  let settings: Record<string, unknown> = { ...options.settings }

  // Destination objects are lent to one call at a time, so that `extendRequest` knows whose requests
  // (the call's own and any OAuth refresh inside it) it is tagging. A handful serve any concurrency.
  const idle: Lent[] = []
  const lend = (): Lent => {
    const reused = idle.pop()
    if (reused) return reused
    const lent: Lent = { scope: undefined, destination: undefined as unknown as Loose }
    const extend = definition.extendRequest as ((data: unknown) => Loose) | undefined
    ;(lent as { destination: Loose }).destination = new Destination({
      ...definition,
      extendRequest: (data: unknown) => {
        const base = extend?.(data) ?? {}
        // actions-core drops its own 10 s timeout when a call has an abort signal (ours always
        // does), so the timeout is set here: a request must end well inside its delivery's lease.
        const timed = {
          ...base,
          timeout: base.timeout ?? options.requestTimeoutMs ?? ACTIONS_REQUEST_TIMEOUT_MS,
        }
        return lent.scope === undefined
          ? timed
          : { ...timed, headers: { ...(base.headers as object | undefined), [CALL_HEADER]: lent.scope } }
      },
    })
    return lent
  }

  /** Runs `fn` with a destination object whose requests are captured into `exchanges`. */
  async function withCall<T>(
    context: DeliverContext,
    fn: (destination: Loose, exchanges: Exchange[]) => Promise<T>,
  ): Promise<T> {
    const exchanges: Exchange[] = []
    const lent = lend()
    lent.scope = openScope({
      exchanges,
      now: context.now,
      redact: () => actionsSecretValues(record, settings),
      ...(context.egressUrl !== undefined && { egressUrl: context.egressUrl }),
    })
    try {
      return await fn(lent.destination, exchanges)
    } finally {
      closeScope(lent.scope)
      lent.scope = undefined
      // actions-core keeps every response a Destination object saw; a lent object lives long.
      lent.destination.responses = []
      if (idle.length < MAX_IDLE_DESTINATIONS) idle.push(lent)
    }
  }

  const runOptions = (context: DeliverContext) => ({
    statsContext: { statsClient: STATS_CLIENT, tags: [] as string[] },
    ...(context.signal && { signal: context.signal }),
    onTokenRefresh: async (tokens: Record<string, unknown>) => {
      // actions-core hands over `{ accessToken, refreshToken? }`, but reads the tokens back from the
      // `oauth` setting as `access_token` / `refresh_token` (its `getOAuth2Data`): keep them there.
      const oauth = {
        ...(settings['oauth'] as object | undefined),
        access_token: tokens['accessToken'],
        ...(tokens['refreshToken'] !== undefined && { refresh_token: tokens['refreshToken'] }),
      }
      settings = { ...settings, oauth }
      await options.onTokenRefresh?.(oauth)
    },
  })

  const subscriptionOf = (m: CompiledMapping, trigger = m.trigger) => ({
    ...settings,
    subscriptions: [{ partnerAction: m.actionSlug, subscribe: trigger, mapping: m.mapping }],
  })

  /**
   * What a call that ran did: delivered with its last answer's status. A call that made no request
   * is delivered with `NO_REQUEST`, unless it handed back calls for Segment's platform to send,
   * which nothing here sends (Switchyard forwards them only for the definitions it knows).
   */
  const ranOutcome = (exchanges: readonly Exchange[], data?: Loose): AttemptOutcome => {
    const status = exchanges.at(-1)?.response?.status
    if (status !== undefined) return { kind: 'delivered', code: String(status), status }
    if (Array.isArray(data?.['batch'])) {
      return {
        kind: 'drop',
        code: 'PLATFORM_CALLS_NOT_SENT',
        detail: `${record.name} hands its calls to Segment's platform to send; Switchyard does not send them for this destination`,
      }
    }
    return { kind: 'delivered', code: 'NO_REQUEST', status: 200 }
  }

  /** One message through one mapping (whatever its trigger, with `anyTrigger`). */
  async function runOne(
    m: CompiledMapping,
    message: StoredMessage,
    context: DeliverContext,
    anyTrigger = false,
  ) {
    return withCall(context, async (destination, exchanges) => {
      let outcome: AttemptOutcome
      try {
        const results = (await destination.onEvent(
          message,
          subscriptionOf(m, anyTrigger ? MATCH_ALL : m.trigger),
          runOptions(context),
        )) as Loose[]
        // actions-core answers a subscription it did not run with an `output` instead of throwing.
        const executed = results.find((r) => r?.output === 'Action Executed')
        const forward = TRACKING_API_FORWARDS[record.slug]
        if (!executed) {
          const detail = String(results[0]?.output ?? 'the action did not run')
          outcome = { kind: 'drop', code: 'NOT_SUBSCRIBED', detail }
        } else if (forward && Array.isArray(executed.data?.batch)) {
          const request = forward(settings, executed.data.batch as unknown[])
          const sent = await exchange(request, context, FORWARD_TIMEOUT_MS)
          exchanges.push(sent)
          outcome = sent.outcome
        } else {
          outcome = ranOutcome(exchanges, executed.data as Loose | undefined)
        }
      } catch (error) {
        outcome = classifyActionError(error, context.now())
      }
      return { outcome, exchanges }
    })
  }

  /** Messages through one batching mapping: one `performBatch`, an outcome per message. */
  async function runBatch(m: CompiledMapping, messages: readonly StoredMessage[], context: DeliverContext) {
    return withCall(context, async (destination, exchanges) => {
      try {
        const results = (await destination.onBatch(
          messages,
          subscriptionOf(m),
          runOptions(context),
        )) as Loose[]
        const multistatus = (results.find((r) => Array.isArray(r?.multistatus))?.multistatus ?? []) as Loose[]
        return { outcomes: messages.map((_, i) => classifyMultistatus(multistatus[i])), exchanges }
      } catch (error) {
        const outcome = classifyActionError(error, context.now())
        return { outcomes: messages.map(() => outcome), exchanges }
      }
    })
  }

  /**
   * Messages of one batch request must agree on the mapping's `batch_keys` (Webhook (Actions): url,
   * method and headers): `performBatch` sends the whole batch where its first payload says. Groups
   * message indexes by the mapped values of those keys.
   */
  function batchGroups(m: CompiledMapping, indexes: readonly number[], messages: readonly StoredMessage[]) {
    const keys = m.batchKeys
    if (keys.length === 0) return [indexes]
    const groups = new Map<string, number[]>()
    for (const i of indexes) {
      let key: string
      try {
        const payload = transform(m.mapping, messages[i]) as Loose
        key = JSON.stringify(keys.map((k) => payload[k] ?? null))
      } catch {
        key = '' // the action's own validation reports the mapping's problem for this message
      }
      const group = groups.get(key)
      if (group) group.push(i)
      else groups.set(key, [i])
    }
    return [...groups.values()]
  }

  const matches = (m: CompiledMapping, message: StoredMessage) =>
    m.parsed !== undefined && validate(m.parsed, message)

  async function deliver(
    messages: readonly StoredMessage[],
    context: DeliverContext,
  ): Promise<DeliveryResult> {
    const perMessage: AttemptOutcome[][] = messages.map(() => [])
    const messageExchanges: Exchange[][] = messages.map(() => [])
    const exchanges: Exchange[] = []
    const note = (indexes: readonly number[], made: readonly Exchange[]) => {
      exchanges.push(...made)
      for (const i of indexes) messageExchanges[i]!.push(...made)
    }
    await Promise.all(
      mappings.map(async (m) => {
        const matched = messages.flatMap((message, i) => (matches(m, message) ? [i] : []))
        if (matched.length === 0) return
        if (m.batching) {
          for (const group of batchGroups(m, matched, messages)) {
            for (let start = 0; start < group.length; start += m.batchSize) {
              const chunk = group.slice(start, start + m.batchSize)
              const result = await runBatch(
                m,
                chunk.map((i) => messages[i]!),
                context,
              )
              note(chunk, result.exchanges)
              chunk.forEach((i, k) => perMessage[i]!.push(result.outcomes[k]!))
            }
          }
          return
        }
        await forEachLimited(matched, MAX_REQUESTS_PER_DELIVERY, async (i) => {
          const result = await runOne(m, messages[i]!, context)
          note([i], result.exchanges)
          perMessage[i]!.push(result.outcome)
        })
      }),
    )
    const outcomes: MessageOutcome[] = perMessage.map((o) => (o.length === 0 ? NO_MATCH : worstOutcome(o)))
    const sent = outcomes.filter((o): o is AttemptOutcome => o.kind !== 'filtered')
    return {
      outcome:
        sent.length > 0
          ? worstOutcome(sent)
          : { kind: 'drop', code: 'NO_MATCHING_MAPPING', detail: NO_MATCH.detail },
      outcomes,
      exchanges,
      messageExchanges,
    }
  }

  const flushWaits = mappings.map((m) => m.flushIntervalMs).filter((ms) => ms > 0)
  const driver: ActionsDriver = {
    target: {
      name: record.name,
      aliases: actionsAliases(record.name),
      supportedTypes: MESSAGE_TYPES,
      consentCategories: options.consentCategories ?? [],
    },
    batchSize: Math.max(1, ...mappings.map((m) => m.batchSize)),
    // Several batching mappings share the worker's batches: the shortest wait wins.
    flushIntervalMs: flushWaits.length > 0 ? Math.min(...flushWaits) : 0,
    deliver,
    async test(message, context, testOptions = {}) {
      const matched: MappingResult[] = []
      for (const m of mappings) {
        if (!testOptions.anyTrigger && !matches(m, message)) continue
        const result = await runOne(m, message, context, testOptions.anyTrigger)
        matched.push({ mappingId: m.id, mappingName: m.name, ...result })
      }
      return { matched }
    },
    ...(record.hasOnDelete && {
      deleteUser: (user: { userId?: string; anonymousId?: string }, context: DeliverContext) =>
        withCall(context, async (destination, exchanges) => {
          let outcome: AttemptOutcome
          try {
            await destination.onDelete(user, settings, runOptions(context))
            outcome = ranOutcome(exchanges)
          } catch (error) {
            outcome = classifyActionError(error, context.now())
          }
          return { outcome, exchanges }
        }),
    }),
  }
  return driver
}
