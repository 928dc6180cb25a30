import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const PASSWORD = 'correct horse battery staple'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
type Json = any

/**
 * What the web app's Settings and workspace switcher rely on beyond Segment's shapes: moving a
 * session to another of the user's workspaces (`POST /auth/session/workspace`), and where each
 * role can be granted (`listRoles`' `resourceTypes` and `labelScoped`).
 */
describe('switching a web session’s workspace; where roles can be granted', () => {
  let sy: TestSwitchyard
  let home: string
  let second: string
  let foreign: string

  before(async () => {
    sy = await startTestSwitchyard({ env: { SWITCHYARD_LOGIN_DELAY_MS: '1' } })
    const { store } = sy.switchyard
    home = sy.switchyard.bootstrap.workspace.id
    second = (await store.workspaces.create({ slug: 'zz-second', name: 'Second' })).id
    foreign = (await store.workspaces.create({ slug: 'zz-foreign', name: 'Foreign' })).id
    const user = await store.users.create({ email: 'kim@example.com', name: 'Kim', password: PASSWORD })
    await store.users.addMember({ workspaceId: home, userId: user.id, role: 'Workspace Owner' })
    await store.users.addMember({ workspaceId: second, userId: user.id, role: 'Workspace Member' })
  })
  after(async () => sy?.stop())

  /** Logs in and answers a caller that sends the cookie and CSRF token of that session. */
  async function logIn() {
    const login = await fetch(`${sy.controlUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'kim@example.com', password: PASSWORD, workspaceId: home }),
    })
    assert.equal(login.status, 200)
    const cookie = /^sy_session=([^;]*)/.exec(login.headers.get('set-cookie')!)![1]!
    const view = ((await login.json()) as Json).data
    return async (method: string, path: string, body?: unknown, csrf: string | null = view.csrfToken) => {
      const headers: Record<string, string> = { cookie: `sy_session=${cookie}` }
      if (csrf) headers['x-csrf-token'] = csrf
      if (body !== undefined) headers['content-type'] = 'application/json'
      const r = await fetch(`${sy.controlUrl}/api${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      return { status: r.status, body: (await r.json()) as Json }
    }
  }

  test('a member moves the session to another of their workspaces, and its role applies there', async () => {
    const call = await logIn()
    const before = await call('GET', '/auth/session')
    assert.equal(before.body.data.workspaceId, home)
    assert.deepEqual(
      before.body.data.workspaces.map((w: { id: string; role: string }) => [w.id, w.role]).sort(),
      [
        [home, 'Workspace Owner'],
        [second, 'Workspace Member'],
      ].sort(),
    )
    assert.equal((await call('GET', '/tokens')).status, 200, 'an owner at home')

    const switched = await call('POST', '/auth/session/workspace', { workspaceId: second })
    assert.equal(switched.status, 200)
    assert.equal(switched.body.data.workspaceId, second)
    assert.ok(switched.body.data.csrfToken)
    assert.equal((await call('GET', '/')).body.data.workspace.id, second)
    assert.equal((await call('GET', '/auth/session')).body.data.workspaceId, second)
    const tokens = await call('GET', '/tokens')
    assert.equal(tokens.status, 403, 'a member in the second workspace')
    assert.equal(tokens.body.errors[0].code, 'SY_API_FORBIDDEN')

    const back = await call('POST', '/auth/session/workspace', { workspaceId: home })
    assert.equal(back.body.data.workspaceId, home)
    assert.equal((await call('GET', '/tokens')).status, 200)
  })

  test('not into a workspace the user is not a member of, not without CSRF, not with a token', async () => {
    const call = await logIn()
    const refused = await call('POST', '/auth/session/workspace', { workspaceId: foreign })
    assert.equal(refused.status, 403)
    assert.equal(refused.body.errors[0].field, 'workspaceId')
    assert.equal((await call('GET', '/auth/session')).body.data.workspaceId, home, 'unchanged')
    const unknown = await call('POST', '/auth/session/workspace', { workspaceId: 'nope' })
    assert.equal(unknown.status, 403)
    const noCsrf = await call('POST', '/auth/session/workspace', { workspaceId: second }, null)
    assert.equal(noCsrf.body.errors[0].code, 'SY_API_CSRF_INVALID')
    const bad = await call('POST', '/auth/session/workspace', {})
    assert.equal(bad.status, 400)
    const token = await sy.api('/auth/session/workspace', { method: 'POST', body: { workspaceId: second } })
    assert.equal(token.status, 400)
    assert.equal(token.body.errors[0].field, 'Cookie')
  })

  test('listRoles says where each role can be granted', async () => {
    const { body } = await sy.api('/roles?pagination[count]=100')
    const byId = new Map(body.data.roles.map((r: { id: string }) => [r.id, r]))
    assert.deepEqual(byId.get('workspace-owner'), {
      id: 'workspace-owner',
      name: 'Workspace Owner',
      description: (byId.get('workspace-owner') as { description: string }).description,
      resourceTypes: ['WORKSPACE'],
      labelScoped: false,
    })
    assert.deepEqual(
      [byId.get('source-admin'), byId.get('warehouse-read-only')].map((r) => {
        const { resourceTypes, labelScoped } = r as { resourceTypes: string[]; labelScoped: boolean }
        return [resourceTypes, labelScoped]
      }),
      [
        [['WORKSPACE', 'SOURCE'], true],
        [['WORKSPACE', 'WAREHOUSE'], false],
      ],
    )
  })
})
