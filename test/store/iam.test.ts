import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { openStore, type Store, type Workspace } from '../../src/store/index.ts'
import { dialects, type TestDatabase } from '../support/services.ts'

const SECRET_KEY = 'test-secret-key-test-secret-key-123'

for (const dialect of await dialects()) {
  describe(`IAM store on ${dialect.name}`, { skip: dialect.skip }, () => {
    let database: TestDatabase
    let store: Store
    let workspace: Workspace
    let clock = new Date('2026-11-01T12:00:00.000Z')

    before(async () => {
      database = await dialect.create()
      store = openStore({
        target: database.target,
        secretKey: SECRET_KEY,
        now: () => clock,
        guardTransactions: true,
      })
      await store.migrate()
      workspace = await store.workspaces.create({ slug: 'acme', name: 'Acme' })
    })
    after(async () => {
      await store?.close()
      await database?.drop()
    })

    test('policies: replace, add merges per role, move', async () => {
      const subject = { type: 'token' as const, id: 't1' }
      const ws = { id: workspace.id, type: 'WORKSPACE' as const }
      await store.policies.replace(workspace.id, subject, [
        { roleId: 'source-admin', resources: [{ id: 's1', type: 'SOURCE' }] },
      ])
      const added = await store.policies.add(workspace.id, subject, [
        {
          roleId: 'source-admin',
          resources: [
            { id: 's2', type: 'SOURCE' },
            { id: 's1', type: 'SOURCE' },
          ],
        },
        { roleId: 'pii-access', resources: [ws] },
      ])
      assert.deepEqual(added, [
        { roleId: 'pii-access', resources: [ws] },
        {
          roleId: 'source-admin',
          resources: [
            { id: 's1', type: 'SOURCE' },
            { id: 's2', type: 'SOURCE' },
          ],
        },
      ])
      assert.deepEqual(await store.policies.list(workspace.id, subject), added)
      await store.policies.move(workspace.id, subject, { type: 'user', id: 'u1' })
      assert.deepEqual(await store.policies.list(workspace.id, subject), [])
      assert.equal((await store.policies.list(workspace.id, { type: 'user', id: 'u1' })).length, 2)
      await store.policies.replace(workspace.id, { type: 'user', id: 'u1' }, [])
      assert.deepEqual(await store.policies.listAll(workspace.id), [])
    })

    test('user groups: names unique, members by email, counts', async () => {
      const g = await store.userGroups.create(workspace.id, 'Analysts')
      await assert.rejects(store.userGroups.create(workspace.id, 'Analysts'), {
        code: 'SY_RESOURCE_CONFLICT',
      })
      assert.deepEqual(
        await store.userGroups.addMembers(workspace.id, g.id, ['A@x.io', 'b@x.io', 'a@x.io']),
        ['a@x.io', 'b@x.io'],
      )
      assert.deepEqual(await store.userGroups.addMembers(workspace.id, g.id, ['a@x.io']), [])
      assert.equal((await store.userGroups.get(workspace.id, g.id))!.memberCount, 2)
      assert.deepEqual(await store.userGroups.groupsOf(workspace.id, 'A@X.io'), [
        { id: g.id, name: 'Analysts' },
      ])
      assert.deepEqual(await store.userGroups.removeMembers(workspace.id, g.id, ['b@x.io', 'c@x.io']), [
        'b@x.io',
      ])
      const renamed = await store.userGroups.rename(workspace.id, g.id, 'Data')
      assert.equal(renamed.name, 'Data')
      const page = await store.userGroups.list(workspace.id, { offset: 0, limit: 10 })
      assert.deepEqual(page, {
        items: [{ id: g.id, workspaceId: workspace.id, name: 'Data', memberCount: 1 }],
        total: 1,
      })
      assert.equal(await store.userGroups.delete(workspace.id, g.id), true)
      assert.deepEqual(await store.userGroups.groupsOf(workspace.id, 'a@x.io'), [])
    })

    test('invites expire, can be deleted, and accepting makes a member with their permissions', async () => {
      const ws = { id: workspace.id, type: 'WORKSPACE' as const }
      await store.invites.create(workspace.id, 'New@x.io', 'owner-token', 60_000)
      await store.policies.replace(workspace.id, { type: 'invite', id: 'new@x.io' }, [
        { roleId: 'warehouse-read-only', resources: [ws] },
      ])
      await store.invites.create(workspace.id, 'old@x.io', 'owner-token', 1_000)
      clock = new Date(clock.getTime() + 5_000)
      const listed = await store.invites.list(workspace.id, { offset: 0, limit: 10 })
      assert.deepEqual(
        listed.items.map((i) => i.email),
        ['new@x.io'],
      )
      assert.equal(await store.invites.accept(workspace.id, 'old@x.io', 'nobody'), false)

      const user = await store.users.create({ email: 'new@x.io', name: 'New', password: 'a password here' })
      assert.equal(await store.invites.accept(workspace.id, 'new@x.io', user.id), true)
      assert.equal((await store.users.members.get(workspace.id, user.id))!.role, 'Workspace Member')
      assert.deepEqual(await store.policies.list(workspace.id, { type: 'user', id: user.id }), [
        { roleId: 'warehouse-read-only', resources: [ws] },
      ])
      assert.equal((await store.invites.list(workspace.id, { offset: 0, limit: 10 })).total, 0)

      await store.invites.create(workspace.id, 'gone@x.io', 'owner-token', 60_000)
      assert.deepEqual(await store.invites.delete(workspace.id, ['gone@x.io', 'never@x.io']), ['gone@x.io'])
      assert.equal(await store.users.members.remove(workspace.id, user.id), true)
      assert.equal(await store.users.members.get(workspace.id, user.id), undefined)
    })
  })
}
