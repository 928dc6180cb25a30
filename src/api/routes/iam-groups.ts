import type { FastifyPluginAsync } from 'fastify'
import { userGroupNotFound, type Repositories, type UserGroup } from '../../store/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import type { Principal } from '../principal.ts'
import { checkName } from '../rules.ts'
import {
  checkEmail,
  checkPermissions,
  permissionsBody,
  permissionV1,
  queryList,
  type PermissionInput,
} from './iam-permissions.ts'

interface GroupParams {
  userGroupId: string
}

const nameBody = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const
const emailsBody = {
  type: 'object',
  required: ['emails'],
  properties: { emails: { type: 'array', items: { type: 'string' } } },
} as const

const groupResource = (g: { id: string; name: string }) => ({ type: 'user_group', id: g.id, name: g.name })

/** Segment's `UserGroupV1`: the group, its member count and its permissions. */
async function userGroupV1(tx: Repositories, group: UserGroup) {
  const policies = await tx.policies.list(group.workspaceId, { type: 'group', id: group.id })
  return {
    id: group.id,
    name: group.name,
    memberCount: group.memberCount,
    permissions: policies.map(permissionV1),
  }
}

async function groupOf(tx: Repositories, workspaceId: string, id: string): Promise<UserGroup> {
  const group = await tx.userGroups.get(workspaceId, id)
  if (!group) throw userGroupNotFound(id)
  return group
}

/** Records "User Added To User Group" / "User Removed From User Group", one per email. */
async function auditMembers(
  tx: Repositories,
  principal: Principal,
  group: UserGroup,
  added: readonly string[],
  removed: readonly string[],
): Promise<void> {
  for (const email of added) {
    await recordChange(tx, principal, {
      type: 'User Added To User Group',
      resource: groupResource(group),
      before: null,
      after: { email },
    })
  }
  for (const email of removed) {
    await recordChange(tx, principal, {
      type: 'User Removed From User Group',
      resource: groupResource(group),
      before: { email },
      after: null,
    })
  }
}

const checkEmails = (emails: readonly string[], field = 'emails') =>
  emails.map((e, i) => checkEmail(e, `${field}[${i}]`))

/**
 * Segment's `IAMGroupsApi`: user groups, their members (by email: users, and invited people who
 * become users when they accept) and their permissions, which every member gets in addition to
 * their own. Note Segment's paths: members are added under `/groups/…/users` but replaced and
 * removed under `/group/…/users`.
 */
