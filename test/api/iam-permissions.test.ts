import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const DUCKDB = 'switchyard-duckdb'
const WEBHOOKS = '54521fdc25e721e32a72ef04'
const webhookSettings = () => ({ hooks: [{ hook: 'https://hooks.example.com/in' }] })

/**
 * The permission matrix: for each role (a token issued with it), which operations are allowed and
 * which get 403. "Allowed" means the guard let the request through: the operation may still
 * answer 400 for the deliberately empty bodies used where a real change is not needed.
 * Source A carries `environment:prod`, source B `environment:dev`.
 */

interface Fixture {
  workspaceId: string
  sourceA: string
  sourceB: string
  destinationA: string
  destinationB: string
  warehouse1: string
  warehouse2: string
}

type Permissions = { roleId: string; resources: { id: string; type: string; labels?: unknown[] }[] }[]

/** The tokens of the matrix, by column name: role and finer permissions. */
const PRINCIPALS: Record<string, (f: Fixture) => { role: string; permissions: Permissions }> = {
  owner: () => ({ role: 'Workspace Owner', permissions: [] }),
  member: () => ({ role: 'Workspace Member', permissions: [] }),
  srcAdminA: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'source-admin', resources: [{ id: f.sourceA, type: 'SOURCE' }] }],
  }),
  srcAdminProd: (f) => ({
    role: 'Workspace Member',
    permissions: [
      {
        roleId: 'source-admin',
        resources: [
          { id: f.workspaceId, type: 'WORKSPACE', labels: [{ key: 'environment', value: 'prod' }] },
        ],
      },
    ],
  }),
  srcAdminAll: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'source-admin', resources: [{ id: f.workspaceId, type: 'WORKSPACE' }] }],
  }),
  srcRead: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'source-read-only', resources: [{ id: f.workspaceId, type: 'WORKSPACE' }] }],
  }),
  whAdmin: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'warehouse-admin', resources: [{ id: f.workspaceId, type: 'WORKSPACE' }] }],
  }),
  whRead1: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'warehouse-read-only', resources: [{ id: f.warehouse1, type: 'WAREHOUSE' }] }],
  }),
  // Source Admin on A plus Warehouse Admin on 1: may connect A to 1, nothing else.
  srcAwh1: (f) => ({
    role: 'Workspace Member',
    permissions: [
      { roleId: 'source-admin', resources: [{ id: f.sourceA, type: 'SOURCE' }] },
      { roleId: 'warehouse-admin', resources: [{ id: f.warehouse1, type: 'WAREHOUSE' }] },
    ],
  }),
  tpAdmin: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'tracking-plan-admin', resources: [{ id: f.workspaceId, type: 'WORKSPACE' }] }],
  }),
  identity: (f) => ({
    role: 'Workspace Member',
    permissions: [{ roleId: 'identity-admin', resources: [{ id: f.workspaceId, type: 'WORKSPACE' }] }],
  }),
}

type Column = keyof typeof PRINCIPALS
const COLUMNS = Object.keys(PRINCIPALS) as Column[]

interface Operation {
  name: string
  method?: string
  path: (f: Fixture) => string
  body?: (f: Fixture) => unknown
  /** The principals allowed; every other one must get 403. */
  allowed: Column[]
}

const ALL = COLUMNS
const SOURCE_READERS_A: Column[] = ['owner', 'srcAdminA', 'srcAdminProd', 'srcAdminAll', 'srcRead', 'srcAwh1']
const SOURCE_WRITERS_A: Column[] = ['owner', 'srcAdminA', 'srcAdminProd', 'srcAdminAll', 'srcAwh1']
const SOURCE_READERS_B: Column[] = ['owner', 'srcAdminAll', 'srcRead']
const SOURCE_WRITERS_B: Column[] = ['owner', 'srcAdminAll']

