import type { FastifyPluginAsync } from 'fastify'
import { findDestinationEntry } from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { NO_MATCHING_SUBSCRIPTION, runEventTest } from '../../pipeline/index.ts'
import type { ApiContext } from '../context.ts'
import { destinationNotFound } from './destinations.ts'

interface TestBody {
  message: unknown
  mapping?: { actionId: string; name?: string; settings?: Record<string, unknown> }
}

const body = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'object' },
    mapping: {
      type: 'object',
      required: ['actionId'],
      properties: {
        actionId: { type: 'string', minLength: 1 },
        name: { type: 'string' },
        settings: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const

/**
 * The event tester, Switchyard's addition to the Public API (Segment has it in its app only):
 * `POST /destinations/{destinationId}/event-tests` sends `message` to the destination now and answers
 * with the requests made and the answers received. With `mapping`, only that mapping runs (the
 * mapping tester: its trigger is not checked, it need not be saved or enabled).
 */
export const eventTesterRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.post<{ Params: { destinationId: string }; Body: TestBody }>(
    '/destinations/:destinationId/event-tests',
    { schema: { body }, config: { operation: 'testDestinationEvent', permission: 'destination:write' } },
    async (request) => {
      const destination = await store.destinations.get(
        request.principal.workspaceId,
        request.params.destinationId,
      )
      if (!destination) throw destinationNotFound(request.params.destinationId)
      let mapping
      if (request.body.mapping) {
        const given = request.body.mapping
        const action = findDestinationEntry(destination.metadataId)?.metadata.actions.find(
          (a) =>
            (a as { id: string }).id === given.actionId || (a as { slug: string }).slug === given.actionId,
        ) as { id: string; slug: string; name: string } | undefined
        if (!action) {
          throw new SwitchyardError(
            'SY_API_VALIDATION',
            `mapping.actionId "${given.actionId}" is not an action of this destination`,
            { field: 'mapping.actionId' },
          )
        }
        mapping = {
          id: 'test',
          name: given.name ?? action.name,
          actionSlug: action.slug,
          trigger: '',
          mapping: given.settings ?? {},
        }
      }
      const result = await runEventTest(destination, store, request.body.message, {
        ...(mapping && { mapping }),
      })
      if (!result.ok) {
        throw new SwitchyardError('SY_API_VALIDATION', result.detail, {
          field:
            result.field === 'destinationId' || result.field === 'mapping'
              ? result.field
              : `message.${result.field}`.replace(/\.$/, ''),
        })
      }
      return {
        data: {
          message: result.message,
          results: result.results,
          ...(result.results.length === 0 && { error: NO_MATCHING_SUBSCRIPTION }),
        },
      }
    },
  )
}
