import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import {
  bootstrapWorkspace,
  openStore,
  SYSTEM_ACTOR,
  type Store,
  type Workspace,
} from '../../src/store/index.ts'
import { isSwitchyardError } from '../../src/errors/index.ts'
import { dialects, type TestDatabase } from '../support/services.ts'

const SECRET_KEY = 'test-secret-key-test-secret-key-123'

for (const dialect of await dialects()) {
  describe(`store on ${dialect.name}`, { skip: dialect.skip }, () => {
    let database: TestDatabase
    let store: Store
    let workspace: Workspace
    let clock = new Date('2026-01-01T00:00:00.000Z')

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

    const coded = (code: string, field: string) => (e: unknown) =>
      isSwitchyardError(e) && e.code === code && e.field === field
    const conflict = (field: string) => coded('SY_RESOURCE_CONFLICT', field)

    test('migrating again applies nothing', async () => {
      assert.deepEqual((await store.migrate()).applied, [])
    })

    test('sources: create, get, update, list', async () => {
      const s = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'web',
        name: 'Website',
        enabled: true,
        metadataId: 'IqDTy1TpoU',
        settings: { website: 'https://example.com' },
      })
      assert.equal(s.id.length, 22)
      assert.equal(s.writeKeys.length, 1)
      assert.match(s.writeKeys[0]!, /^[0-9A-Za-z]{32}$/)
      assert.deepEqual(await store.sources.get(workspace.id, s.id), s)

      const updated = await store.sources.update(workspace.id, s.id, { enabled: false, name: 'Site' })
      assert.equal(updated?.enabled, false)
      assert.equal(updated?.name, 'Site')
      assert.equal(updated?.slug, 'web')
      assert.deepEqual(updated?.settings, { website: 'https://example.com' })
      assert.equal(await store.sources.get('other-workspace', s.id), undefined, 'scoped to its workspace')
    })

    test('sources: duplicate slug is a conflict, on create and on rename', async () => {
      await assert.rejects(
        store.sources.create({
          workspaceId: workspace.id,
          slug: 'web',
          name: 'x',
          enabled: true,
          metadataId: 'm',
        }),
        conflict('slug'),
      )
      const other = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'server',
        name: 'Server',
        enabled: true,
        metadataId: 'm',
      })
      await assert.rejects(store.sources.update(workspace.id, other.id, { slug: 'web' }), conflict('slug'))
      const ws2 = await store.workspaces.create({ slug: 'other', name: 'Other' })
      const same = await store.sources.create({
        workspaceId: ws2.id,
        slug: 'web',
        name: 'x',
        enabled: true,
        metadataId: 'm',
      })
      assert.equal(same.slug, 'web', 'slugs are unique per workspace only')
    })

    test('sources: list pages in creation order with a total', async () => {
      const ws = await store.workspaces.create({ slug: 'paging', name: 'Paging' })
      for (let i = 0; i < 5; i++) {
        clock = new Date(clock.getTime() + 1000)
        await store.sources.create({
          workspaceId: ws.id,
          slug: `s${i}`,
          name: `S${i}`,
          enabled: true,
          metadataId: 'm',
        })
      }
      const first = await store.sources.list(ws.id, { offset: 0, limit: 2 })
      const last = await store.sources.list(ws.id, { offset: 4, limit: 2 })
      assert.equal(first.total, 5)
      assert.deepEqual(
        first.items.map((s) => s.slug),
        ['s0', 's1'],
      )
      assert.deepEqual(
        last.items.map((s) => s.slug),
        ['s4'],
      )
    })

    test('write keys: add, find, remove', async () => {
      const s = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'keys',
        name: 'K',
        enabled: true,
        metadataId: 'm',
      })
      clock = new Date(clock.getTime() + 1000)
      const second = await store.sources.addWriteKey(workspace.id, s.id)
      assert.equal((await store.sources.findByWriteKey(second))?.id, s.id)
      assert.deepEqual((await store.sources.get(workspace.id, s.id))?.writeKeys, [s.writeKeys[0], second])
      await store.sources.removeWriteKey(workspace.id, s.id, s.writeKeys[0]!)
      assert.equal(await store.sources.findByWriteKey(s.writeKeys[0]!), undefined)
      await assert.rejects(
        store.sources.removeWriteKey(workspace.id, s.id, 'nope'),
        coded('SY_RESOURCE_NOT_FOUND', 'writeKey'),
      )
      await assert.rejects(
        store.sources.removeWriteKey(workspace.id, s.id, second),
        coded('SY_RESOURCE_INVALID', 'writeKey'),
      )
      await assert.rejects(
        store.sources.addWriteKey('other-workspace', s.id),
        coded('SY_RESOURCE_NOT_FOUND', 'sourceId'),
      )
      for (let i = 1; i < 10; i++) await store.sources.addWriteKey(workspace.id, s.id)
      await assert.rejects(
        store.sources.addWriteKey(workspace.id, s.id),
        coded('SY_RESOURCE_INVALID', 'writeKey'),
      )
    })

    test('write keys: concurrent removals never leave a source without a key', async () => {
      for (let round = 0; round < 5; round++) {
        const s = await store.sources.create({
          workspaceId: workspace.id,
          slug: `race-${round}`,
          name: 'R',
          enabled: true,
          metadataId: 'm',
        })
        const second = await store.sources.addWriteKey(workspace.id, s.id)
        const results = await Promise.allSettled([
          store.sources.removeWriteKey(workspace.id, s.id, s.writeKeys[0]!),
          store.sources.removeWriteKey(workspace.id, s.id, second),
        ])
        assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
        assert.equal((await store.sources.get(workspace.id, s.id))?.writeKeys.length, 1)
      }
    })

    test('nothing links across workspaces', async () => {
      const other = await store.workspaces.create({ slug: 'elsewhere', name: 'Elsewhere' })
      const theirs = await store.sources.create({
        workspaceId: other.id,
        slug: 'theirs',
        name: 'T',
        enabled: true,
        metadataId: 'm',
      })
      await assert.rejects(
        store.destinations.create({
          workspaceId: workspace.id,
          sourceId: theirs.id,
          metadataId: 'webhook',
          name: 'x',
          enabled: true,
          settings: {},
        }),
        coded('SY_RESOURCE_NOT_FOUND', 'sourceId'),
      )
      await store.labels.create(workspace.id, { key: 'team', value: 'a' })
      await assert.rejects(
        store.labels.replaceOnSource(workspace.id, theirs.id, [{ key: 'team', value: 'a' }]),
        coded('SY_RESOURCE_NOT_FOUND', 'sourceId'),
      )
      const w = await store.warehouses.create({
        workspaceId: workspace.id,
        metadataId: 'duckdb',
        name: 'W',
        enabled: true,
        settings: {},
      })
      await assert.rejects(
        store.warehouses.connectSource(workspace.id, w.id, theirs.id),
        coded('SY_RESOURCE_NOT_FOUND', 'sourceId'),
      )
      await assert.rejects(
        store.warehouses.connectSource(other.id, w.id, theirs.id),
        coded('SY_RESOURCE_NOT_FOUND', 'warehouseId'),
      )
    })

    test('the store refuses its own repositories inside a transaction instead of deadlocking', async () => {
      await assert.rejects(
        store.transaction(async () => {
          await store.workspaces.first()
        }),
        /use the tx repositories/,
      )
      assert.ok(await store.workspaces.first(), 'and works again outside')
    })

    test('labels: one value per key, must exist, in-use labels cannot be deleted', async () => {
      const s = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'lab',
        name: 'L',
        enabled: true,
        metadataId: 'm',
      })
      await store.labels.create(workspace.id, {
        key: 'environment',
        value: 'prod',
        description: 'Production',
      })
      await store.labels.create(workspace.id, { key: 'environment', value: 'dev' })
      await assert.rejects(
        store.labels.create(workspace.id, { key: 'environment', value: 'dev' }),
        conflict('label'),
      )
      await store.labels.replaceOnSource(workspace.id, s.id, [{ key: 'environment', value: 'prod' }])
      assert.deepEqual((await store.sources.get(workspace.id, s.id))?.labels, [
        { key: 'environment', value: 'prod', description: 'Production' },
      ])
      await assert.rejects(
        store.labels.replaceOnSource(workspace.id, s.id, [
          { key: 'environment', value: 'prod' },
          { key: 'environment', value: 'dev' },
        ]),
        (e) => isSwitchyardError(e) && e.field === 'labels',
      )
      await assert.rejects(
        store.labels.replaceOnSource(workspace.id, s.id, [{ key: 'team', value: 'x' }]),
        (e) => isSwitchyardError(e) && e.field === 'labels',
      )
      await assert.rejects(store.labels.delete(workspace.id, 'environment', 'prod'), conflict('label'))
      assert.equal(await store.labels.delete(workspace.id, 'environment', 'dev'), true)
    })

    test('destinations: settings are encrypted at rest and cascade with their source', async () => {
      const s = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'dst',
        name: 'D',
        enabled: true,
        metadataId: 'm',
      })
      const d = await store.destinations.create({
        workspaceId: workspace.id,
        sourceId: s.id,
        metadataId: 'webhook',
        name: 'Hook',
        enabled: false,
        settings: { apiKey: 'very-secret-api-key' },
      })
      assert.deepEqual((await store.destinations.get(workspace.id, d.id))?.settings, {
        apiKey: 'very-secret-api-key',
      })
      const raw = await sql<{
        settings_encrypted: string
      }>`select settings_encrypted from destinations where id = ${d.id}`.execute(
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (store as any).sources.ctx.db,
      )
      assert.doesNotMatch(raw.rows[0]!.settings_encrypted, /very-secret/)
      const updated = await store.destinations.update(workspace.id, d.id, {
        enabled: true,
        settings: { apiKey: 'k2' },
      })
      assert.deepEqual([updated?.enabled, updated?.settings], [true, { apiKey: 'k2' }])
      assert.equal(
        (await store.destinations.list(workspace.id, { offset: 0, limit: 10 }, { sourceId: s.id })).total,
        1,
      )

      const w = await store.warehouses.create({
        workspaceId: workspace.id,
        metadataId: 'duckdb',
        name: 'Lake',
        enabled: true,
        settings: { password: 'pw' },
      })
      await store.warehouses.connectSource(workspace.id, w.id, s.id)
      await store.warehouses.connectSource(workspace.id, w.id, s.id)
      assert.deepEqual(await store.warehouses.connectedSourceIds(workspace.id, w.id), [s.id])
      assert.deepEqual(await store.warehouses.connectedWarehouseIds(workspace.id, s.id), [w.id])

      assert.equal(await store.sources.delete(workspace.id, s.id), true)
      assert.equal(
        await store.destinations.get(workspace.id, d.id),
        undefined,
        'destination went with its source',
      )
      assert.deepEqual(await store.warehouses.connectedSourceIds(workspace.id, w.id), [])
      assert.equal(await store.sources.findByWriteKey(s.writeKeys[0]!), undefined)
      assert.equal((await store.warehouses.get(workspace.id, w.id))?.name, 'Lake', 'warehouse stays')
      assert.equal(await store.warehouses.disconnectSource(workspace.id, w.id, s.id), false)
      assert.equal(await store.warehouses.delete(workspace.id, w.id), true)
    })

    test('destinations: saving OAuth tokens keeps a settings change committed meanwhile', async () => {
      const s = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'oauth',
        name: 'O',
        enabled: true,
        metadataId: 'm',
      })
      const d = await store.destinations.create({
        workspaceId: workspace.id,
        sourceId: s.id,
        metadataId: 'webhook',
        name: 'Hook',
        enabled: true,
        settings: { apiKey: 'old' },
      })
      // A settings change holds the row while the tokens are saved; without a row lock on PostgreSQL
      // the save reads the old settings and writes them back over the change once it commits.
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      let changed!: () => void
      const updated = new Promise<void>((resolve) => (changed = resolve))
      const patch = store.transaction(async (tx) => {
        await tx.destinations.update(workspace.id, d.id, { settings: { apiKey: 'new' } })
        changed()
        await held
      })
      await updated
      const save = store.destinations.saveOAuthTokens(workspace.id, d.id, { accessToken: 't1' })
      await new Promise((resolve) => setTimeout(resolve, 100))
      release()
      await Promise.all([patch, save])
      assert.deepEqual((await store.destinations.get(workspace.id, d.id))?.settings, {
        apiKey: 'new',
        oauth: { accessToken: 't1' },
      })
      await store.sources.delete(workspace.id, s.id)
    })

    test('tokens: hashed, authenticate, last used, revoke', async () => {
      const { token, secret } = await store.tokens.create({
        workspaceId: workspace.id,
        description: 'ci',
        role: 'Workspace Member',
      })
      assert.match(secret, /^sy_tok_[0-9A-Za-z]{40}$/)
      assert.equal(token.secretHint, secret.slice(-4))
      assert.equal(token.lastUsedAt, null)
      const found = await store.tokens.authenticate(secret)
      assert.equal(found?.id, token.id)
      assert.equal(found?.lastUsedAt, clock.toISOString())
      assert.equal(await store.tokens.authenticate(secret + 'x'), undefined)
      const rows = await sql<{
        secret_hash: string
      }>`select secret_hash from api_tokens where id = ${token.id}`.execute(
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (store as any).tokens.ctx.db,
      )
      assert.notEqual(rows.rows[0]!.secret_hash, secret)
      assert.equal(await store.tokens.revoke(workspace.id, token.id), true)
      assert.equal(await store.tokens.authenticate(secret), undefined)
      assert.equal(await store.tokens.revoke(workspace.id, token.id), false)
    })

    test('users: scrypt passwords, unique emails, memberships', async () => {
      const u = await store.users.create({
        email: 'Ada@Example.com',
        name: 'Ada',
        password: 'correct horse battery',
      })
      assert.equal(u.email, 'ada@example.com')
      assert.equal(
        (await store.users.verifyCredentials('ada@example.com', 'correct horse battery'))?.id,
        u.id,
      )
      assert.equal(await store.users.verifyCredentials('ada@example.com', 'wrong'), undefined)
      assert.equal(await store.users.verifyCredentials('nobody@example.com', 'wrong'), undefined)
      await assert.rejects(
        store.users.create({ email: 'ada@example.com', name: 'A', password: 'x' }),
        conflict('email'),
      )
      await store.users.addMember({ workspaceId: workspace.id, userId: u.id, role: 'Workspace Owner' })
      assert.deepEqual(await store.users.memberships(u.id), [
        { workspaceId: workspace.id, userId: u.id, role: 'Workspace Owner' },
      ])
    })

    test('transactions: a failure rolls back every write, including the audit row', async () => {
      const before = (await store.audit.list(workspace.id, { offset: 0, limit: 1000 })).total
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.sources.create({
            workspaceId: workspace.id,
            slug: 'rolled',
            name: 'R',
            enabled: true,
            metadataId: 'm',
          })
          await tx.audit.record({
            workspaceId: workspace.id,
            type: 'Source Created',
            actor: SYSTEM_ACTOR,
            resource: { type: 'source', id: 'x', name: 'R' },
            before: null,
            after: {},
          })
          throw new Error('boom')
        }),
        /boom/,
      )
      const all = await store.sources.list(workspace.id, { offset: 0, limit: 1000 })
      assert.equal(
        all.items.some((s) => s.slug === 'rolled'),
        false,
      )
      assert.equal((await store.audit.list(workspace.id, { offset: 0, limit: 1000 })).total, before)
    })

    test('audit: newest first, filters by time and resource, prunes', async () => {
      const ws = await store.workspaces.create({ slug: 'audited', name: 'Audited' })
      const at = (iso: string) => (clock = new Date(iso))
      at('2026-02-01T00:00:00.000Z')
      await store.audit.record({
        workspaceId: ws.id,
        type: 'Source Created',
        actor: { type: 'token', id: 't1', name: 'ci' },
        resource: { type: 'source', id: 's1', name: 'Web' },
        before: null,
        after: { slug: 'web' },
      })
      at('2026-02-02T00:00:00.000Z')
      await store.audit.record({
        workspaceId: ws.id,
        type: 'Source Modified',
        actor: { type: 'user', id: 'u1', name: 'ada@example.com' },
        resource: { type: 'source', id: 's1', name: 'Web' },
        before: { enabled: true },
        after: { enabled: false },
      })
      const all = await store.audit.list(ws.id, { offset: 0, limit: 10 })
      assert.deepEqual(
        all.items.map((e) => e.type),
        ['Source Modified', 'Source Created'],
      )
      assert.deepEqual(all.items[0]!.before, { enabled: true })
      assert.equal(all.items[1]!.timestamp, '2026-02-01T00:00:00.000Z')
      const since = await store.audit.list(
        ws.id,
        { offset: 0, limit: 10 },
        { startTime: '2026-02-01T12:00:00.000Z' },
      )
      assert.deepEqual(
        since.items.map((e) => e.type),
        ['Source Modified'],
      )
      assert.equal((await store.audit.list(ws.id, { offset: 0, limit: 10 }, { actorId: 't1' })).total, 1)
      assert.equal(
        (await store.audit.list(ws.id, { offset: 0, limit: 10 }, { resourceType: 'warehouse' })).total,
        0,
      )
      await store.audit.prune('2026-02-01T12:00:00.000Z')
      assert.deepEqual(
        (await store.audit.list(ws.id, { offset: 0, limit: 10 })).items.map((e) => e.type),
        ['Source Modified'],
      )
    })
  })

  describe(`bootstrap on ${dialect.name}`, { skip: dialect.skip }, () => {
    test('first start creates the workspace and owner token once; restarts keep them', async () => {
      const database = await dialect.create()
      try {
        const open = () => openStore({ target: database.target, secretKey: SECRET_KEY })
        const first = open()
        await first.migrate()
        const created = await bootstrapWorkspace(first, {})
        assert.equal(created.created, true)
        assert.match(created.ownerTokenSecret!, /^sy_tok_/)
        assert.equal((await first.tokens.authenticate(created.ownerTokenSecret!))?.role, 'Workspace Owner')
        await first.close()

        const second = open()
        await second.migrate()
        const again = await bootstrapWorkspace(second, { bootstrapToken: 'ignored-on-restart-0123456789' })
        assert.equal(again.created, false)
        assert.equal(again.ownerTokenSecret, undefined)
        assert.equal(again.workspace.id, created.workspace.id)
        assert.equal(await second.tokens.authenticate('ignored-on-restart-0123456789'), undefined)
        assert.equal((await second.tokens.list(again.workspace.id)).length, 1)
        const audit = await second.audit.list(again.workspace.id, { offset: 0, limit: 10 })
        assert.deepEqual(audit.items.map((e) => e.type).sort(), ['Access Token Created', 'Workspace Created'])
        await second.close()
      } finally {
        await database.drop()
      }
    })

    const inProcessRace =
      dialect.name === 'sqlite'
        ? 'better-sqlite3 is synchronous, so connections in one thread block each other: test/cli/process.test.ts races real processes instead'
        : undefined
    test(
      'stores starting together on a fresh database bootstrap exactly one workspace',
      { skip: inProcessRace },
      async () => {
        const database = await dialect.create()
        const stores = [0, 1, 2].map(() => openStore({ target: database.target, secretKey: SECRET_KEY }))
        try {
          await Promise.all(stores.map((s) => s.migrate()))
          const results = await Promise.all(stores.map((s) => bootstrapWorkspace(s, {})))
          assert.equal(results.filter((r) => r.created).length, 1)
          assert.equal(new Set(results.map((r) => r.workspace.id)).size, 1)
          assert.equal((await stores[0]!.tokens.list(results[0]!.workspace.id)).length, 1)
        } finally {
          await Promise.all(stores.map((s) => s.close()))
          await database.drop()
        }
      },
    )

    test('a bootstrap token becomes the owner token secret and is not echoed back', async () => {
      const database = await dialect.create()
      const store = openStore({ target: database.target, secretKey: SECRET_KEY })
      try {
        await store.migrate()
        const result = await bootstrapWorkspace(store, { bootstrapToken: 'my-automation-secret-123456' })
        assert.equal(result.created, true)
        assert.equal(result.ownerTokenSecret, undefined)
        assert.equal(
          (await store.tokens.authenticate('my-automation-secret-123456'))?.workspaceId,
          result.workspace.id,
        )
      } finally {
        await store.close()
        await database.drop()
      }
    })
  })
}