const MATRIX: Operation[] = [
  { name: 'getWorkspace', path: () => '/', allowed: ALL },
  { name: 'listRoles', path: () => '/roles', allowed: ALL },
  { name: 'listLabels', path: () => '/labels', allowed: ALL },
  { name: 'getSourcesCatalog', path: () => '/catalog/sources?pagination[count]=1', allowed: ALL },
  {
    name: 'listSources',
    path: () => '/sources',
    allowed: ['owner', 'srcAdminA', 'srcAdminProd', 'srcAdminAll', 'srcRead', 'srcAwh1'],
  },
  { name: 'getSource A', path: (f) => `/sources/${f.sourceA}`, allowed: SOURCE_READERS_A },
  { name: 'getSource B', path: (f) => `/sources/${f.sourceB}`, allowed: SOURCE_READERS_B },
  {
    name: 'updateSource A',
    method: 'PATCH',
    path: (f) => `/sources/${f.sourceA}`,
    body: () => ({ name: 'Source A' }),
    allowed: SOURCE_WRITERS_A,
  },
  {
    name: 'updateSource B',
    method: 'PATCH',
    path: (f) => `/sources/${f.sourceB}`,
    body: () => ({ name: 'Source B' }),
    allowed: SOURCE_WRITERS_B,
  },
  // Creating needs the role on all current and future sources.
  {
    name: 'createSource',
    method: 'POST',
    path: () => '/sources',
    body: () => ({}),
    allowed: ['owner', 'srcAdminAll'],
  },
  {
    name: 'addLabelsToSource B',
    method: 'POST',
    path: (f) => `/sources/${f.sourceB}/labels`,
    body: () => ({}),
    allowed: SOURCE_WRITERS_B,
  },
  {
    name: 'listArchivedMessagesFromSource A',
    path: (f) => `/sources/${f.sourceA}/archive/messages`,
    allowed: SOURCE_READERS_A,
  },
  {
    name: 'listArchivedMessagesFromSource B',
    path: (f) => `/sources/${f.sourceB}/archive/messages`,
    allowed: SOURCE_READERS_B,
  },
  { name: 'listDestinations', path: () => '/destinations', allowed: SOURCE_READERS_A },
  { name: 'getDestination A', path: (f) => `/destinations/${f.destinationA}`, allowed: SOURCE_READERS_A },
  { name: 'getDestination B', path: (f) => `/destinations/${f.destinationB}`, allowed: SOURCE_READERS_B },
  {
    name: 'updateDestination A',
    method: 'PATCH',
    path: (f) => `/destinations/${f.destinationA}`,
    body: () => ({ name: 'Hook A' }),
    allowed: SOURCE_WRITERS_A,
  },
  {
    name: 'updateDestination B',
    method: 'PATCH',
    path: (f) => `/destinations/${f.destinationB}`,
    body: () => ({ name: 'Hook B' }),
    allowed: SOURCE_WRITERS_B,
  },
  {
    name: 'createDestination on B',
    method: 'POST',
    path: () => '/destinations',
    body: (f) => ({ sourceId: f.sourceB, metadataId: 'not-a-destination', settings: {} }),
    // The source is checked after the body: those who can't write B get 403, the others 400.
    allowed: SOURCE_WRITERS_B,
  },
  {
    name: 'listFiltersFromDestination B',
    path: (f) => `/destination/${f.destinationB}/filters`,
    allowed: SOURCE_READERS_B,
  },
  { name: 'listWarehouses', path: () => '/warehouses', allowed: ['owner', 'whAdmin', 'whRead1', 'srcAwh1'] },
  {
    name: 'getWarehouse 1',
    path: (f) => `/warehouses/${f.warehouse1}`,
    allowed: ['owner', 'whAdmin', 'whRead1', 'srcAwh1'],
  },
  { name: 'getWarehouse 2', path: (f) => `/warehouses/${f.warehouse2}`, allowed: ['owner', 'whAdmin'] },
  {
    name: 'updateWarehouse 1',
    method: 'PATCH',
    path: (f) => `/warehouses/${f.warehouse1}`,
    body: () => ({ name: 'Warehouse one' }),
    allowed: ['owner', 'whAdmin', 'srcAwh1'],
  },
  {
    name: 'createWarehouse',
    method: 'POST',
    path: () => '/warehouses',
    body: () => ({}),
    allowed: ['owner', 'whAdmin'],
  },
  {
    name: 'addConnectionFromSourceToWarehouse 1 A',
    method: 'POST',
    path: (f) => `/warehouses/${f.warehouse1}/connected-sources/${f.sourceA}`,
    allowed: ['owner', 'srcAwh1'],
  },
  {
    name: 'addConnectionFromSourceToWarehouse 1 B',
    method: 'POST',
    path: (f) => `/warehouses/${f.warehouse1}/connected-sources/${f.sourceB}`,
    allowed: ['owner'],
  },
  {
    name: 'getDailyWorkspaceAPICallsUsage',
    path: () => '/usage/api-calls/daily?period=2026-11-01',
    allowed: ['owner'],
  },
  { name: 'listUsers', path: () => '/users', allowed: ['owner'] },
  { name: 'listInvites', path: () => '/invites', allowed: ['owner'] },
  { name: 'createInvites', method: 'POST', path: () => '/invites', body: () => ({}), allowed: ['owner'] },
  { name: 'listUserGroups', path: () => '/groups', allowed: ['owner'] },
  { name: 'createUserGroup', method: 'POST', path: () => '/groups', body: () => ({}), allowed: ['owner'] },
  { name: 'createLabel', method: 'POST', path: () => '/labels', body: () => ({}), allowed: ['owner'] },
  { name: 'deleteLabel', method: 'DELETE', path: () => '/labels/nope/nope', allowed: ['owner'] },
  { name: 'listTokens', path: () => '/tokens', allowed: ['owner'] },
  { name: 'createToken', method: 'POST', path: () => '/tokens', body: () => ({}), allowed: ['owner'] },
]

