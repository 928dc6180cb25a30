import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { mergePolicies, type Member, type Policy, type Repositories } from '../../store/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import type { Principal } from '../principal.ts'
import {
  accessLevelOf,
  accessLevelPolicy,
  checkEmail,
  checkPermissions,
  permissionsBody,
  permissionV1,
  queryList,
  resourceSchema,
  type PermissionInput,
} from './iam-permissions.ts'

/** How long an invite stays valid (Segment: "expire within a few days"). */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000

interface UserParams {
  userId: string
}

const userNotFound = (id: string) =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No user with id ${id} in this workspace`, { field: 'userId' })

/** The user's own permissions: the access level and their policies (group ones are the group's). */
async function permissionsOf(tx: Repositories, workspaceId: string, member: Member): Promise<Policy[]> {
  const own = await tx.policies.list(workspaceId, { type: 'user', id: member.id })
  return mergePolicies([accessLevelPolicy(workspaceId, member.role)], own)
}

/** Segment's `UserV1`. */
async function userV1(tx: Repositories, workspaceId: string, member: Member) {
  return {
    id: member.id,
    name: member.name,
    email: member.email,
    permissions: (await permissionsOf(tx, workspaceId, member)).map(permissionV1),
  }
}

const userResource = (m: { id: string; email: string }) => ({ type: 'user', id: m.id, name: m.email })

const invitePermissionSchema = {
  type: 'object',
  required: ['roleId'],
  properties: {
    roleId: { type: 'string' },
    resources: { type: 'array', items: resourceSchema },
    labels: resourceSchema.properties.labels,
  },
} as const

const invitesBody = {
  type: 'object',
  required: ['invites'],
  properties: {
    invites: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['email'],
        properties: {
          email: { type: 'string' },
          permissions: { type: 'array', items: invitePermissionSchema },
        },
      },
    },
  },
} as const

interface InvitePermission {
  roleId: string
  resources?: PermissionInput['resources']
  labels?: { key: string; value: string }[]
}

/**
 * Segment's `InvitePermissionV1` as a permission input: without resources it is the whole
 * workspace, narrowed by its labels when it has some.
 */
const invitePermissionInput = (workspaceId: string, p: InvitePermission): PermissionInput => ({
  roleId: p.roleId,
  resources:
    p.resources && p.resources.length > 0
      ? p.resources
      : [{ type: 'WORKSPACE', id: workspaceId, ...(p.labels?.length && { labels: p.labels }) }],
})

/**
 * Replaces (or adds to) a member's policies, keeps the membership's access level in step with
 * them (Workspace Owner when the owner role is among them) and records "User Policy Updated".
 */
async function setUserPermissions(
  tx: Repositories,
  principal: Principal,
  userId: string,
  inputs: readonly PermissionInput[],
  mode: 'add' | 'replace',
): Promise<Policy[]> {
  const { workspaceId } = principal
  const member = await tx.users.members.get(workspaceId, userId)
  if (!member) throw userNotFound(userId)
  const before = await permissionsOf(tx, workspaceId, member)
  const checked = await checkPermissions(tx, workspaceId, inputs)
  const wanted = mode === 'add' ? mergePolicies(before, checked) : mergePolicies([], checked)
  const level = accessLevelOf(wanted)
  // The access-level roles live in the membership; the rest are the user's policies.
  const own = wanted.filter((p) => p.roleId !== accessLevelPolicy(workspaceId, level).roleId)
  await tx.users.addMember({ workspaceId, userId, role: level })
  await tx.policies.replace(workspaceId, { type: 'user', id: userId }, own)
  const after = await permissionsOf(tx, workspaceId, { ...member, role: level })
  await recordChange(tx, principal, {
    type: 'User Policy Updated',
    resource: userResource(member),
    before: before.map(permissionV1),
    after: after.map(permissionV1),
  })
  return after
}

/**
 * Segment's `IAMUsersApi`: the workspace's users (members) and invites, and users' permissions.
 * Accounts themselves are created by signing up (the web app); here they are listed, granted roles
 * and removed from the workspace. Every change is audited with Segment's event names.
 */
export const iamUserRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get('/users', { config: { operation: 'listUsers', permission: 'iam:read' } }, async (request) => {
    const page = readPagination(request.query)
    const { workspaceId } = request.principal
    const { items, total } = await store.users.members.list(workspaceId, {
      offset: page.offset,
      limit: page.count,
    })
    const users = []
    for (const m of items) users.push(await userV1(store, workspaceId, m))
    return { data: { users, pagination: paginationOutput(page, total) } }
  })

  app.get<{ Params: UserParams }>(
    '/users/:userId',
    { config: { operation: 'getUser', permission: 'iam:read' } },
    async (request) => {
      const { workspaceId } = request.principal
      const member = await store.users.members.get(workspaceId, request.params.userId)
      if (!member) throw userNotFound(request.params.userId)
      return { data: { user: await userV1(store, workspaceId, member) } }
    },
  )

  app.get<{ Params: UserParams }>(
    '/users/:userId/groups',
    { config: { operation: 'listUserGroupsFromUser', permission: 'iam:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { workspaceId } = request.principal
      const member = await store.users.members.get(workspaceId, request.params.userId)
      if (!member) throw userNotFound(request.params.userId)
      const groups = await store.userGroups.groupsOf(workspaceId, member.email)
      return {
        data: {
          groups: groups
            .slice(page.offset, page.offset + page.count)
            .map((g) => ({ id: g.id, name: g.name })),
          pagination: paginationOutput(page, groups.length),
        },
      }
    },
  )

  app.delete('/users', { config: { operation: 'deleteUsers', permission: 'iam:write' } }, async (request) => {
    const userIds = queryList(request.query, 'userIds')
    const { principal } = request
    await store.transaction(async (tx) => {
      for (const userId of userIds) {
        const member = await tx.users.members.get(principal.workspaceId, userId)
        if (!member) throw userNotFound(userId)
        const before = await userV1(tx, principal.workspaceId, member)
        await tx.users.members.remove(principal.workspaceId, userId)
        await tx.policies.delete(principal.workspaceId, { type: 'user', id: userId })
        await tx.userGroups.removeEverywhere(principal.workspaceId, member.email)
        await recordChange(tx, principal, {
          type: 'User Removed From Workspace',
          resource: userResource(member),
          before,
          after: null,
        })
      }
    })
    return { data: { status: 'SUCCESS' } }
  })

  for (const [method, operation, mode] of [
    ['POST', 'addPermissionsToUser', 'add'],
    ['PUT', 'replacePermissionsForUser', 'replace'],
  ] as const) {
    app.route<{ Params: UserParams; Body: { permissions: PermissionInput[] } }>({
      method,
      url: '/users/:userId/permissions',
      schema: { body: permissionsBody },
      config: { operation, permission: 'iam:write' },
      handler: async (request) => {
        const permissions = await store.transaction((tx) =>
          setUserPermissions(tx, request.principal, request.params.userId, request.body.permissions, mode),
        )
        return { data: { permissions: permissions.map(permissionV1) } }
      },
    })
  }

  app.get('/invites', { config: { operation: 'listInvites', permission: 'iam:read' } }, async (request) => {
    const page = readPagination(request.query)
    const { items, total } = await store.invites.list(request.principal.workspaceId, {
      offset: page.offset,
      limit: page.count,
    })
    return { data: { invites: items.map((i) => i.email), pagination: paginationOutput(page, total) } }
  })

  app.post<{ Body: { invites: { email: string; permissions?: InvitePermission[] }[] } }>(
    '/invites',
    { schema: { body: invitesBody }, config: { operation: 'createInvites', permission: 'iam:write' } },
    async (request, reply) => {
      const { principal } = request
      const { workspaceId } = principal
      const links: { email: string; token: string; expiresAt: string }[] = []
      const emails = await store.transaction(async (tx) => {
        const done: string[] = []
        for (const [i, invite] of request.body.invites.entries()) {
          const email = checkEmail(invite.email, `invites[${i}].email`)
          if ((await tx.users.members.byEmails(workspaceId, [email])).length > 0) {
            throw new SwitchyardError(
              'SY_RESOURCE_CONFLICT',
              `${email} is already a member of this workspace`,
              {
                field: `invites[${i}].email`,
              },
            )
          }
          const policies = await checkPermissions(
            tx,
            workspaceId,
            (invite.permissions ?? []).map((p) => invitePermissionInput(workspaceId, p)),
            `invites[${i}].permissions`,
          )
          const created = await tx.invites.create(workspaceId, email, principal.id, INVITE_TTL_MS)
          // The acceptance secret (POST /auth/accept-invite) is in this answer only; stored hashed.
          const token = await tx.invites.issueToken(workspaceId, email)
          if (token) links.push({ email, token, expiresAt: created.expiresAt })
          await tx.policies.replace(workspaceId, { type: 'invite', id: email }, policies)
          const account = await tx.users.findByEmail(email)
          await recordChange(tx, principal, {
            type: account ? 'New Segment User Invited to Workspace' : 'Non-Segment User Invited to Workspace',
            resource: { type: 'invite', id: email, name: email },
            before: null,
            after: { email, permissions: policies.map(permissionV1) },
          })
          done.push(email)
        }
        return done
      })
      return reply.code(201).send({ data: { emails, acceptTokens: links } })
    },
  )

  app.delete(
    '/invites',
    { config: { operation: 'deleteInvites', permission: 'iam:write' } },
    async (request) => {
      const emails = queryList(request.query, 'emails').map((e, i) => checkEmail(e, `emails[${i}]`))
      const { principal } = request
      await store.transaction(async (tx) => {
        const deleted = await tx.invites.delete(principal.workspaceId, emails)
        for (const email of deleted) {
          await recordChange(tx, principal, {
            type: 'Invite Deleted',
            resource: { type: 'invite', id: email, name: email },
            before: { email },
            after: null,
          })
        }
      })
      return { data: { status: 'SUCCESS' } }
    },
  )
}
