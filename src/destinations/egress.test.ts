import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ORIGINAL_URL_HEADER, applyEgress, egressUrlProblem } from './egress.ts'
import type { HttpRequest } from './http.ts'

const request = (url: string, headers: Record<string, string> = {}): HttpRequest => ({
  method: 'POST',
  url,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: '{"type":"track"}',
})

// Destinations digest §3.5: "a self-hosted CDP should support a configurable egress proxy".
test('applyEgress: egress origin and prefix, then the original path and query', () => {
  const cases: [string, string, string, string][] = [
    [
      'path and query kept',
      'https://hooks.example.com/in/segment?key=1&b=2',
      'http://egress.internal:8080',
      'http://egress.internal:8080/in/segment?key=1&b=2',
    ],
    [
      'prefix kept',
      'https://hooks.example.com/in',
      'http://egress.internal/out',
      'http://egress.internal/out/in',
    ],
    [
      'trailing slash on the prefix',
      'https://hooks.example.com/in',
      'http://egress.internal/out/',
      'http://egress.internal/out/in',
    ],
    ['root path', 'https://hooks.example.com', 'http://egress.internal/out', 'http://egress.internal/out/'],
    [
      'root path, no prefix',
      'https://hooks.example.com/',
      'https://egress.internal',
      'https://egress.internal/',
    ],
    [
      'fragment dropped',
      'https://hooks.example.com/a#frag',
      'http://egress.internal',
      'http://egress.internal/a',
    ],
    [
      'original port ignored',
      'http://hooks.example.com:9000/a',
      'http://egress.internal:81',
      'http://egress.internal:81/a',
    ],
    [
      'encoded path kept as is',
      'https://h.example.com/a%20b/c?q=%2F',
      'http://e.internal/p',
      'http://e.internal/p/a%20b/c?q=%2F',
    ],
    ['unicode path encoded', 'https://h.example.com/ü', 'http://e.internal', 'http://e.internal/%C3%BC'],
  ]
  for (const [name, original, egress, expected] of cases) {
    const sent = applyEgress(request(original), egress)
    assert.equal(sent.url, expected, name)
  }
})

test('applyEgress keeps method, headers and body, and names the original URL', () => {
  const original = request('https://hooks.example.com/in?x=1#top', {
    Authorization: 'Bearer t',
    'X-Signature': 'abc',
  })
  const sent = applyEgress({ ...original, method: 'PUT' }, 'http://egress.internal/out')
  assert.equal(sent.method, 'PUT')
  assert.equal(sent.body, original.body)
  assert.deepEqual(sent.headers, {
    'Content-Type': 'application/json',
    Authorization: 'Bearer t',
    'X-Signature': 'abc',
    [ORIGINAL_URL_HEADER]: 'https://hooks.example.com/in?x=1',
  })
  assert.equal(original.url, 'https://hooks.example.com/in?x=1#top', 'the input is not changed')
})

test('applyEgress replaces an original-URL header set by anyone else, whatever its case', () => {
  const sent = applyEgress(
    request('https://hooks.example.com/a', { 'x-switchyard-original-url': 'https://evil.example/' }),
    'http://egress.internal',
  )
  assert.deepEqual(
    Object.entries(sent.headers).filter(([k]) => k.toLowerCase() === 'x-switchyard-original-url'),
    [[ORIGINAL_URL_HEADER, 'https://hooks.example.com/a']],
  )
})

test('egress URLs that cannot be used', () => {
  const cases: [string, string | undefined][] = [
    ['http://egress.internal:8080/out', undefined],
    ['https://egress.internal', undefined],
    ['egress.internal:8080', 'egress URL must use http or https'],
    ['/relative', 'egress URL must be an absolute URL'],
    ['ftp://egress.internal', 'egress URL must use http or https'],
    ['http://user:pw@egress.internal', 'egress URL must not contain credentials'],
    ['http://egress.internal/out?token=1', 'egress URL must not have a query'],
    ['http://egress.internal/out?', 'egress URL must not have a query'],
    ['http://egress.internal/out#x', 'egress URL must not have a fragment'],
  ]
  for (const [url, problem] of cases) assert.equal(egressUrlProblem(url), problem, url)
  assert.throws(() => applyEgress(request('https://h.example.com/'), 'ftp://x'), TypeError)
  assert.throws(() => applyEgress(request('not a url'), 'http://egress.internal'), TypeError)
})