describe('permission matrix', () => {
  let sy: TestSwitchyard
  let f: Fixture
  const tokens = {} as Record<Column, string>

  before(async () => {
    sy = await startTestSwitchyard({ env: { SWITCHYARD_DEFAULT_WAREHOUSE: 'none' } })
    const workspaceId = sy.switchyard.bootstrap.workspace.id
    for (const value of ['prod', 'dev']) {
      await sy.api('/labels', { method: 'POST', body: { label: { key: 'environment', value } } })
    }
    const sourceA = (await sy.createSource('source-a')).id
    const sourceB = (await sy.createSource('source-b')).id
    await sy.api(`/sources/${sourceA}/labels`, {
      method: 'PUT',
      body: { labels: [{ key: 'environment', value: 'prod' }] },
    })
    await sy.api(`/sources/${sourceB}/labels`, {
      method: 'PUT',
      body: { labels: [{ key: 'environment', value: 'dev' }] },
    })
    const destination = async (sourceId: string) =>
      (
        await sy.api('/destinations', {
          method: 'POST',
          body: { sourceId, metadataId: WEBHOOKS, settings: webhookSettings(), enabled: false },
        })
      ).body.data.destination.id as string
    const warehouse = async (file: string) =>
      (
        await sy.api('/warehouses', {
          method: 'POST',
          body: { metadataId: DUCKDB, settings: { file }, enabled: false },
        })
      ).body.data.warehouse.id as string
    f = {
      workspaceId,
      sourceA,
      sourceB,
      destinationA: await destination(sourceA),
      destinationB: await destination(sourceB),
      warehouse1: await warehouse('one.duckdb'),
      warehouse2: await warehouse('two.duckdb'),
    }
    for (const column of COLUMNS) {
      const r = await sy.api('/tokens', {
        method: 'POST',
        body: { description: column, ...PRINCIPALS[column]!(f) },
      })
      assert.equal(r.status, 201, JSON.stringify(r.body))
      tokens[column] = r.body.data.secret
    }
  })
  after(async () => sy?.stop())

  for (const op of MATRIX) {
    test(op.name, async () => {
      const wrong: string[] = []
      for (const column of COLUMNS) {
        const r = await sy.api(op.path(f), {
          method: op.method ?? 'GET',
          token: tokens[column],
          ...(op.body && { body: op.body(f) }),
          ...(!op.body && op.method && op.method !== 'GET' && op.method !== 'DELETE' && { body: {} }),
        })
        const allowed = op.allowed.includes(column)
        if (allowed ? r.status === 403 || r.status === 401 : r.status !== 403) {
          wrong.push(`${column}: ${r.status} ${JSON.stringify(r.body?.errors?.[0]?.message ?? '')}`)
        }
        if (!allowed && r.status === 403) {
          assert.equal(r.body.errors[0].code, 'SY_API_FORBIDDEN')
          assert.match(r.body.errors[0].message, /lacks the [a-z-]+:[a-z]+ permission/)
        }
      }
      assert.deepEqual(wrong, [], `${op.name}: expected ${op.allowed.join(', ')} allowed`)
    })
  }

  test('the 403 names the permission and the resource', async () => {
    const r = await sy.api(`/sources/${f.sourceB}`, { token: tokens.srcAdminA! })
    assert.equal(r.status, 403)
    assert.match(
      r.body.errors[0].message,
      new RegExp(`source:read permission on source ${f.sourceB} needed for getSource`),
    )
    assert.deepEqual(r.body.errors[0].data, {
      permission: 'source:read',
      resource: { type: 'SOURCE', id: f.sourceB },
    })
    const create = await sy.api('/sources', { method: 'POST', body: {}, token: tokens.srcAdminA! })
    assert.match(
      create.body.errors[0].message,
      /source:write permission on all resources needed for createSource/,
    )
  })

  test('lists show only what the principal may read', async () => {
    const ids = async (path: string, key: string, token: string) =>
      ((await sy.api(path, { token })).body.data[key] as { id: string }[]).map((x) => x.id).sort()
    assert.deepEqual(await ids('/sources', 'sources', tokens.srcAdminA!), [f.sourceA])
    assert.deepEqual(await ids('/sources', 'sources', tokens.srcAdminProd!), [f.sourceA])
    assert.deepEqual(await ids('/sources', 'sources', tokens.srcRead!), [f.sourceA, f.sourceB].sort())
    assert.deepEqual(await ids('/destinations', 'destinations', tokens.srcAdminA!), [f.destinationA])
    assert.deepEqual(await ids('/warehouses', 'warehouses', tokens.whRead1!), [f.warehouse1])
    const page = await sy.api('/sources?pagination[count]=1', { token: tokens.srcAdminProd! })
    assert.equal(page.body.data.pagination.totalEntries, 1)
    // Both sources are connected to both warehouses; a scoped principal sees its own side of each.
    assert.deepEqual(await ids(`/warehouses/${f.warehouse1}/connected-sources`, 'sources', tokens.srcAwh1!), [
      f.sourceA,
    ])
    assert.deepEqual(await ids(`/sources/${f.sourceA}/connected-warehouses`, 'warehouses', tokens.srcAwh1!), [
      f.warehouse1,
    ])
    assert.deepEqual(
      await ids(`/warehouses/${f.warehouse1}/connected-sources`, 'sources', tokens.owner!),
      [f.sourceA, f.sourceB].sort(),
    )
  })

  test('label grants follow the labels: relabelling a source moves it in or out of scope', async () => {
    assert.equal((await sy.api(`/sources/${f.sourceB}`, { token: tokens.srcAdminProd! })).status, 403)
    await sy.api(`/sources/${f.sourceB}/labels`, {
      method: 'PUT',
      body: { labels: [{ key: 'environment', value: 'prod' }] },
    })
    assert.equal((await sy.api(`/sources/${f.sourceB}`, { token: tokens.srcAdminProd! })).status, 200)
    await sy.api(`/sources/${f.sourceB}/labels`, {
      method: 'PUT',
      body: { labels: [{ key: 'environment', value: 'dev' }] },
    })
    assert.equal((await sy.api(`/sources/${f.sourceB}`, { token: tokens.srcAdminProd! })).status, 403)
  })

  test('grants add up: a second policy widens access', async () => {
    const r = await sy.api('/tokens', {
      method: 'POST',
      body: {
        description: 'A and B',
        permissions: [
          { roleId: 'source-read-only', resources: [{ id: f.sourceA, type: 'SOURCE' }] },
          { roleId: 'source-admin', resources: [{ id: f.sourceB, type: 'SOURCE' }] },
        ],
      },
    })
    const token = r.body.data.secret as string
    assert.equal((await sy.api(`/sources/${f.sourceA}`, { token })).status, 200)
    assert.equal(
      (await sy.api(`/sources/${f.sourceA}`, { method: 'PATCH', body: { name: 'x' }, token })).status,
      403,
    )
    assert.equal(
      (await sy.api(`/sources/${f.sourceB}`, { method: 'PATCH', body: { name: 'Source B' }, token })).status,
      200,
    )
  })
})

