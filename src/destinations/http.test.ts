import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import {
  AbortedError,
  InvalidRequestError,
  NetworkError,
  TimeoutError,
  headerValue,
  sendHttp,
  withHeader,
  type HttpRequest,
} from './http.ts'

interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

const received: Received[] = []
const routes: Record<string, (res: ServerResponse) => void> = {
  '/ok': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  '/fail': (res) => res.writeHead(500).end('upstream exploded'),
  '/limited': (res) => res.writeHead(429, { 'retry-after': '7' }).end('slow down'),
  '/big': (res) => res.writeHead(200).end('x'.repeat(100_000)),
  '/redirect': (res) => res.writeHead(307, { location: 'http://example.invalid/elsewhere' }).end(),
  '/hang': () => undefined,
  '/hang-body': (res) => {
    res.writeHead(200)
    res.write('partial')
  },
}

let server: Server
let base: string

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const route = routes[(req.url ?? '').split('?')[0] ?? '']
      if (route) route(res)
      else res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const post = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'POST',
  url: `${base}${path}`,
  headers: { 'Content-Type': 'application/json', 'X-Custom': 'yes' },
  body: '{"type":"track"}',
  ...extra,
})

test('200: status, headers, body, and the request as sent', async () => {
  const response = await sendHttp(post('/ok?a=1'), { timeoutMs: 2000 })
  assert.equal(response.status, 200)
  assert.equal(response.headers['content-type'], 'application/json')
  assert.equal(response.body, '{"ok":true}')
  assert.equal(response.bodyTruncated, false)
  assert.ok(response.durationMs >= 0)
  const last = received.at(-1)!
  assert.equal(last.method, 'POST')
  assert.equal(last.url, '/ok?a=1')
  assert.equal(last.headers['x-custom'], 'yes')
  assert.equal(last.headers['content-type'], 'application/json')
  assert.equal(last.body, '{"type":"track"}')
})

test('500 with a body is an answer, not an error', async () => {
  const response = await sendHttp(post('/fail'), { timeoutMs: 2000 })
  assert.equal(response.status, 500)
  assert.equal(response.body, 'upstream exploded')
})

test('429 keeps Retry-After for the retry policy', async () => {
  const response = await sendHttp(post('/limited'), { timeoutMs: 2000 })
  assert.equal(response.status, 429)
  assert.equal(response.headers['retry-after'], '7')
})

test('the body sample is cut at maxBodyBytes', async () => {
  const response = await sendHttp(post('/big'), { timeoutMs: 2000, maxBodyBytes: 1000 })
  assert.equal(response.status, 200)
  assert.equal(response.body.length, 1000)
  assert.equal(response.bodyTruncated, true)
})

test('redirects are answered, not followed', async () => {
  const response = await sendHttp(post('/redirect'), { timeoutMs: 2000 })
  assert.equal(response.status, 307)
  assert.equal(response.headers.location, 'http://example.invalid/elsewhere')
})

test('a hanging server times out with TimeoutError (ETIMEDOUT)', async () => {
  const started = Date.now()
  await assert.rejects(sendHttp(post('/hang'), { timeoutMs: 200 }), (error: unknown) => {
    assert.ok(error instanceof TimeoutError)
    assert.equal(error.code, 'ETIMEDOUT')
    assert.ok(error.durationMs >= 150)
    return true
  })
  assert.ok(Date.now() - started < 2000)
})

test('a body that stops after the headers keeps the status and a short sample', async () => {
  const response = await sendHttp(post('/hang-body'), { timeoutMs: 300 })
  assert.equal(response.status, 200)
  assert.equal(response.body, 'partial')
  assert.equal(response.bodyTruncated, true)
})

test('a refused connection is a NetworkError with ECONNREFUSED', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  await assert.rejects(
    sendHttp({ ...post('/ok'), url: `http://127.0.0.1:${port}/ok` }, { timeoutMs: 2000 }),
    (error: unknown) => {
      assert.ok(error instanceof NetworkError)
      assert.equal(error.code, 'ECONNREFUSED')
      return true
    },
  )
})

test("the caller's signal aborts with AbortedError", async () => {
  const controller = new AbortController()
  const sending = sendHttp(post('/hang'), { timeoutMs: 5000, signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  await assert.rejects(sending, AbortedError)
  await assert.rejects(sendHttp(post('/ok'), { timeoutMs: 5000, signal: controller.signal }), AbortedError)
})

test('requests that cannot be sent are InvalidRequestError', async () => {
  const cases: [string, Partial<HttpRequest>][] = [
    ['relative URL', { url: '/ok' }],
    ['ftp URL', { url: 'ftp://127.0.0.1/x' }],
    ['credentials in the URL', { url: 'http://user:pass@127.0.0.1/x' }],
    ['GET with a body', { method: 'GET' }],
    ['method with a space', { method: 'PO ST' }],
    ['header name with a colon', { headers: { 'X-A:': '1' } }],
    ['header value with a line break', { headers: { 'X-A': '1\r\nX-Evil: 2' } }],
  ]
  for (const [name, extra] of cases) {
    await assert.rejects(sendHttp(post('/ok', extra), { timeoutMs: 1000 }), InvalidRequestError, name)
  }
})

test('header helpers ignore the case of names', () => {
  const headers = withHeader(
    { 'content-type': 'text/plain', Accept: '*/*' },
    'Content-Type',
    'application/json',
  )
  assert.deepEqual(headers, { Accept: '*/*', 'Content-Type': 'application/json' })
  assert.equal(headerValue(headers, 'CONTENT-TYPE'), 'application/json')
  assert.equal(headerValue(headers, 'x-missing'), undefined)
})
