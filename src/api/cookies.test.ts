import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseCookies, serializeCookie } from './cookies.ts'

test('parseCookies reads names and values, tolerating what browsers and people send', () => {
  const cases: [string | undefined, Record<string, string>][] = [
    [undefined, {}],
    ['', {}],
    ['a=1', { a: '1' }],
    ['a=1; b=two', { a: '1', b: 'two' }],
    ['a=1;b=2', { a: '1', b: '2' }],
    ['  a = 1 ;  b=2  ', { a: '1', b: '2' }],
    ['a="quoted"', { a: 'quoted' }],
    ['a=x=y', { a: 'x=y' }],
    ['a=1; a=2', { a: '1' }],
    ['novalue; b=2', { b: '2' }],
    ['=orphan; b=2', { b: '2' }],
    ['a=', { a: '' }],
    ['sy_session=abc-DEF_123', { sy_session: 'abc-DEF_123' }],
  ]
  for (const [header, expected] of cases)
    assert.deepEqual(Object.fromEntries(parseCookies(header)), expected, String(header))
})

test('serializeCookie writes the attributes in order and deletes with Max-Age=0', () => {
  assert.equal(serializeCookie('a', 'b'), 'a=b')
  assert.equal(
    serializeCookie('sid', 'xyz', {
      maxAge: 3600.7,
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    }),
    'sid=xyz; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax',
  )
  assert.equal(
    serializeCookie('sid', '', { maxAge: 0, path: '/' }),
    'sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/',
  )
})

test('serializeCookie refuses names and values that would break the header', () => {
  assert.throws(() => serializeCookie('a b', 'x'))
  assert.throws(() => serializeCookie('a', 'x;y'))
  assert.throws(() => serializeCookie('a', 'x y'))
  assert.throws(() => serializeCookie('a', 'x\r\nSet-Cookie: evil=1'))
})
