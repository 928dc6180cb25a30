import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { issueApiToken, type ApiToken, type Repositories, type TokenRole } from '../../store/index.ts'
import { actorOf } from '../principal.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import {
  checkPermissions,
  permissionInputSchema,
  permissionV1,
  type PermissionInput,
} from './iam-permissions.ts'

const createBody = {
  type: 'object',
  required: ['description'],
  properties: {
    description: { type: 'string' },
    role: { type: 'string', enum: ['Workspace Owner', 'Workspace Member'] },
    permissions: { type: 'array', items: permissionInputSchema },
  },
} as const

interface CreateBody {
  description: string
  role?: TokenRole
  permissions?: PermissionInput[]
}

const tokenNotFound = (id: string) =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No API token with id ${id} in this workspace`, {
    field: 'tokenId',
  })

/**
 * A token as the API shows it: never the secret nor its hash, only its last four characters.
 * `permissions` are the token's roles beyond its access level.
 */
async function tokenV1(tx: Repositories, token: ApiToken) {
  const policies = await tx.policies.list(token.workspaceId, { type: 'token', id: token.id })
  return {
    id: token.id,
    description: token.description,
    role: token.role,
    permissions: policies.map(permissionV1),
    secretHint: token.secretHint,
    createdBy: token.createdBy,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  }
}

const tokenResource = (t: ApiToken) => ({ type: 'token', id: t.id, name: t.description })

/**
 * API tokens: Switchyard's addition (Segment manages tokens in its app only). Workspace Owners
 * create them with a description, an access level and optionally finer roles; the secret is in the
 * creation answer only. Listing shows the last four characters and when each token was last used.
 * Revoking stops the token at once: every request looks the token up (no cache).
 */
export const tokenRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get('/tokens', { config: { operation: 'listTokens', permission: 'token:read' } }, async (request) => {
    const page = readPagination(request.query)
    const all = await store.tokens.list(request.principal.workspaceId)
    const tokens = []
    for (const t of all.slice(page.offset, page.offset + page.count)) tokens.push(await tokenV1(store, t))
    return { data: { tokens, pagination: paginationOutput(page, all.length) } }
  })

  app.get<{ Params: { tokenId: string } }>(
    '/tokens/:tokenId',
    { config: { operation: 'getToken', permission: 'token:read' } },
    async (request) => {
      const token = (await store.tokens.list(request.principal.workspaceId)).find(
        (t) => t.id === request.params.tokenId,
      )
      if (!token) throw tokenNotFound(request.params.tokenId)
      return { data: { token: await tokenV1(store, token) } }
    },
  )

  app.post<{ Body: CreateBody }>(
    '/tokens',
    {
      schema: { body: createBody },
      config: { operation: 'createToken', permission: 'token:write', wholeWorkspace: true },
    },
    async (request, reply) => {
      const { principal } = request
      const description = request.body.description.trim()
      if (description.length === 0 || description.length > 200) {
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          'description must be 1 to 200 characters, not only spaces',
          {
            field: 'description',
          },
        )
      }
      const { token, secret } = await store.transaction(async (tx) => {
        const policies = await checkPermissions(tx, principal.workspaceId, request.body.permissions ?? [])
        const created = await issueApiToken(
          tx,
          {
            workspaceId: principal.workspaceId,
            description,
            role: request.body.role ?? 'Workspace Member',
            createdBy: principal.id,
          },
          actorOf(principal),
        )
        if (policies.length > 0) {
          await tx.policies.replace(principal.workspaceId, { type: 'token', id: created.token.id }, policies)
        }
        return { token: await tokenV1(tx, created.token), secret: created.secret }
      })
      // The only time the secret leaves the server.
      return reply.code(201).send({ data: { token, secret } })
    },
  )

  app.delete<{ Params: { tokenId: string } }>(
    '/tokens/:tokenId',
    { config: { operation: 'revokeToken', permission: 'token:write' } },
    async (request) => {
      const { principal } = request
      await store.transaction(async (tx) => {
        const before = (await tx.tokens.list(principal.workspaceId)).find(
          (t) => t.id === request.params.tokenId,
        )
        if (!before || before.revokedAt !== null) throw tokenNotFound(request.params.tokenId)
        await tx.tokens.revoke(principal.workspaceId, before.id)
        const after = (await tx.tokens.list(principal.workspaceId)).find((t) => t.id === before.id)!
        await recordChange(tx, principal, {
          type: 'Access Token Revoked',
          resource: tokenResource(before),
          before,
          after,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )
}
