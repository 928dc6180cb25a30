import { maskExchange, maskJsonText } from '../pii.ts'
import { isGranted } from '../principal.ts'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { DROP_REASONS } from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { latencyPercentile } from '../../pipeline/index.ts'
import { sourceNotFound, type CountDimension, type Destination, type Store } from '../../store/index.ts'
import type { ApiContext } from '../context.ts'
import {
  DELIVERY_STEPS,
  GRANULARITY_MINUTES,
  SUMMARY_DEFAULT_LOOKBACK_MS,
  buildDatasets,
  discardReason,
  readFilter,
  readGranularity,
  readGroupBy,
  readTime,
  summarize,
  timeRange,
  type DeliveryStep,
} from '../delivery-metrics.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { destinationNotFound } from './destinations.ts'

type Query = Record<string, unknown>

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

function required(query: Query, field: string): string {
  const value = text(query[field])
  if (value === undefined) throw new SwitchyardError('SY_API_VALIDATION', `${field} is required`, { field })
  return value
}

/** The destination, checked to be in the workspace and connected to `sourceId`. */
async function destinationOf(
  store: Store,
  workspaceId: string,
  destinationId: string,
  sourceId: string,
  field = 'destinationId',
): Promise<Destination> {
  const destination = await store.destinations.get(workspaceId, destinationId)
  if (!destination) throw destinationNotFound(destinationId, field)
  if (destination.sourceId !== sourceId) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `Destination ${destinationId} is connected to source ${destination.sourceId}, not ${sourceId}`,
      { field: 'sourceId' },
    )
  }
  return destination
}

/**
 * Delivery Overview: Segment's `DeliveryOverviewApi` (one operation per pipeline step),
 * `listDeliveryMetricsSummaryFromDestination`, and our failure samples per reason. Counts come from
 * the store, written about every second by the pipeline; there is no display delay.
 */
export const deliveryOverviewRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  for (const [path, step] of Object.entries(DELIVERY_STEPS)) {
    app.get<{ Querystring: Query }>(
      `/delivery-overview/${path}`,
      {
        config: {
          operation: step.operation,
          permission: step.scope === 'source' ? 'source:read' : 'destination:read',
          versions: ['v1beta'],
        },
      },
      async (request) => stepMetrics(store, step, request),
    )
  }

  app.get<{ Params: { destinationId: string }; Querystring: Query }>(
    '/destinations/:destinationId/delivery-metrics',
    {
      config: {
        operation: 'listDeliveryMetricsSummaryFromDestination',
        permission: 'destination:read',
        versions: ['v1beta', 'v1alpha'],
      },
    },
    async (request) => {
      const { workspaceId } = request.principal
      const query = request.query
      const sourceId = required(query, 'sourceId')
      const destination = await destinationOf(store, workspaceId, request.params.destinationId, sourceId)
      const granularity = readGranularity(query.granularity, 'minute')
      const end = query.endTime === undefined ? Date.now() : readTime(query.endTime, 'endTime')
      const start =
        query.startTime === undefined
          ? end - SUMMARY_DEFAULT_LOOKBACK_MS[granularity]
          : readTime(query.startTime, 'startTime')
      if (end <= start)
        throw new SwitchyardError('SY_API_VALIDATION', 'endTime must be after startTime', {
          field: 'endTime',
        })
      const window = {
        workspaceId,
        sourceId,
        destinationId: destination.id,
        fromMinute: Math.floor(start / 60_000),
        toMinute: Math.ceil(end / 60_000),
      }
      const [rows, histogram] = await Promise.all([
        store.delivery.counts({
          ...window,
          outcomes: ['delivered', 'dropped', 'dead_lettered', 'retrying', 'filtered'],
          bucketMinutes: window.toMinute - window.fromMinute,
        }),
        store.delivery.latency(window),
      ])
      const latency = {
        p50: latencyPercentile(histogram, 0.5),
        p95: latencyPercentile(histogram, 0.95),
        p99: latencyPercentile(histogram, 0.99),
      }
      return {
        data: {
          deliveryMetricsSummary: {
            sourceId,
            destinationMetadataId: destination.metadataId,
            metrics: summarize(rows, latency),
          },
        },
      }
    },
  )

  app.get<{ Params: { destinationId: string }; Querystring: Query }>(
    '/destinations/:destinationId/delivery-samples',
    { config: { operation: 'listDeliverySamplesFromDestination', permission: 'destination:read' } },
    async (request) => {
      const { workspaceId } = request.principal
      const destination = await store.destinations.get(workspaceId, request.params.destinationId)
      if (!destination) throw destinationNotFound(request.params.destinationId)
      const outcome = text(request.query.outcome)
      const reason = storedReason(text(request.query.reason))
      const samples = await store.delivery.samples({
        workspaceId,
        destinationId: destination.id,
        ...(outcome !== undefined && { outcome }),
        ...(reason !== undefined && { reason }),
        limit: reason === undefined ? 100 : 10,
      })
      // Without PII access, payloads and the request and answer bodies are masked.
      const mask = !isGranted(request.principal, 'pii:read')
      return {
        data: {
          samples: samples.map((s) => ({
            id: s.id,
            outcome: s.outcome,
            reason: s.reason,
            discardReason: discardReason({ outcome: s.outcome, reason: s.reason, attempt: 0 }),
            at: new Date(s.at).toISOString(),
            messageId: s.messageId,
            eventType: s.eventType,
            eventName: s.eventName,
            detail: s.detail,
            payload: mask ? maskJsonText(s.payload) : s.payload,
            payloadTruncated: s.payloadTruncated,
            request: (mask ? maskExchange(s.request) : s.request) ?? null,
            response: (mask ? maskExchange(s.response) : s.response) ?? null,
          })),
        },
      }
    },
  )
}