describe('API token security', () => {
  let sy: TestSwitchyard

  before(async () => {
    sy = await startTestSwitchyard()
  })
  after(async () => sy?.stop())

  test('created by owners only, secret shown once, never again in answers or logs', async () => {
    const created = await sy.api('/tokens', {
      method: 'POST',
      body: {
        description: 'CI deploys',
        permissions: [
          {
            roleId: 'source-read-only',
            resources: [{ id: sy.switchyard.bootstrap.workspace.id, type: 'WORKSPACE' }],
          },
        ],
      },
    })
    assert.equal(created.status, 201)
    const secret = created.body.data.secret as string
    const id = created.body.data.token.id as string
    assert.match(secret, /^sy_tok_[A-Za-z0-9]{40}$/)
    assert.equal(created.body.data.token.secretHint, secret.slice(-4))
    assert.equal(created.body.data.token.role, 'Workspace Member')
    assert.equal(created.body.data.token.lastUsedAt, null)

    // The new token works, and its use is recorded.
    assert.equal((await sy.api('/sources', { token: secret })).status, 200)
    // A member token can't make tokens, whatever its roles.
    const byMember = await sy.api('/tokens', { method: 'POST', body: { description: 'x' }, token: secret })
    assert.equal(byMember.status, 403)

    const listed = await sy.api('/tokens')
    const shown = listed.body.data.tokens.find((t: { id: string }) => t.id === id)
    assert.equal(shown.description, 'CI deploys')
    assert.ok(shown.lastUsedAt)
    assert.equal(shown.permissions[0].roleName, 'Source Read-only')
    const got = await sy.api(`/tokens/${id}`)
    assert.equal(got.body.data.token.id, id)

    const everything = [JSON.stringify(listed.body), JSON.stringify(got.body), ...sy.logs]
    const audit = await sy.switchyard.store.audit.list(sy.switchyard.bootstrap.workspace.id, {
      offset: 0,
      limit: 1000,
    })
    everything.push(JSON.stringify(audit))
    for (const text of everything) {
      assert.ok(!text.includes(secret), 'the secret appears after creation')
      assert.ok(!text.includes(sy.ownerToken), 'the owner secret appears')
    }
    assert.ok(audit.items.some((e: { type: string }) => e.type === 'Access Token Created'))

    const noDescription = await sy.api('/tokens', { method: 'POST', body: { description: '  ' } })
    assert.equal(noDescription.status, 400)
  })

  test('a revoked token gets 401 on its very next request', async () => {
    const created = await sy.api('/tokens', {
      method: 'POST',
      body: { description: 'short-lived', role: 'Workspace Owner' },
    })
    const secret = created.body.data.secret as string
    assert.equal((await sy.api('/', { token: secret })).status, 200)
    const revoked = await sy.api(`/tokens/${created.body.data.token.id}`, { method: 'DELETE' })
    assert.equal(revoked.status, 200)
    const after = await sy.api('/', { token: secret })
    assert.equal(after.status, 401)
    assert.equal(after.body.errors[0].code, 'SY_API_AUTH_INVALID')
    const again = await sy.api(`/tokens/${created.body.data.token.id}`, { method: 'DELETE' })
    assert.equal(again.status, 404)
    const listed = await sy.api(`/tokens/${created.body.data.token.id}`)
    assert.ok(listed.body.data.token.revokedAt)
  })

  test('stored passwords are slow salted hashes', async () => {
    const { hashPassword, verifyPassword } = await import('../../src/store/index.ts')
    const started = performance.now()
    const a = await hashPassword('same password')
    const elapsed = performance.now() - started
    const b = await hashPassword('same password')
    assert.match(a, /^scrypt\$32768\$8\$1\$/)
    assert.notEqual(a, b, 'a salt per hash')
    assert.ok(await verifyPassword('same password', a))
    assert.ok(!(await verifyPassword('other password', a)))
    // Not a timing assertion on the machine: the cost parameters make it slow by construction.
    assert.ok(elapsed >= 0)
  })
})

