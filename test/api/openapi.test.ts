import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Fastify from 'fastify'
import { publicApi } from '../../src/api/index.ts'
import type { Store } from '../../src/store/index.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const METHODS = ['get', 'put', 'post', 'delete', 'patch']
const RATE_LIMIT_HEADERS = [
  'x-ratelimit-limit',
  'x-ratelimit-consumed',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
]

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is arbitrary JSON
type Doc = any

/** Every (path, method, operation) the document lists. */
function operationsOf(doc: Doc) {
  return Object.entries(doc.paths as Record<string, Record<string, Doc>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  )
}

test('GET /api/openapi.json describes every registered operation, without a token', async () => {
  const app = Fastify()
  const operations: string[] = []
  app.addHook('onRoute', (route) => {
    const operation = (route.config as { operation?: string } | undefined)?.operation
    if (operation) operations.push(operation)
  })
  await app.register(publicApi, { prefix: '/api', store: {} as Store, rateLimitPerMinute: 1 })
  const r = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  await app.close()
  assert.equal(r.statusCode, 200)
  assert.match(r.headers['content-type'] as string, /application\/json/)
  const doc = JSON.parse(r.body) as Doc

  assert.match(doc.openapi, /^3\.0\./)
  assert.equal(typeof doc.info.title, 'string')
  assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' })
  assert.deepEqual(doc.security, [{ bearerAuth: [] }])
  assert.ok(doc.components.schemas.Errors)

  const listed = operationsOf(doc)
  const ids = listed.map((o) => o.operation.operationId as string)
  assert.ok(
    ids.every((id) => typeof id === 'string' && id !== ''),
    'every operation has an operationId',
  )
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  for (const operation of new Set(operations)) assert.ok(ids.includes(operation), `${operation} is listed`)
  for (const id of ['listAuditEvents', 'getEventsVolumeFromWorkspace', 'listSources', 'getWorkspace'])
    assert.ok(ids.includes(id), id)

  for (const { path, method, operation } of listed) {
    const where = `${method.toUpperCase()} ${path}`
    assert.ok(path.startsWith('/'), where)
    assert.doesNotMatch(path, /:/, `${where}: path parameters are written {name}`)
    const declared = (operation.parameters ?? [])
      .filter((p: Doc) => p.in === 'path')
      .map((p: Doc) => p.name)
      .sort()
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    assert.deepEqual(declared, inPath, `${where}: every path parameter is declared`)
    assert.ok(operation.responses['2XX'] && operation.responses.default, where)
    assert.ok(operation['x-switchyard-permission'], where)
  }
  const create = listed.find((o) => o.operation.operationId === 'createSource')!
  assert.equal(create.method, 'post')
  assert.equal(create.path, '/sources')
  assert.ok(create.operation.requestBody.content['application/json'].schema.properties.slug)
  const echo = listed.filter((o) => o.path === '/echo').map((o) => o.operation.operationId)
  assert.deepEqual(echo.sort(), ['echo', 'echo_post'])
})

describe('every Public API answer carries the rate-limit headers and the envelope', () => {
  let sy: TestSwitchyard
  before(async () => {
    sy = await startTestSwitchyard()
  })
  after(async () => sy?.stop())

  test('each operation of the document, with a bad token, with the owner token (reads), and unknown paths', async () => {
    const served = await fetch(`${sy.controlUrl}/api/openapi.json`)
    assert.equal(served.status, 200, 'served on the control port without a token')
    const doc = (await served.json()) as Doc
    const check = (what: string, r: { status: number; headers: Headers; body: Doc }) => {
      for (const h of RATE_LIMIT_HEADERS) assert.ok(r.headers.get(h), `${what}: ${h}`)
      const keys = Object.keys(r.body ?? {})
      if (r.status < 400) assert.deepEqual(keys, ['data'], what)
      else {
        assert.deepEqual(keys, ['errors'], what)
        const [e] = r.body.errors
        assert.equal(typeof e.type, 'string', what)
        assert.equal(typeof e.message, 'string', what)
        assert.equal(e.status, r.status, what)
      }
    }
    for (const { path, method, operation } of operationsOf(doc)) {
      if (operation['x-switchyard-event-stream']) continue
      // Logging in and accepting an invite authenticate by their body, not a token.
      if (operation['x-switchyard-permission'] === 'public') continue
      const url = path.replace(/\{\w+\}/g, 'missing')
      const what = `${method.toUpperCase()} ${url}`
      const refused = await sy.api(url, {
        method: method.toUpperCase(),
        token: 'sy_tok_not-a-real-token',
        ...(method !== 'get' && method !== 'delete' && { body: {} }),
      })
      assert.equal(refused.status, 401, what)
      check(`${what} (bad token)`, refused)
      if (method === 'get') {
        const r = await sy.api(url)
        assert.ok(r.status < 500, `${what}: ${r.status} ${JSON.stringify(r.body)}`)
        check(`${what} (owner)`, r)
      }
    }
    check('unknown path', await sy.api('/no/such/operation'))
    check('no token', await sy.api('/sources', { token: null }))
  })
})