export const iamGroupRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get('/groups', { config: { operation: 'listUserGroups', permission: 'iam:read' } }, async (request) => {
    const page = readPagination(request.query)
    const { items, total } = await store.userGroups.list(request.principal.workspaceId, {
      offset: page.offset,
      limit: page.count,
    })
    const userGroups = []
    for (const g of items) userGroups.push(await userGroupV1(store, g))
    return { data: { userGroups, pagination: paginationOutput(page, total) } }
  })

  app.post<{ Body: { name: string } }>(
    '/groups',
    { schema: { body: nameBody }, config: { operation: 'createUserGroup', permission: 'iam:write' } },
    async (request) => {
      const name = checkName(request.body.name)
      const group = await store.transaction(async (tx) => {
        const created = await tx.userGroups.create(request.principal.workspaceId, name)
        await recordChange(tx, request.principal, {
          type: 'User Group Created',
          resource: groupResource(created),
          before: null,
          after: created,
        })
        return created
      })
      return { data: { userGroup: await userGroupV1(store, group) } }
    },
  )

  app.get<{ Params: GroupParams }>(
    '/groups/:userGroupId',
    { config: { operation: 'getUserGroup', permission: 'iam:read' } },
    async (request) => {
      const group = await groupOf(store, request.principal.workspaceId, request.params.userGroupId)
      return { data: { userGroup: await userGroupV1(store, group) } }
    },
  )

  app.patch<{ Params: GroupParams; Body: { name: string } }>(
    '/groups/:userGroupId',
    { schema: { body: nameBody }, config: { operation: 'updateUserGroup', permission: 'iam:write' } },
    async (request) => {
      const name = checkName(request.body.name)
      const { workspaceId } = request.principal
      const group = await store.transaction(async (tx) => {
        const before = await groupOf(tx, workspaceId, request.params.userGroupId)
        const after = await tx.userGroups.rename(workspaceId, before.id, name)
        await recordChange(tx, request.principal, {
          type: 'User Group Updated',
          resource: groupResource(after),
          before,
          after,
        })
        return after
      })
      return { data: { userGroup: await userGroupV1(store, group) } }
    },
  )

  app.delete<{ Params: GroupParams }>(
    '/groups/:userGroupId',
    { config: { operation: 'deleteUserGroup', permission: 'iam:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      await store.transaction(async (tx) => {
        const before = await groupOf(tx, workspaceId, request.params.userGroupId)
        const shown = await userGroupV1(tx, before)
        await tx.policies.delete(workspaceId, { type: 'group', id: before.id })
        await tx.userGroups.delete(workspaceId, before.id)
        await recordChange(tx, request.principal, {
          type: 'User Group Deleted',
          resource: groupResource(before),
          before: shown,
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  app.get<{ Params: GroupParams }>(
    '/groups/:userGroupId/users',
    { config: { operation: 'listUsersFromUserGroup', permission: 'iam:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { workspaceId } = request.principal
      const group = await groupOf(store, workspaceId, request.params.userGroupId)
      const users = await store.users.members.byEmails(
        workspaceId,
        await store.userGroups.members(workspaceId, group.id),
      )
      return {
        data: {
          users: users
            .slice(page.offset, page.offset + page.count)
            .map((u) => ({ id: u.id, name: u.name, email: u.email })),
          pagination: paginationOutput(page, users.length),
        },
      }
    },
  )

  app.get<{ Params: GroupParams }>(
    '/groups/:userGroupId/invites',
    { config: { operation: 'listInvitesFromUserGroup', permission: 'iam:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { workspaceId } = request.principal
      const group = await groupOf(store, workspaceId, request.params.userGroupId)
      const emails = await store.userGroups.members(workspaceId, group.id)
      const users = new Set((await store.users.members.byEmails(workspaceId, emails)).map((u) => u.email))
      const invited = emails.filter((e) => !users.has(e))
      return {
        data: {
          emails: invited.slice(page.offset, page.offset + page.count),
          pagination: paginationOutput(page, invited.length),
        },
      }
    },
  )

  app.post<{ Params: GroupParams; Body: { emails: string[] } }>(
    '/groups/:userGroupId/users',
    { schema: { body: emailsBody }, config: { operation: 'addUsersToUserGroup', permission: 'iam:write' } },
    async (request) => {
      const emails = checkEmails(request.body.emails)
      const { workspaceId } = request.principal
      const group = await store.transaction(async (tx) => {
        const group = await groupOf(tx, workspaceId, request.params.userGroupId)
        const added = await tx.userGroups.addMembers(workspaceId, group.id, emails)
        await auditMembers(tx, request.principal, group, added, [])
        return groupOf(tx, workspaceId, group.id)
      })
      return { data: { userGroup: await userGroupV1(store, group) } }
    },
  )

  app.put<{ Params: GroupParams; Body: { emails: string[] } }>(
    '/group/:userGroupId/users',
    {
      schema: { body: emailsBody },
      config: { operation: 'replaceUsersInUserGroup', permission: 'iam:write' },
    },
    async (request) => {
      const emails = checkEmails(request.body.emails)
      const { workspaceId } = request.principal
      const group = await store.transaction(async (tx) => {
        const group = await groupOf(tx, workspaceId, request.params.userGroupId)
        const current = await tx.userGroups.members(workspaceId, group.id)
        const removed = await tx.userGroups.removeMembers(
          workspaceId,
          group.id,
          current.filter((e) => !emails.includes(e)),
        )
        const added = await tx.userGroups.addMembers(workspaceId, group.id, emails)
        await auditMembers(tx, request.principal, group, added, removed)
        return groupOf(tx, workspaceId, group.id)
      })
      return { data: { userGroup: await userGroupV1(store, group) } }
    },
  )

  app.delete<{ Params: GroupParams }>(
    '/group/:userGroupId/users',
    { config: { operation: 'removeUsersFromUserGroup', permission: 'iam:write' } },
    async (request) => {
      const emails = checkEmails(queryList(request.query, 'emails'))
      const { workspaceId } = request.principal
      await store.transaction(async (tx) => {
        const group = await groupOf(tx, workspaceId, request.params.userGroupId)
        const removed = await tx.userGroups.removeMembers(workspaceId, group.id, emails)
        await auditMembers(tx, request.principal, group, [], removed)
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  for (const [method, operation] of [
    ['POST', 'addPermissionsToUserGroup'],
    ['PUT', 'replacePermissionsForUserGroup'],
  ] as const) {
    app.route<{ Params: GroupParams; Body: { permissions: PermissionInput[] } }>({
      method,
      url: '/groups/:userGroupId/permissions',
      schema: { body: permissionsBody },
      config: { operation, permission: 'iam:write' },
      handler: async (request) => {
        const { principal } = request
        const permissions = await store.transaction(async (tx) => {
          const group = await groupOf(tx, principal.workspaceId, request.params.userGroupId)
          const subject = { type: 'group' as const, id: group.id }
          const before = await tx.policies.list(principal.workspaceId, subject)
          const checked = await checkPermissions(tx, principal.workspaceId, request.body.permissions)
          const after =
            method === 'POST'
              ? await tx.policies.add(principal.workspaceId, subject, checked)
              : await tx.policies.replace(principal.workspaceId, subject, checked)
          await recordChange(tx, principal, {
            type: 'User Group Policy Updated',
            resource: groupResource(group),
            before: before.map(permissionV1),
            after: after.map(permissionV1),
          })
          return after
        })
        return { data: { permissions: permissions.map(permissionV1) } }
      },
    })
  }
}