/** Accepts Segment's spelling of a drop reason (`FILTERED_BY_INTEGRATIONS_OBJECT`) as well as ours. */
function storedReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined
  const match = Object.entries(DROP_REASONS).find(([, info]) => info.segmentReason === reason)
  return match ? match[0] : reason
}

async function stepMetrics(
  store: Store,
  step: DeliveryStep,
  request: FastifyRequest<{ Querystring: Query }>,
) {
  const { workspaceId } = request.principal
  const query = request.query
  const sourceId = required(query, 'sourceId')
  let destinationId = ''
  if (step.scope === 'destination') {
    const id = required(query, 'destinationConfigId')
    destinationId = (await destinationOf(store, workspaceId, id, sourceId, 'destinationConfigId')).id
  } else if (!(await store.sources.get(workspaceId, sourceId))) {
    throw sourceNotFound(sourceId)
  }
  const granularity = readGranularity(required(query, 'granularity'))
  const range = timeRange(
    readTime(required(query, 'startTime'), 'startTime'),
    readTime(required(query, 'endTime'), 'endTime'),
    granularity,
  )
  const groupBy = readGroupBy(query)
  const filter = readFilter(query)
  const page = readPagination(query)
  const dimensions = groupBy.filter((k): k is CountDimension => k !== 'discardReason')
  const rows = await store.delivery.counts({
    workspaceId,
    sourceId,
    destinationId,
    outcomes: [...step.counted, ...step.retries],
    fromMinute: range.fromMinute,
    toMinute: range.toMinute,
    bucketMinutes: GRANULARITY_MINUTES[granularity],
    groupBy: dimensions,
    filter: {
      ...(filter.eventName && { eventName: filter.eventName }),
      ...(filter.eventType && { eventType: filter.eventType }),
      ...(filter.appVersion && { appVersion: filter.appVersion }),
    },
  })
  const datasets = buildDatasets(rows, step, range, groupBy, filter.discardReason ?? [])
  return {
    data: {
      total: datasets.reduce((n, d) => n + d.total, 0),
      dataset: datasets.slice(page.offset, page.offset + page.count),
      pagination: paginationOutput(page, datasets.length),
    },
  }
}
