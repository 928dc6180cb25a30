/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read the SDK's JSON answers loosely */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { conformance, sdk } from '../support/sdk-models.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * Segment's SDK through every IAM operation (`IAMRolesApi`, `IAMUsersApi`, `IAMGroupsApi`,
 * `LabelsApi`, the label operations of `SourcesApi`), each answer checked against the SDK's model.
 * Users are created in the store (accounts come from signing up in the web app).
 */

type Call = Promise<{ response: unknown; body: unknown }>

/** The call's `data`, after checking the raw answer against the SDK model. */
async function checked<T = any>(call: Call, model: string): Promise<T> {
  const { response } = await call
  const raw = (response as { body: { data: unknown } }).body
  assert.deepEqual(conformance(raw.data, model), [], `${model}: ${JSON.stringify(raw)}`)
  return raw.data as T
}

describe("IAM operations through Segment's SDK", () => {
  let sy: TestSwitchyard
  let apis: ReturnType<typeof sdk.configureApis>
  let workspaceId: string
  let ada: { id: string; email: string }
  let bob: { id: string; email: string }

  before(async () => {
    sy = await startTestSwitchyard()
    apis = sdk.configureApis(sy.ownerToken)
    for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
    workspaceId = sy.switchyard.bootstrap.workspace.id
    const store = sy.switchyard.store
    for (const [email, name] of [
      ['ada@example.com', 'Ada'],
      ['bob@example.com', 'Bob'],
    ] as const) {
      const user = await store.users.create({ email, name, password: 'correct horse battery staple' })
      await store.users.addMember({ workspaceId, userId: user.id, role: 'Workspace Member' })
    }
    ada = (await store.users.findByEmail('ada@example.com'))!
    bob = (await store.users.findByEmail('bob@example.com'))!
  })
  after(async () => sy?.stop())

  test('listRoles', async () => {
    const data = await checked(apis.iamRoles.listRoles({ count: 100 }), 'ListRolesV1Output')
    const names = data.roles.map((r: { name: string }) => r.name)
    for (const name of [
      'Workspace Owner',
      'Workspace Member',
      'Source Admin',
      'Source Read-only',
      'Warehouse Destination Admin',
      'Warehouse Destination Read-only',
      'Tracking Plan Admin',
      'Tracking Plan Read-only',
      'Identity Admin',
      'Identity Read-only',
      'Unify and Engage Admin',
      'Unify and Engage Read-only',
      'Unify Read-only and Engage User',
      'PII Access',
    ]) {
      assert.ok(names.includes(name), name)
    }
    const page = await checked(apis.iamRoles.listRoles({ count: 2 }), 'ListRolesV1Output')
    assert.equal(page.roles.length, 2)
    assert.ok(page.pagination.next)
  })

  test('labels: createLabel, listLabels, addLabelsToSource, replaceLabelsInSource, deleteLabel', async () => {
    const created = await checked(
      apis.labels.createLabel({ label: { key: 'environment', value: 'prod', description: 'Production' } }),
      'CreateLabelV1Output',
    )
    assert.deepEqual(created.label, { key: 'environment', value: 'prod', description: 'Production' })
    await checked(
      apis.labels.createLabel({ label: { key: 'environment', value: 'dev' } }),
      'CreateLabelV1Output',
    )
    await checked(apis.labels.createLabel({ label: { key: 'brand', value: 'car' } }), 'CreateLabelV1Output')
    const listed = await checked(apis.labels.listLabels(), 'ListLabelsV1Output')
    assert.deepEqual(
      listed.labels.map((l: { key: string; value: string }) => `${l.key}:${l.value}`),
      ['brand:car', 'environment:dev', 'environment:prod'],
    )

    const source = await sy.createSource('labelled')
    const added = await checked(
      apis.sources.addLabelsToSource(source.id, { labels: [{ key: 'environment', value: 'dev' }] }),
      'AddLabelsToSourceV1Output',
    )
    assert.deepEqual(
      added.labels.map((l: { value: string }) => l.value),
      ['dev'],
    )
    // Adding a key the source already has replaces its value (one value per key).
    const moved = await checked(
      apis.sources.addLabelsToSource(source.id, {
        labels: [
          { key: 'environment', value: 'prod' },
          { key: 'brand', value: 'car' },
        ],
      }),
      'AddLabelsToSourceV1Output',
    )
    assert.deepEqual(moved.labels.map((l: { key: string; value: string }) => `${l.key}:${l.value}`).sort(), [
      'brand:car',
      'environment:prod',
    ])
    const replaced = await checked(
      apis.sources.replaceLabelsInSource(source.id, { labels: [{ key: 'brand', value: 'car' }] }),
      'ReplaceLabelsInSourceV1Output',
    )
    assert.deepEqual(
      replaced.labels.map((l: { key: string }) => l.key),
      ['brand'],
    )

    // In use on a source: refused; unused: deleted.
    const inUse = await sy.api('/labels/brand/car', { method: 'DELETE' })
    assert.equal(inUse.status, 409)
    const deleted = await checked(apis.labels.deleteLabel('environment', 'dev'), 'DeleteLabelV1Output')
    assert.equal(deleted.status, 'SUCCESS')
    const unknown = await sy.api('/labels/environment/dev', { method: 'DELETE' })
    assert.equal(unknown.status, 404)
    const bad = await sy.api('/labels', { method: 'POST', body: { label: { key: '1x', value: 'y' } } })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.errors[0].field, 'label.key')
  })

  test('users: listUsers, getUser, addPermissionsToUser, replacePermissionsForUser', async () => {
    const users = await checked(apis.iamUsers.listUsers({ count: 10 }), 'ListUsersV1Output')
    assert.deepEqual(
      users.users.map((u: { email: string }) => u.email),
      ['ada@example.com', 'bob@example.com'],
    )
    assert.equal(users.users[0].permissions[0].roleName, 'Workspace Member')

    const source = await sy.createSource('ada-source')
    const addedPermissions = await checked(
      apis.iamUsers.addPermissionsToUser(ada.id, {
        permissions: [{ roleId: 'source-admin', resources: [{ id: source.id, type: 'SOURCE' as any }] }],
      }),
      'AddPermissionsToUserV1Output',
    )
    assert.deepEqual(
      addedPermissions.permissions.map((p: { roleId: string }) => p.roleId),
      ['source-admin', 'workspace-member'],
    )
    const got = await checked(apis.iamUsers.getUser(ada.id), 'GetUserV1Output')
    assert.equal(got.user.email, 'ada@example.com')
    assert.deepEqual(
      got.user.permissions.find((p: { roleId: string }) => p.roleId === 'source-admin').resources,
      [{ id: source.id, type: 'SOURCE' }],
    )

    const replaced = await checked(
      apis.iamUsers.replacePermissionsForUser(ada.id, {
        permissions: [
          {
            roleId: 'source-read-only',
            resources: [
              { id: workspaceId, type: 'WORKSPACE' as any, labels: [{ key: 'brand', value: 'car' }] },
            ],
          },
          { roleId: 'pii-access', resources: [{ id: workspaceId, type: 'WORKSPACE' as any }] },
        ],
      }),
      'ReplacePermissionsForUserV1Output',
    )
    assert.deepEqual(
      replaced.permissions.map((p: { roleId: string }) => p.roleId),
      ['pii-access', 'source-read-only', 'workspace-member'],
    )
    // A label in a permission can't be deleted.
    assert.equal((await sy.api('/labels/brand/car', { method: 'DELETE' })).status, 409)

    const badRole = await sy.api(`/users/${ada.id}/permissions`, {
      method: 'PUT',
      body: { permissions: [{ roleId: 'nope', resources: [{ id: workspaceId, type: 'WORKSPACE' }] }] },
    })
    assert.equal(badRole.status, 400)
    assert.equal(badRole.body.errors[0].field, 'permissions[0].roleId')
    const badScope = await sy.api(`/users/${ada.id}/permissions`, {
      method: 'PUT',
      body: {
        permissions: [{ roleId: 'tracking-plan-admin', resources: [{ id: source.id, type: 'SOURCE' }] }],
      },
    })
    assert.equal(badScope.status, 400)
    assert.equal((await sy.api('/users/nobody')).status, 404)
  })

  test('invites: createInvites, listInvites, deleteInvites', async () => {
    const created = await checked(
      apis.iamUsers.createInvites({
        invites: [
          { email: 'Carol@Example.com', permissions: [{ roleId: 'warehouse-read-only' }] },
          { email: 'dan@example.com' },
        ],
      }),
      'CreateInvitesV1Output',
    )
    assert.deepEqual(created.emails, ['carol@example.com', 'dan@example.com'])
    const listed = await checked(apis.iamUsers.listInvites({ count: 10 }), 'ListInvitesV1Output')
    assert.deepEqual(listed.invites, ['carol@example.com', 'dan@example.com'])
    const member = await sy.api('/invites', { method: 'POST', body: { invites: [{ email: ada.email }] } })
    assert.equal(member.status, 409)

    const deleted = await checked(apis.iamUsers.deleteInvites(['dan@example.com']), 'DeleteInvitesV1Output')
    assert.equal(deleted.status, 'SUCCESS')
    const after = await checked(apis.iamUsers.listInvites({ count: 10 }), 'ListInvitesV1Output')
    assert.deepEqual(after.invites, ['carol@example.com'])

    // Accepting (the sign-up flow) makes a member with the invite's permissions.
    const store = sy.switchyard.store
    const carol = await store.users.create({
      email: 'carol@example.com',
      name: 'Carol',
      password: 'pw pw pw pw',
    })
    assert.equal(await store.invites.accept(workspaceId, 'carol@example.com', carol.id), true)
    const got = await checked(apis.iamUsers.getUser(carol.id), 'GetUserV1Output')
    assert.deepEqual(
      got.user.permissions.map((p: { roleId: string }) => p.roleId),
      ['warehouse-read-only', 'workspace-member'],
    )
  })

  test('user groups: the whole IAMGroupsApi', async () => {
    const created = await checked(
      apis.iamGroups.createUserGroup({ name: 'Analysts' }),
      'CreateUserGroupV1Output',
    )
    const id = created.userGroup.id
    assert.equal(created.userGroup.memberCount, 0)
    const dup = await sy.api('/groups', { method: 'POST', body: { name: 'Analysts' } })
    assert.equal(dup.status, 409)

    const renamed = await checked(
      apis.iamGroups.updateUserGroup(id, { name: 'Data analysts' }),
      'UpdateUserGroupV1Output',
    )
    assert.equal(renamed.userGroup.name, 'Data analysts')

    const added = await checked(
      apis.iamGroups.addUsersToUserGroup(id, { emails: [ada.email, 'eve@example.com'] }),
      'AddUsersToUserGroupV1Output',
    )
    assert.equal(added.userGroup.memberCount, 2)
    const users = await checked(
      apis.iamGroups.listUsersFromUserGroup(id, { count: 10 }),
      'ListUsersFromUserGroupV1Output',
    )
    assert.deepEqual(users.users, [{ id: ada.id, name: 'Ada', email: ada.email }])
    const invites = await checked(
      apis.iamGroups.listInvitesFromUserGroup(id, { count: 10 }),
      'ListInvitesFromUserGroupV1Output',
    )
    assert.deepEqual(invites.emails, ['eve@example.com'])
    const groupsOfAda = await checked(
      apis.iamUsers.listUserGroupsFromUser(ada.id, { count: 10 }),
      'ListUserGroupsFromUserV1Output',
    )
    assert.deepEqual(groupsOfAda.groups, [{ id, name: 'Data analysts' }])

    const replacedUsers = await checked(
      apis.iamGroups.replaceUsersInUserGroup(id, { emails: [bob.email, ada.email] }),
      'ReplaceUsersInUserGroupV1Output',
    )
    assert.equal(replacedUsers.userGroup.memberCount, 2)
    const removed = await checked(
      apis.iamGroups.removeUsersFromUserGroup(id, [bob.email]),
      'RemoveUsersFromUserGroupV1Output',
    )
    assert.equal(removed.status, 'SUCCESS')

    const addedPermissions = await checked(
      apis.iamGroups.addPermissionsToUserGroup(id, {
        permissions: [
          { roleId: 'warehouse-read-only', resources: [{ id: workspaceId, type: 'WORKSPACE' as any }] },
        ],
      }),
      'AddPermissionsToUserGroupV1Output',
    )
    assert.deepEqual(
      addedPermissions.permissions.map((p: { roleId: string }) => p.roleId),
      ['warehouse-read-only'],
    )
    const replacedPermissions = await checked(
      apis.iamGroups.replacePermissionsForUserGroup(id, {
        permissions: [
          { roleId: 'tracking-plan-admin', resources: [{ id: workspaceId, type: 'WORKSPACE' as any }] },
        ],
      }),
      'ReplacePermissionsForUserGroupV1Output',
    )
    assert.deepEqual(
      replacedPermissions.permissions.map((p: { roleId: string }) => p.roleId),
      ['tracking-plan-admin'],
    )

    const got = await checked(apis.iamGroups.getUserGroup(id), 'GetUserGroupV1Output')
    assert.equal(got.userGroup.memberCount, 1)
    assert.equal(got.userGroup.permissions[0].roleName, 'Tracking Plan Admin')
    const listed = await checked(apis.iamGroups.listUserGroups({ count: 10 }), 'ListUserGroupsV1Output')
    assert.equal(listed.userGroups.length, 1)

    // A logged-in member gets the group's grants as well as their own.
    const { userPrincipal } = await import('../../src/api/index.ts')
    const principal = (await userPrincipal(sy.switchyard.store, workspaceId, ada.id))!
    assert.ok(principal.grants.some((g) => g.roleId === 'tracking-plan-admin'))
    assert.ok(principal.grants.some((g) => g.roleId === 'pii-access'))

    const deleted = await checked(apis.iamGroups.deleteUserGroup(id), 'DeleteUserGroupV1Output')
    assert.equal(deleted.status, 'SUCCESS')
    assert.equal((await sy.api(`/groups/${id}`)).status, 404)
  })

  test('deleteUsers removes the membership, its permissions and group memberships', async () => {
    const deleted = await checked(apis.iamUsers.deleteUsers([bob.id]), 'DeleteUsersV1Output')
    assert.equal(deleted.status, 'SUCCESS')
    assert.equal((await sy.api(`/users/${bob.id}`)).status, 404)
    assert.equal((await sy.api(`/users?userIds=${bob.id}`, { method: 'DELETE' })).status, 404)
    assert.equal((await sy.api('/users', { method: 'DELETE' })).status, 400)
  })

  test('IAM changes are in the audit trail with Segment names', async () => {
    const events = await sy.switchyard.store.audit.list(workspaceId, { offset: 0, limit: 1000 })
    const types = new Set(events.items.map((e: { type: string }) => e.type))
    for (const type of [
      'Label Created',
      'Label Deleted',
      'User Policy Updated',
      'Non-Segment User Invited to Workspace',
      'Invite Deleted',
      'User Group Created',
      'User Group Updated',
      'User Group Deleted',
      'User Group Policy Updated',
      'User Added To User Group',
      'User Removed From User Group',
      'User Removed From Workspace',
      'Source Modified',
    ]) {
      assert.ok(types.has(type), type)
    }
  })
})
