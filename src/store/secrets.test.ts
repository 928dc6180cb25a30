import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newId, randomBase62 } from './ids.ts'
import { SecretBox, hashPassword, hashTokenSecret, newTokenSecret, verifyPassword } from './secrets.ts'

test('ids are 22 base62 characters and sort by creation time', () => {
  const a = newId(Date.UTC(2026, 0, 1))
  const b = newId(Date.UTC(2026, 0, 1, 0, 0, 0, 1))
  const c = newId(Date.UTC(2030, 5, 1))
  assert.match(a, /^[0-9A-Za-z]{22}$/)
  assert.deepEqual([c, b, a].sort(), [a, b, c])
  assert.notEqual(newId(0), newId(0))
})

test('random base62 uses the whole alphabet', () => {
  const chars = new Set(randomBase62(5000))
  assert.equal(chars.size, 62)
})

test('token secrets carry the prefix and differ every time; their hash is a stable SHA-256', () => {
  const secret = newTokenSecret()
  assert.match(secret, /^sy_tok_[0-9A-Za-z]{40}$/)
  assert.notEqual(newTokenSecret(), secret)
  assert.match(hashTokenSecret(secret), /^[0-9a-f]{64}$/)
  assert.equal(hashTokenSecret(secret), hashTokenSecret(secret))
  assert.notEqual(hashTokenSecret(secret), hashTokenSecret(secret + 'x'))
})

test('passwords are salted scrypt hashes with a memory-hard cost (N=2^15, r=8)', async () => {
  const hash = await hashPassword('correct horse battery staple')
  assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
  assert.notEqual(hash, await hashPassword('correct horse battery staple'), 'salted')
  assert.equal(await verifyPassword('correct horse battery staple', hash), true)
  assert.equal(await verifyPassword('correct horse battery stapler', hash), false)
  assert.equal(await verifyPassword('x', 'md5$abc'), false)
})

test('the secret box round-trips, authenticates, and uses a fresh IV each time', () => {
  const box = new SecretBox('key material of at least thirty-two chars')
  const sealed = box.encrypt('{"apiKey":"abc"}')
  assert.match(sealed, /^v1:/)
  assert.doesNotMatch(sealed, /apiKey/)
  assert.notEqual(sealed, box.encrypt('{"apiKey":"abc"}'))
  assert.equal(box.decrypt(sealed), '{"apiKey":"abc"}')
  assert.throws(() => new SecretBox('another key, also thirty-two chars long').decrypt(sealed))
  const tampered =
    'v1:' +
    Buffer.from(Buffer.from(sealed.slice(3), 'base64').map((b, i) => (i === 40 ? b ^ 1 : b))).toString(
      'base64',
    )
  assert.throws(() => box.decrypt(tampered))
})
