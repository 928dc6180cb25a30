import type { FastifyPluginAsync } from 'fastify'
import { cancelReplay, createReplay } from '../../archive/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import type { ReplayJob } from '../../store/index.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { actorOf } from '../principal.ts'
import { sourceOf } from './archive-query.ts'

/** A replay as the API shows it; statuses are upper case, as Segment's enums are. */
export function replayV1(job: ReplayJob) {
  const total = job.total
  return {
    id: job.id,
    sourceId: job.sourceId,
    status: job.status.toUpperCase(),
    startTime: job.startTime,
    endTime: job.endTime,
    destinationIds: job.destinationIds,
    eventTypes: job.eventTypes,
    eventNames: job.eventNames,
    progress: {
      total,
      processed: job.processed,
      enqueued: job.enqueued,
      percent:
        job.status === 'succeeded'
          ? 100
          : total
            ? Math.min(100, Math.floor((job.processed / total) * 100))
            : 0,
    },
    error: job.error,
    createdBy: job.createdBy,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  }
}

const createBody = {
  type: 'object',
  required: ['startTime', 'endTime'],
  properties: {
    startTime: { type: 'string' },
    endTime: { type: 'string' },
    destinationIds: { type: 'array', items: { type: 'string' }, maxItems: 100 },
    eventTypes: { type: 'array', items: { type: 'string' }, maxItems: 6 },
    eventNames: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const

interface CreateBody {
  startTime: string
  endTime: string
  destinationIds?: string[]
  eventTypes?: string[]
  eventNames?: string[]
}

interface ReplayParams {
  sourceId: string
  replayId: string
}

const replayNotFound = (id: string) =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No replay with id ${id} for this source`, {
    field: 'replayId',
  })

/**
 * Replays: re-send a source's archived messages received in a time range to destinations of the
 * source, as a job run by a worker. Creating and cancelling are audited.
 */
export const replayRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.post<{ Params: { sourceId: string }; Body: CreateBody }>(
    '/sources/:sourceId/replays',
    {
      schema: { body: createBody },
      config: { operation: 'createReplayForSource', permission: 'source:write' },
    },
    async (request, reply) => {
      const { workspaceId } = request.principal
      const job = await store.transaction((tx) =>
        createReplay(
          tx,
          { workspaceId, sourceId: request.params.sourceId, ...request.body },
          actorOf(request.principal),
        ),
      )
      return reply.code(201).send({ data: { replay: replayV1(job) } })
    },
  )

  app.get<{ Params: { sourceId: string }; Querystring: Record<string, unknown> }>(
    '/sources/:sourceId/replays',
    { config: { operation: 'listReplaysFromSource', permission: 'source:read' } },
    async (request) => {
      const { workspaceId } = request.principal
      const source = await sourceOf(store, workspaceId, request.params.sourceId)
      const page = readPagination(request.query)
      const { items, total } = await store.replayJobs.list(
        workspaceId,
        { sourceId: source.id },
        { offset: page.offset, limit: page.count },
      )
      return { data: { replays: items.map(replayV1), pagination: paginationOutput(page, total) } }
    },
  )

  app.get<{ Params: ReplayParams }>(
    '/sources/:sourceId/replays/:replayId',
    { config: { operation: 'getReplayFromSource', permission: 'source:read' } },
    async (request) => {
      const job = await store.replayJobs.get(request.principal.workspaceId, request.params.replayId)
      if (!job || job.sourceId !== request.params.sourceId) throw replayNotFound(request.params.replayId)
      return { data: { replay: replayV1(job) } }
    },
  )

  app.post<{ Params: ReplayParams }>(
    '/sources/:sourceId/replays/:replayId/cancel',
    { config: { operation: 'cancelReplayForSource', permission: 'source:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      const { sourceId, replayId } = request.params
      const job = await store.transaction(async (tx) => {
        const found = await tx.replayJobs.get(workspaceId, replayId)
        if (!found || found.sourceId !== sourceId) throw replayNotFound(replayId)
        return cancelReplay(tx, workspaceId, replayId, actorOf(request.principal))
      })
      return { data: { replay: replayV1(job!) } }
    },
  )
}
