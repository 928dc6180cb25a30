import assert from 'node:assert/strict'
import { test } from 'node:test'
import { issueCsrfToken, needsCsrfToken, verifyCsrfToken } from './csrf.ts'

test('a CSRF token verifies for its session only, and every issued token stays valid', () => {
  const a = issueCsrfToken('secret-a')
  const a2 = issueCsrfToken('secret-a')
  assert.notEqual(a, a2, 'fresh each time')
  assert.ok(verifyCsrfToken('secret-a', a))
  assert.ok(verifyCsrfToken('secret-a', a2))
  assert.equal(verifyCsrfToken('secret-b', a), false)
})

test('malformed or tampered CSRF tokens are refused', () => {
  const token = issueCsrfToken('s')
  const [nonce, sig] = token.split('.') as [string, string]
  for (const bad of [
    undefined,
    '',
    '.',
    nonce,
    `${nonce}.`,
    `.${sig}`,
    `${nonce}x.${sig}`,
    `${nonce}.${sig}x`,
    `${nonce}.${sig}.x`,
    `${nonce}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`,
  ])
    assert.equal(verifyCsrfToken('s', bad), false, String(bad))
})

test('only state-changing methods need the token', () => {
  for (const m of ['GET', 'HEAD', 'OPTIONS']) assert.equal(needsCsrfToken(m), false, m)
  for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) assert.equal(needsCsrfToken(m), true, m)
})
