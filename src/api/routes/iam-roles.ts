import type { FastifyPluginAsync } from 'fastify'
import { paginationOutput, readPagination } from '../pagination.ts'
import { ROLES } from '../roles.ts'

/**
 * Segment's `IAMRolesApi`: the roles a user, group or token can be granted (src/api/roles.ts).
 * Besides Segment's `RoleV1` fields, each role says where it can be granted (`resourceTypes`) and
 * whether a grant on the workspace can be narrowed to sources with labels (`labelScoped`).
 */
export const iamRoleRoutes: FastifyPluginAsync = async (app) => {
  app.get('/roles', { config: { operation: 'listRoles', permission: 'workspace:read' } }, async (request) => {
    const page = readPagination(request.query)
    const roles = ROLES.slice(page.offset, page.offset + page.count).map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      resourceTypes: r.resourceTypes,
      labelScoped: r.labels,
    }))
    return { data: { roles, pagination: paginationOutput(page, ROLES.length) } }
  })
}
