import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { sourceNotFound } from '../../store/index.ts'
import type { ApiContext } from '../context.ts'
import { lineageView } from '../lineage-view.ts'

/**
 * Lineage (our addition): what happened to one message, stage by stage and destination by destination,
 * kept for `SWITCHYARD_LINEAGE_RETENTION_DAYS`.
 */
export const lineageRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get<{ Params: { sourceId: string; messageId: string } }>(
    '/sources/:sourceId/messages/:messageId/lineage',
    { config: { operation: 'getMessageLineage', permission: 'source:read' } },
    async (request) => {
      const { workspaceId } = request.principal
      const { sourceId, messageId } = request.params
      if (!(await store.sources.get(workspaceId, sourceId))) throw sourceNotFound(sourceId)
      const entries = await store.lineage.forMessage(workspaceId, sourceId, messageId)
      if (entries.length === 0) {
        throw new SwitchyardError(
          'SY_RESOURCE_NOT_FOUND',
          `No lineage for message ${messageId} of this source: it was not received, not processed yet, or is older than the lineage retention`,
          { field: 'messageId' },
        )
      }
      const { items } = await store.destinations.list(workspaceId, { offset: 0, limit: 1000 }, { sourceId })
      const names = new Map(items.map((d) => [d.id, d.name]))
      return { data: { lineage: lineageView(sourceId, messageId, entries, names) } }
    },
  )
}
