import { maskMessage } from '../pii.ts'
import { isGranted } from '../principal.ts'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { deliveryQueue } from '../../pipeline/index.ts'
import type { IngestEnvelope } from '../../spec/index.ts'
import type { Destination, Store } from '../../store/index.ts'
import type { QueueItem, WorkQueues } from '../../stream/index.ts'
import { actorOf } from '../principal.ts'
import type { ApiContext } from '../context.ts'
import { keysetPaginationOutput, readKeysetPagination } from '../pagination.ts'
import { destinationNotFound } from './destinations.ts'

/** Ids one retry or discard request may name. */
export const MAX_IDS_PER_REQUEST = 1000
const PAGE = 1000

const actionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ids: {
      type: 'array',
      maxItems: MAX_IDS_PER_REQUEST,
      items: { type: 'integer', minimum: 1 },
    },
    all: { type: 'boolean' },
  },
} as const

interface ActionBody {
  ids?: number[]
  all?: boolean
}
interface Params {
  destinationId: string
}

/** A parked item as the API shows it: the queue's bookkeeping and the message itself. */
export function deadLetterV1(item: QueueItem, mask = false) {
  let envelope: Partial<IngestEnvelope> = {}
  try {
    envelope = JSON.parse(String(item.value)) as IngestEnvelope
  } catch {
    // shown with message null: the item is not valid JSON (it was parked for that)
  }
  const message = envelope.message
  return {
    id: item.id,
    messageId: message?.messageId ?? null,
    type: message?.type ?? null,
    attempts: item.attempts,
    enqueuedAt: new Date(item.enqueuedAt).toISOString(),
    lastError: item.lastError ?? null,
    message: (mask && message ? maskMessage(message) : message) ?? null,
  }
}

/**
 * Dead letters: the messages a destination gave up on (its parked queue items). List them, retry some
 * or all (due again at once for one more attempt: their retry window is over, so a failure parks them
 * again) or discard them. Our additions to
 * Segment's API; they need the event stream's work queues, so a control-only process answers 503.
 */
export const deadLetterRoutes: FastifyPluginAsync<ApiContext> = async (app, { store, queues }) => {
  const need = (): WorkQueues => {
    if (queues) return queues
    throw new SwitchyardError(
      'SY_API_UNAVAILABLE',
      'This process has no access to the work queues; ask a process that runs the worker or ingest role',
    )
  }

  app.get<{ Params: Params; Querystring: Record<string, unknown> }>(
    '/destinations/:destinationId/dead-letters',
    { config: { operation: 'listDeadLettersFromDestination', permission: 'destination:read' } },
    async (request) => {
      const q = need()
      const destination = await destinationIn(store, request)
      const page = readKeysetPagination(request.query)
      const queue = deliveryQueue(destination.id)
      const [items, stats] = await Promise.all([
        q.listParked(queue, { after: page.after ?? 0, max: page.count + 1 }),
        q.stats(queue),
      ])
      const shown = items.slice(0, page.count)
      const more = items.length > page.count
      return {
        data: {
          deadLetters: shown.map((item) => deadLetterV1(item, !isGranted(request.principal, 'pii:read'))),
          pagination: {
            ...keysetPaginationOutput(page, more ? shown.at(-1)!.id : undefined, shown.length),
            totalEntries: stats.parked,
          },
        },
      }
    },
  )

  app.post<{ Params: Params; Body: ActionBody }>(
    '/destinations/:destinationId/dead-letters/retry',
    {
      schema: { body: actionBody },
      config: { operation: 'retryDeadLettersForDestination', permission: 'destination:write' },
    },
    async (request) => {
      const q = need()
      const destination = await destinationIn(store, request)
      const queue = deliveryQueue(destination.id)
      const retried = await eachParked(q, queue, chosen(request.body), (ids) => q.unpark(queue, ids))
      await audit(store, request, destination, 'Destination Dead Letters Retried', retried)
      return { data: { retried } }
    },
  )

  app.post<{ Params: Params; Body: ActionBody }>(
    '/destinations/:destinationId/dead-letters/discard',
    {
      schema: { body: actionBody },
      config: { operation: 'discardDeadLettersFromDestination', permission: 'destination:write' },
    },
    async (request) => {
      const q = need()
      const destination = await destinationIn(store, request)
      const queue = deliveryQueue(destination.id)
      const discarded = await eachParked(q, queue, chosen(request.body), async (ids) => {
        await q.ack(queue, ids)
        return ids.length
      })
      await audit(store, request, destination, 'Destination Dead Letters Discarded', discarded)
      return { data: { discarded } }
    },
  )
}

async function destinationIn(
  store: Store,
  request: FastifyRequest<{ Params: Params }>,
): Promise<Destination> {
  const destination = await store.destinations.get(
    request.principal.workspaceId,
    request.params.destinationId,
  )
  if (!destination) throw destinationNotFound(request.params.destinationId)
  return destination
}

/** `{all: true}` or `{ids: [...]}`, exactly one of them. */
function chosen(body: ActionBody | undefined): ReadonlySet<number> | 'all' {
  const all = body?.all === true
  const ids = body?.ids ?? []
  if (all === ids.length > 0) {
    throw new SwitchyardError('SY_API_VALIDATION', 'Send either "ids": [...] or "all": true', {
      field: all ? 'ids' : 'all',
    })
  }
  return all ? 'all' : new Set(ids)
}

/**
 * Runs `act` on the parked items chosen, a page at a time, and adds up what it returns. Ids that are
 * not parked (delivered, discarded, never existed) are skipped: only dead letters are ever touched.
 */
async function eachParked(
  queues: WorkQueues,
  queue: string,
  wanted: ReadonlySet<number> | 'all',
  act: (ids: number[]) => Promise<number>,
): Promise<number> {
  let done = 0
  let after = 0
  let remaining = wanted === 'all' ? Infinity : wanted.size
  while (remaining > 0) {
    const items = await queues.listParked(queue, { after, max: PAGE })
    if (items.length === 0) break
    after = items.at(-1)!.id
    const ids = items.map((i) => i.id).filter((id) => wanted === 'all' || wanted.has(id))
    if (ids.length > 0) {
      done += await act(ids)
      remaining -= ids.length
    }
  }
  return done
}

/** Recorded after the queue changed (the queue is not in the control-plane database). */
async function audit(
  store: Store,
  request: FastifyRequest,
  destination: Destination,
  type: string,
  count: number,
): Promise<void> {
  if (count === 0) return
  await store.audit.record({
    workspaceId: request.principal.workspaceId,
    actor: actorOf(request.principal),
    type,
    resource: { type: 'destination', id: destination.id, name: destination.name },
    before: null,
    after: { count },
  })
}