describe('PII access', () => {
  let sy: TestSwitchyard

  before(async () => {
    sy = await startTestSwitchyard()
  })
  after(async () => sy?.stop())

  test('archive messages are masked without PII access and whole with it', async () => {
    const workspaceId = sy.switchyard.bootstrap.workspace.id
    const source = await sy.createSource('pii-web')
    const response = await fetch(`${sy.ingestUrl}/v1/identify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        userId: 'user-1',
        traits: { email: 'ada@example.com', name: 'Ada Lovelace', plan: 'pro', phone: '+44 20 7946 0958' },
        context: { ip: '203.0.113.9' },
      }),
    })
    assert.equal(response.status, 200)
    const token = async (permissions: unknown[]) =>
      (await sy.api('/tokens', { method: 'POST', body: { description: 'pii test', permissions } })).body.data
        .secret as string
    const ws = { id: workspaceId, type: 'WORKSPACE' }
    const reader = await token([{ roleId: 'source-read-only', resources: [ws] }])
    const piiReader = await token([
      { roleId: 'source-read-only', resources: [ws] },
      { roleId: 'pii-access', resources: [ws] },
    ])
    const messages = async (t: string) => {
      const deadline = Date.now() + 10_000
      for (;;) {
        const r = await sy.api(`/sources/${source.id}/archive/messages`, { token: t })
        assert.equal(r.status, 200)
        if (r.body.data.messages.length > 0 || Date.now() > deadline) return r.body.data.messages
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const [masked] = await messages(reader)
    assert.equal(masked.message.traits.email, '[masked]')
    assert.equal(masked.message.traits.name, '[masked]')
    assert.equal(masked.message.traits.phone, '[masked]')
    assert.equal(masked.message.traits.plan, 'pro')
    assert.equal(masked.message.context.ip, '[masked]')
    assert.equal(masked.message.userId, 'user-1')
    const [whole] = await messages(piiReader)
    assert.equal(whole.message.traits.email, 'ada@example.com')
    const [owner] = await messages(sy.ownerToken)
    assert.equal(owner.message.context.ip, '203.0.113.9')
  })
})
