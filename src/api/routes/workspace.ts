import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import type { ApiContext } from '../context.ts'

/** `GET /`: the workspace the token belongs to (the token is the workspace selector). */
export const workspaceRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get('/', { config: { operation: 'getWorkspace', permission: 'workspace:read' } }, async (request) => {
    const workspace = await store.workspaces.get(request.principal.workspaceId)
    if (!workspace)
      throw new SwitchyardError('SY_RESOURCE_NOT_FOUND', 'The workspace of this token no longer exists')
    return { data: { workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name } } }
  })
}
