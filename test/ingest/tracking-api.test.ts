import assert from 'node:assert/strict'
import { request } from 'node:http'
import { gzipSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`

describe('Tracking API', () => {
  let sy: TestSwitchyard
  let writeKey: string
  let sourceId: string

  before(async () => {
    sy = await startTestSwitchyard()
    ;({ writeKey, id: sourceId } = await sy.createSource('server', 'iUM16Md8P2'))
  })
  after(async () => sy?.stop())

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${sy.ingestUrl}${path}`, {
      method: 'POST',
      headers: { authorization: basic(writeKey), 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    })
    const text = await r.text()
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: r.status, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as any }
  }
  const lastStored = async () => (await sy.storedMessages()).at(-1)!

  test('each call type on its long and short path, stored with the source and enriched', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['/v1/identify', { userId: 'u1', traits: { email: 'a@b.c' } }],
      ['/v1/track', { userId: 'u1', event: 'Signed Up', properties: { plan: 'pro' } }],
      ['/v1/page', { anonymousId: 'a1', name: 'Home', properties: { path: '/' } }],
      ['/v1/screen', { userId: 'u1', name: 'Settings' }],
      ['/v1/group', { userId: 'u1', groupId: 'g1', traits: { name: 'Acme' } }],
      ['/v1/alias', { userId: 'u1', previousId: 'a1' }],
      ['/v1/t', { anonymousId: 'a2', event: 'Clicked' }],
      ['/v1/i', { anonymousId: 'a2', traits: {} }],
    ]
    for (const [path, body] of calls) {
      const r = await post(path, body)
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`)
      assert.deepEqual(r.body, { success: true })
      const stored = await lastStored()
      assert.equal(stored.sourceId, sourceId)
      assert.equal(
        stored.message.type,
        path.length === 5 ? { t: 'track', i: 'identify' }[path[4]!] : path.slice(4),
      )
      assert.match(stored.message.messageId, /.+/)
      assert.match(stored.message.receivedAt, /Z$/)
      assert.equal(stored.message.context?.ip, undefined, 'a server-side call gets no context.ip')
    }
  })

  test('timestamps: one receivedAt per request, clock skew corrected from sentAt', async () => {
    const r = await post('/v1/batch', {
      sentAt: new Date(Date.now() + 60 * 60_000).toISOString(), // the client's clock is an hour fast
      batch: [
        {
          type: 'track',
          userId: 'u',
          event: 'A',
          timestamp: new Date(Date.now() + 60 * 60_000 - 10_000).toISOString(),
        },
        {
          type: 'track',
          userId: 'u',
          event: 'B',
          timestamp: new Date(Date.now() + 60 * 60_000 - 20_000).toISOString(),
        },
      ],
    })
    assert.equal(r.status, 200)
    const [a, b] = (await sy.storedMessages()).slice(-2).map((m) => m.message)
    assert.equal(a!.receivedAt, b!.receivedAt)
    const skewA = Date.parse(a!.receivedAt) - Date.parse(a!.timestamp)
    const skewB = Date.parse(b!.receivedAt) - Date.parse(b!.timestamp)
    assert.ok(Math.abs(skewA - 10_000) < 2000, `A happened ~10 s before receipt (${skewA})`)
    assert.ok(Math.abs(skewB - 20_000) < 2000, `B happened ~20 s before receipt (${skewB})`)
    assert.notEqual(a!.originalTimestamp, a!.timestamp)
  })

  test('JSON is parsed whatever the Content-Type, and gzip bodies are inflated', async () => {
    const body = { userId: 'u', event: 'Plain Text', writeKey }
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      const r = await post('/v1/track', body, { 'content-type': type })
      assert.equal(r.status, 200, type)
    }
    const gz = await post('/v1/track', gzipSync(JSON.stringify(body)), { 'content-encoding': 'gzip' })
    assert.equal(gz.status, 200)
  })

  test('the write key may come in the body instead of Basic auth', async () => {
    const r = await fetch(`${sy.ingestUrl}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey, userId: 'u', event: 'Body Key' }),
    })
    assert.equal(r.status, 200)
    assert.equal((await lastStored()).message.writeKey, undefined)
  })

  test('unknown, missing and disabled write keys are refused with a reason', async () => {
    const unknown = await post('/v1/track', { userId: 'u', event: 'E' }, { authorization: basic('nope') })
    assert.equal(unknown.status, 401)
    assert.equal(unknown.body.reason, 'unknown_source')
    const missing = await fetch(`${sy.ingestUrl}/v1/track`, {
      method: 'POST',
      body: JSON.stringify({ userId: 'u', event: 'E' }),
    })
    assert.equal(missing.status, 401)
    const { id, writeKey: key } = await sy.createSource('to-disable')
    await sy.api(`/sources/${id}`, { method: 'PATCH', body: { enabled: false } })
    await new Promise((r) => setTimeout(r, 5100)) // the write-key cache holds answers for 5 s
    const disabled = await post('/v1/track', { userId: 'u', event: 'E' }, { authorization: basic(key) })
    assert.equal(disabled.status, 403)
    assert.equal(disabled.body.reason, 'source_disabled')
    assert.equal(disabled.body.code, 'SY_INGEST_SOURCE_DISABLED')
  })

  test("Segment's validation reasons, naming the field", async () => {
    const cases: [string, unknown, string][] = [
      ['/v1/track', { event: 'E' }, 'no_user_anon_id'],
      ['/v1/track', { userId: 42, event: 'E' }, 'id_not_string'],
      ['/v1/track', { userId: 'u' }, 'event_not_defined'],
      ['/v1/track', { userId: 'u', event: 7 }, 'event_not_string'],
      ['/v1/track', { userId: 'u', event: 'E', properties: [1] }, 'properties_not_object'],
      ['/v1/identify', { userId: 'u', traits: 'x' }, 'traits_not_object'],
    ]
    for (const [path, body, reason] of cases) {
      const r = await post(path, body)
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.equal(r.body.reason, reason, JSON.stringify(body))
      assert.equal(r.body.success, false)
      assert.equal(r.body.code, 'SY_INGEST_INVALID_MESSAGE')
      assert.ok(r.body.message.length > 5)
    }
  })

  test('a batch keeps its valid messages and reports the bad ones by index', async () => {
    const before = (await sy.storedMessages()).length
    const r = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u', event: 'Good 1' },
        { type: 'track', event: 'No Id' },
        { type: 'identify', userId: 'u', traits: { a: 1 } },
      ],
    })
    assert.equal(r.status, 200)
    assert.equal(r.body.success, true)
    assert.equal(r.body.rejected.length, 1)
    assert.equal(r.body.rejected[0].index, 1)
    assert.equal(r.body.rejected[0].reason, 'no_user_anon_id')
    assert.equal((await sy.storedMessages()).length, before + 2)

    const empty = await post('/v1/batch', { batch: [] })
    assert.equal(empty.status, 400)
    assert.equal(empty.body.reason, 'empty_batch')
    const allBad = await post('/v1/batch', { batch: [{ type: 'track' }] })
    assert.equal(allBad.status, 400)
    assert.equal(allBad.body.reason, 'empty_batch_result')
    assert.equal(allBad.body.rejected.length, 1)
  })

  test('32 KB per message and 500 KB per request, answered with 400 and the limit', async () => {
    const big = 'x'.repeat(33 * 1024)
    const one = await post('/v1/track', { userId: 'u', event: 'Big', properties: { big } })
    assert.equal(one.status, 400)
    assert.equal(one.body.reason, 'message_too_large')
    assert.match(one.body.message, /32 KB/)
    const request = await post('/v1/batch', {
      batch: Array.from({ length: 20 }, () => ({
        type: 'track',
        userId: 'u',
        event: 'E',
        properties: { s: 'y'.repeat(30 * 1024) },
      })),
    })
    assert.equal(request.status, 400)
    assert.equal(request.body.reason, 'request_too_large')
    assert.match(request.body.message, /500 KB/)
  })

  test('duplicates by messageId are dropped per source, and still answered 200', async () => {
    const before = (await sy.storedMessages()).length
    const body = { userId: 'u', event: 'Once', messageId: 'dedupe-me-1' }
    assert.equal((await post('/v1/track', body)).status, 200)
    assert.equal((await post('/v1/track', body)).status, 200)
    assert.equal((await post('/v1/batch', { batch: [{ ...body, type: 'track' }] })).status, 200)
    assert.equal((await sy.storedMessages()).length, before + 1)
    const other = await sy.createSource('other-source')
    await post('/v1/track', body, { authorization: basic(other.writeKey) })
    assert.equal((await sy.storedMessages()).length, before + 2, 'another source has its own messageIds')
  })

  test('hostile and malformed bodies get a 4xx with a reason, and the server keeps serving', async () => {
    const bodies: [string, string | Buffer, Record<string, string>][] = [
      ['not JSON', 'hello', {}],
      ['truncated', '{"userId":', {}],
      ['array', '[1,2,3]', {}],
      ['null', 'null', {}],
      [
        'deep nesting',
        '{"userId":"u","event":"E","properties":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '}',
        {},
      ],
      ['very deep arrays', '['.repeat(100_000) + ']'.repeat(100_000), {}],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), {}],
      ['bad gzip', 'plain', { 'content-encoding': 'gzip' }],
      ['empty', '', {}],
    ]
    for (const path of ['/v1/track', '/v1/batch', '/v1/b']) {
      for (const [name, body, headers] of bodies) {
        const r = await post(path, body, headers)
        assert.ok(r.status >= 400 && r.status < 500, `${path} ${name}: ${r.status}`)
        assert.equal(r.body.success, false, `${path} ${name}`)
        assert.ok(r.body.reason, `${path} ${name} has a reason`)
      }
    }
    assert.equal((await fetch(`${sy.ingestUrl}/healthz`)).status, 200)
    assert.equal((await post('/v1/track', { userId: 'u', event: 'Still Here' })).status, 200)
  })

  test('CORS: preflight allows the headers analytics.js sends; answers carry the origin', async () => {
    const pre = await fetch(`${sy.ingestUrl}/v1/t`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-retry-count',
      },
    })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://shop.example')
    assert.match(pre.headers.get('access-control-allow-headers')!, /x-retry-count/)
    assert.match(pre.headers.get('access-control-allow-methods')!, /POST/)
    const r = await post('/v1/t', { userId: 'u', event: 'E' }, { origin: 'https://shop.example' })
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://shop.example')
    const warnings = sy.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 40)
    assert.deepEqual(warnings, [], 'preflights and answers log no warning or error')
  })

  test('pixel API: base64 data in, a 1×1 GIF out', async () => {
    const data = Buffer.from(
      JSON.stringify({ writeKey, userId: 'u9', event: 'Email Opened', properties: { campaign: 'c1' } }),
    ).toString('base64')
    const r = await fetch(`${sy.ingestUrl}/v1/pixel/track?data=${encodeURIComponent(data)}`)
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('content-type'), 'image/gif')
    const gif = Buffer.from(await r.arrayBuffer())
    assert.equal(gif.subarray(0, 6).toString(), 'GIF89a')
    const stored = (await lastStored()).message
    assert.equal(stored.event, 'Email Opened')
    assert.equal(stored.type, 'track')
    assert.equal(stored.context.ip, '127.0.0.1', 'a pixel is requested by the user’s device')
    const bad = await fetch(`${sy.ingestUrl}/v1/pixel/track?data=not-base64-json`)
    assert.equal(bad.status, 400)
    assert.match(bad.headers.get('x-switchyard-error')!, /SY_INGEST_BAD_REQUEST/)
    assert.equal(bad.headers.get('content-type'), 'image/gif')
  })

  test('analytics.js settings and bundle come from this host, with no Segment host in them', async () => {
    const settings = await (await fetch(`${sy.ingestUrl}/v1/projects/${writeKey}/settings`)).json()
    const segmentIo = (settings as { integrations: Record<string, { apiHost: string; protocol: string }> })
      .integrations['Segment.io']!
    assert.equal(segmentIo.apiHost, `${new URL(sy.ingestUrl).host}/v1`)
    assert.equal(segmentIo.protocol, 'http')
    assert.equal((settings as { metrics: { sampleRate: number } }).metrics.sampleRate, 0)
    assert.doesNotMatch(JSON.stringify(settings), /segment\.(io|com)/)
    const bundle = await fetch(`${sy.ingestUrl}/analytics.js/v1/${writeKey}/analytics.min.js`)
    assert.equal(bundle.status, 200)
    assert.match(bundle.headers.get('content-type')!, /javascript/)
    const code = await bundle.text()
    assert.ok(
      code.includes('a._cdn=new URL(s.src).origin'),
      'the bundle points its CDN at the URL it was loaded from',
    )
    assert.ok(!code.includes(new URL(sy.ingestUrl).host), 'nothing from the request is written into it')
    assert.equal((await fetch(`${sy.ingestUrl}/v1/projects/unknown/settings`)).status, 401)
    const forged = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${sy.ingestUrl}/v1/projects/${writeKey}/settings`)
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'evil.example:1/x?' } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })
    assert.equal(forged, 400, 'a Host that is not name[:port] never reaches the settings')
    const traversal = await fetch(`${sy.ingestUrl}/analytics-next/bundles/%2e%2e%2f%2e%2e%2fpackage.json`)
    assert.equal(traversal.status, 404)
    assert.match(await traversal.text(), /No analytics\.js chunk/, 'refused by the allow-list itself')
  })
})
