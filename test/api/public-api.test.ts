import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { dialects, type TestDatabase } from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const JS = 'IqDTy1TpoU' // Javascript in the source catalog
const HTTP_API = 'iUM16Md8P2'

for (const dialect of await dialects()) {
  describe(`Public API on ${dialect.name}`, { skip: dialect.skip }, () => {
    let sy: TestSwitchyard
    let database: TestDatabase

    before(async () => {
      database = await dialect.create()
      sy = await startTestSwitchyard({ database })
    })
    after(async () => {
      await sy?.stop()
      await database?.drop()
    })

    const createSource = (slug: string, extra: Record<string, unknown> = {}) =>
      sy.api('/sources', { method: 'POST', body: { slug, enabled: true, metadataId: JS, ...extra } })

    describe('authentication', () => {
      test('a request without a token is refused with 401 and a code', async () => {
        const r = await sy.api('/sources', { token: null })
        assert.equal(r.status, 401)
        assert.deepEqual(r.body.errors[0].type, 'unauthorized')
        assert.equal(r.body.errors[0].code, 'SY_API_AUTH_MISSING')
        assert.equal(r.body.data, undefined, 'never both data and errors')
      })

      test('an unknown or malformed token is refused', async () => {
        for (const header of ['Bearer sy_tok_nope', 'Basic abc', 'Bearer']) {
          const r = await sy.api('/', { token: null, headers: { authorization: header } })
          assert.equal(r.status, 401, header)
          assert.equal(r.body.errors[0].code, 'SY_API_AUTH_INVALID', header)
        }
      })

      test('a revoked token stops working at once', async () => {
        const { token, secret } = await sy.switchyard.store.tokens.create({
          workspaceId: sy.switchyard.bootstrap.workspace.id,
          description: 'short-lived',
          role: 'Workspace Owner',
        })
        assert.equal((await sy.api('/', { token: secret })).status, 200)
        await sy.switchyard.store.tokens.revoke(token.workspaceId, token.id)
        const r = await sy.api('/', { token: secret })
        assert.equal(r.status, 401)
        assert.equal(r.body.errors[0].code, 'SY_API_AUTH_INVALID')
      })

      test('a Workspace Member token reads the workspace but may not change sources (403 with the reason)', async () => {
        const { secret } = await sy.switchyard.store.tokens.create({
          workspaceId: sy.switchyard.bootstrap.workspace.id,
          description: 'member',
          role: 'Workspace Member',
        })
        assert.equal((await sy.api('/', { token: secret })).status, 200)
        const r = await sy.api('/sources', {
          method: 'POST',
          token: secret,
          body: { slug: 'x', enabled: true, metadataId: JS },
        })
        assert.equal(r.status, 403)
        assert.equal(r.body.errors[0].code, 'SY_API_FORBIDDEN')
        assert.match(r.body.errors[0].message, /source:write.*createSource/)
        assert.equal((await sy.api('/sources', { token: secret })).status, 403)
      })

      test('a refused token is never echoed back', async () => {
        const guess = 'sy_tok_ThisIsNotARealTokenButLooksLikeOne1234'
        const r = await fetch(`${sy.controlUrl}/api/sources`, {
          headers: { authorization: `Bearer ${guess}` },
        })
        assert.equal(r.status, 401)
        assert.doesNotMatch(await r.text(), /ThisIsNotARealToken/)
      })
    })

    test('GET / answers the workspace of the token', async () => {
      const r = await sy.api('/')
      assert.equal(r.status, 200)
      assert.deepEqual(Object.keys(r.body.data.workspace).sort(), ['id', 'name', 'slug'])
      assert.equal(r.body.data.workspace.slug, 'default')
    })

    describe('echo', () => {
      test('echoes the message, method and headers without credentials', async () => {
        const r = await sy.api('/echo?message=hello', { headers: { 'x-custom': 'yes' } })
        assert.equal(r.status, 200)
        assert.equal(r.body.data.message, 'hello')
        assert.equal(r.body.data.method, 'get')
        assert.equal(r.body.data.headers['x-custom'], 'yes')
        assert.equal(r.body.data.headers.authorization, undefined)
        const post = await sy.api('/echo?message=hi', { method: 'POST', body: {} })
        assert.equal(post.body.data.method, 'post')
      })

      test('fails on request, with the field named when the message is missing', async () => {
        const missing = await sy.api('/echo')
        assert.equal(missing.status, 400)
        assert.equal(missing.body.errors[0].field, 'message')
        const one = await sy.api('/echo?message=x&triggerError=true')
        assert.equal(one.status, 400)
        assert.equal(one.body.errors[0].code, 'SY_API_TEST_ERROR')
        const two = await sy.api('/echo?message=x&triggerMultipleErrors=true')
        assert.equal(two.body.errors.length, 2)
        const unexpected = await sy.api('/echo?message=x&triggerUnexpectedError=true')
        assert.equal(unexpected.status, 500)
        assert.equal(unexpected.body.errors[0].code, 'SY_API_INTERNAL')
        assert.match(unexpected.body.errors[0].message, /request id/)
        assert.equal((await sy.api('/echo?message=x&statusCode=418')).status, 418)
        assert.equal((await sy.api('/echo?message=x&statusCode=202')).status, 202)
      })
    })

    describe('catalog', () => {
      test('lists source types with pagination and gets one by id', async () => {
        const first = await sy.api('/catalog/sources?pagination[count]=5')
        assert.equal(first.status, 200)
        assert.equal(first.body.data.sourcesCatalog.length, 5)
        assert.ok(first.body.data.pagination.totalEntries >= 12)
        assert.equal(first.body.data.pagination.next, 'NQ==')
        const names = (await sy.api('/catalog/sources')).body.data.sourcesCatalog.map(
          (m: { name: string }) => m.name,
        )
        for (const expected of [
          'Javascript',
          'Node.js',
          'HTTP API',
          'Apple',
          'Kotlin (Android)',
          'Python',
          'Go',
          'Ruby',
          'Java',
          'PHP',
          '.NET',
          'Pixel Tracking API',
        ]) {
          assert.ok(names.includes(expected), expected)
        }
        const one = await sy.api(`/catalog/sources/${HTTP_API}`)
        assert.equal(one.body.data.sourceMetadata.slug, 'http-api')
        assert.equal(
          one.body.data.sourceMetadata.logos.default,
          `${sy.controlUrl}/logos/sources/http-api.svg`,
        )
        assert.deepEqual(one.body.data.sourceMetadata.categories, ['Server'])
        const missing = await sy.api('/catalog/sources/nope')
        assert.equal(missing.status, 404)
        assert.equal(missing.body.errors[0].code, 'SY_RESOURCE_NOT_FOUND')
      })

      test('serves catalog logos itself', async () => {
        const logo = await fetch(`${sy.controlUrl}/logos/sources/javascript.svg`)
        assert.equal(logo.status, 200)
        assert.match(logo.headers.get('content-type')!, /svg/)
        assert.match(await logo.text(), /<svg/)
      })
    })

    describe('sources', () => {
      test('create, get, update, delete: the whole life of a source, audited', async () => {
        const created = await createSource('web', {
          settings: { website: 'https://example.com' },
          name: 'Web site',
        })
        assert.equal(created.status, 201)
        const source = created.body.data.source
        assert.equal(source.slug, 'web')
        assert.equal(source.name, 'Web site')
        assert.equal(source.enabled, true)
        assert.equal(source.workspaceId, sy.switchyard.bootstrap.workspace.id)
        assert.equal(source.metadata.id, JS)
        assert.equal(source.metadata.name, 'Javascript')
        assert.equal(source.writeKeys.length, 1)
        assert.deepEqual(source.labels, [])
        assert.deepEqual(source.settings, { website: 'https://example.com' })

        assert.deepEqual((await sy.api(`/sources/${source.id}`)).body.data.source, source)

        const disabled = await sy.api(`/sources/${source.id}`, {
          method: 'PATCH',
          body: { enabled: false, name: 'Website' },
        })
        assert.equal(disabled.status, 200)
        assert.equal(disabled.body.data.source.enabled, false)
        assert.equal(disabled.body.data.source.name, 'Website')
        assert.equal(disabled.body.data.source.slug, 'web')

        const deleted = await sy.api(`/sources/${source.id}`, { method: 'DELETE' })
        assert.deepEqual(deleted.body, { data: { status: 'SUCCESS' } })
        assert.equal((await sy.api(`/sources/${source.id}`)).status, 404)

        const trail = await sy.switchyard.store.audit.list(
          source.workspaceId,
          { offset: 0, limit: 50 },
          { resourceId: source.id },
        )
        assert.deepEqual(trail.items.map((e) => e.type).sort(), [
          'Source Created',
          'Source Deleted',
          'Source Disabled',
          'Source Modified',
        ])
        const modified = trail.items.find((e) => e.type === 'Source Modified')!
        assert.equal(modified.actor.type, 'token')
        assert.equal((modified.before as { name: string }).name, 'Web site')
        assert.equal((modified.after as { name: string }).name, 'Website')
        assert.equal(trail.items.find((e) => e.type === 'Source Deleted')!.after, null)
      })

      test('name defaults to the slug; settings are replaced as a whole by PATCH', async () => {
        const s = (await createSource('server-app', { metadataId: HTTP_API })).body.data.source
        assert.equal(s.name, 'server-app')
        const patched = await sy.api(`/sources/${s.id}`, { method: 'PATCH', body: { settings: { a: 1 } } })
        assert.deepEqual(patched.body.data.source.settings, { a: 1 })
      })

      test('a duplicate slug is a 409 naming the field, on create and on rename', async () => {
        await createSource('dup')
        const again = await createSource('dup')
        assert.equal(again.status, 409)
        assert.equal(again.body.errors[0].type, 'conflict')
        assert.equal(again.body.errors[0].field, 'slug')
        const other = (await createSource('dup-2')).body.data.source
        const rename = await sy.api(`/sources/${other.id}`, { method: 'PATCH', body: { slug: 'dup' } })
        assert.equal(rename.status, 409)
      })

      test('bad input is a 400 naming the field and the rule', async () => {
        const cases: [unknown, string][] = [
          [{ enabled: true, metadataId: JS }, 'slug'],
          [{ slug: 'Has Spaces', enabled: true, metadataId: JS }, 'slug'],
          [{ slug: 'ok', enabled: 'maybe', metadataId: JS }, 'enabled'],
          [{ slug: 'ok', enabled: true }, 'metadataId'],
          [{ slug: 'ok', enabled: true, metadataId: 'not-a-type' }, 'metadataId'],
          [{ slug: 'ok', enabled: true, metadataId: JS, settings: 'x' }, 'settings'],
          [{ slug: 'ok', enabled: true, metadataId: JS, name: '   ' }, 'name'],
          // Bodies are not coerced: Segment refuses these, and so do we.
          [{ slug: 'ok', enabled: 'false', metadataId: JS }, 'enabled'],
          [{ slug: 'ok', enabled: 1, metadataId: JS }, 'enabled'],
          [{ slug: 'ok', enabled: true, metadataId: JS, name: 5 }, 'name'],
        ]
        for (const [body, field] of cases) {
          const r = await sy.api('/sources', { method: 'POST', body })
          assert.equal(r.status, 400, JSON.stringify(body))
          assert.equal(r.body.errors[0].type, 'input-validation')
          assert.equal(r.body.errors[0].field, field, JSON.stringify(body))
          assert.ok(r.body.errors[0].message.length > 10)
        }
        const notJson = await fetch(`${sy.controlUrl}/api/sources`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sy.ownerToken}`, 'content-type': 'application/json' },
          body: '{"slug": ',
        })
        assert.equal(notJson.status, 400)
        assert.equal(
          ((await notJson.json()) as { errors: { code: string }[] }).errors[0]!.code,
          'SY_API_VALIDATION',
        )
      })

      test('unknown ids are 404 for get, update and delete', async () => {
        for (const method of ['GET', 'PATCH', 'DELETE']) {
          const r = await sy.api('/sources/nope', {
            method,
            ...(method === 'PATCH' && { body: { enabled: false } }),
          })
          assert.equal(r.status, 404, method)
          assert.equal(r.body.errors[0].field, 'sourceId')
        }
      })

      test('write keys: add one, remove one, never the last', async () => {
        const s = (await createSource('keys')).body.data.source
        const added = await sy.api(`/sources/${s.id}/writekey`, { method: 'POST' })
        assert.equal(added.status, 200)
        const keys: string[] = added.body.data.source.writeKeys
        assert.equal(keys.length, 2)
        assert.equal(keys[0], s.writeKeys[0])
        const removed = await sy.api(`/sources/${s.id}/writekey/${keys[0]}`, { method: 'DELETE' })
        assert.deepEqual(removed.body, { data: { status: 'SUCCESS' } })
        assert.deepEqual((await sy.api(`/sources/${s.id}`)).body.data.source.writeKeys, [keys[1]])
        const last = await sy.api(`/sources/${s.id}/writekey/${keys[1]}`, { method: 'DELETE' })
        assert.equal(last.status, 400)
        assert.equal(last.body.errors[0].field, 'writeKey')
        const unknown = await sy.api(`/sources/${s.id}/writekey/nope`, { method: 'DELETE' })
        assert.equal(unknown.status, 404)
        const types = (
          await sy.switchyard.store.audit.list(s.workspaceId, { offset: 0, limit: 10 }, { resourceId: s.id })
        ).items.map((e) => e.type)
        assert.deepEqual(types.sort(), [
          'Source Created',
          'Source Write Key Created',
          'Source Write Key Removed',
        ])
      })
    })

    describe('pagination', () => {
      test('walks more than one page forwards and back, with totals', async () => {
        const ws = await sy.switchyard.store.workspaces.create({ slug: 'paged', name: 'Paged' })
        const { secret } = await sy.switchyard.store.tokens.create({
          workspaceId: ws.id,
          description: 'p',
          role: 'Workspace Owner',
        })
        for (let i = 0; i < 5; i++) {
          const r = await sy.api('/sources', {
            method: 'POST',
            token: secret,
            body: { slug: `p${i}`, enabled: true, metadataId: JS },
          })
          assert.equal(r.status, 201)
          await new Promise((res) => setTimeout(res, 2)) // distinct creation times
        }
        const seen: string[] = []
        let cursor: string | undefined
        let pages = 0
        do {
          const q = `pagination[count]=2${cursor ? `&pagination[cursor]=${encodeURIComponent(cursor)}` : ''}`
          const r = await sy.api(`/sources?${q}`, { token: secret })
          assert.equal(r.status, 200)
          assert.equal(r.body.data.pagination.totalEntries, 5)
          seen.push(...r.body.data.sources.map((s: { slug: string }) => s.slug))
          if (pages === 0) assert.equal(r.body.data.pagination.previous, undefined)
          else assert.ok(r.body.data.pagination.previous)
          cursor = r.body.data.pagination.next ?? undefined
          pages++
        } while (cursor)
        assert.equal(pages, 3)
        assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4'])

        const dotted = await sy.api('/sources?pagination.count=4&pagination.cursor=MQ==', { token: secret })
        assert.deepEqual(
          dotted.body.data.sources.map((s: { slug: string }) => s.slug),
          ['p1', 'p2', 'p3', 'p4'],
        )
        assert.equal(dotted.body.data.pagination.previous, 'MA==')
      })

      test('a bad count or cursor is a 400 naming the field', async () => {
        for (const [q, field] of [
          ['pagination[count]=0', 'pagination.count'],
          ['pagination[count]=1001', 'pagination.count'],
          ['pagination[count]=abc', 'pagination.count'],
          ['pagination[cursor]=zzz', 'pagination.cursor'],
        ]) {
          const r = await sy.api(`/sources?${q}`)
          assert.equal(r.status, 400, q)
          assert.equal(r.body.errors[0].field, field, q)
        }
      })
    })

    test('Accept: Segment media types and their beta/alpha forms are served, others refused with 406', async () => {
      for (const [accept, contentType] of [
        ['application/vnd.segment.v1+json', 'application/vnd.segment.v1+json'],
        ['application/vnd.segment.v1beta+json', 'application/vnd.segment.v1beta+json'],
        ['application/vnd.segment.alpha+json', 'application/vnd.segment.v1alpha+json'],
        ['application/vnd.segment.stable+json', 'application/vnd.segment.v1+json'],
        ['application/json', 'application/json'],
        ['*/*', 'application/json'],
      ]) {
        const r = await sy.api('/', { headers: { accept: accept! } })
        assert.equal(r.status, 200, accept)
        assert.match(
          r.headers.get('content-type')!,
          new RegExp(`^${contentType!.replace(/[.+*]/g, '\\$&')}`),
          accept,
        )
      }
      const s = (await createSource('alpha-only')).body.data.source
      const alpha = await sy.api(`/sources/${s.id}/writekey`, {
        method: 'POST',
        headers: { accept: 'application/vnd.segment.v1+json' },
      })
      assert.equal(alpha.status, 200, 'an alpha-only operation answers a v1 request with its alpha version')
      assert.match(alpha.headers.get('content-type')!, /v1alpha/)
      const refused = await sy.api('/', { headers: { accept: 'text/html' } })
      assert.equal(refused.status, 406)
      assert.equal(refused.body.errors[0].code, 'SY_API_NOT_ACCEPTABLE')
    })

    test('rate-limit headers on every answer', async () => {
      const r = await sy.api('/')
      for (const h of [
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-consumed',
        'x-ratelimit-reset',
      ]) {
        assert.ok(r.headers.get(h), h)
      }
      assert.ok(!Number.isNaN(Date.parse(r.headers.get('x-ratelimit-reset')!)))
    })

    test('an unknown operation is a 404 in the envelope', async () => {
      const r = await sy.api('/no/such/thing')
      assert.equal(r.status, 404)
      assert.equal(r.body.errors[0].code, 'SY_API_ROUTE_NOT_FOUND')
    })

    test('health, readiness and metrics', async () => {
      for (const base of [sy.controlUrl, sy.ingestUrl]) {
        assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' })
        assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ready' })
      }
      const metrics = await (await fetch(`${sy.controlUrl}/metrics`)).text()
      assert.match(metrics, /switchyard_process_cpu_seconds_total/)
      assert.match(metrics, /switchyard_stream_backlog_events\{topic="ingest"\} \d+/)
      assert.match(
        metrics,
        /switchyard_http_requests_total\{server="control",method="GET",route="\/api\/sources\/:sourceId",status_code="404"\} \d+/,
      )
      assert.match(
        metrics,
        /switchyard_http_request_duration_seconds_bucket\{le="0.005",server="control",method="POST",route="\/api\/sources"\}/,
      )
      assert.match(
        metrics,
        /switchyard_http_requests_total\{server="ingest",method="GET",route="\/healthz",status_code="200"\}/,
      )
    })
  })
}

describe('rate limiting', () => {
  let sy: TestSwitchyard
  before(async () => {
    sy = await startTestSwitchyard({ env: { SWITCHYARD_API_RATE_LIMIT: '5' } })
  })
  after(async () => sy?.stop())

  test('past the per-token limit: 429 with Retry-After and Segment’s data fields', async () => {
    const statuses: number[] = []
    let limited
    for (let i = 0; i < 7; i++) {
      const r = await sy.api('/')
      statuses.push(r.status)
      if (r.status === 429) limited = r
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200])
    assert.equal(statuses[5], 429)
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1)
    assert.equal(limited!.body.errors[0].code, 'SY_API_RATE_LIMITED')
    assert.ok(limited!.body.errors[0].data.msBeforeNext > 0)
    assert.equal(limited!.body.errors[0].data.remainingPoints, 0)
  })

  test('guessing tokens is throttled per address too', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await sy.api('/', { token: `sy_tok_guess${i}` })).status)
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401])
    assert.equal(statuses[6], 429)
  })
})
