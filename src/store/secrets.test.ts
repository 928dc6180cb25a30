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

test('token secrets carry the prefix; their hash is stable and reveals nothing', () => {
  const secret = newTokenSecret()
  assert.match(secret, /^sy_tok_[0-9A-Za-z]{40}$/)
  assert.equal(hashTokenSecret(secret), hashTokenSecret(secret))
  assert.doesNotMatch(hashTokenSecret(secret), new RegExp(secret.slice(7)))
})

test('passwords are scrypt hashes with a salt, slow on purpose', async () => {
  const started = performance.now()
  const hash = await hashPassword('correct horse battery staple')
  const elapsed = performance.now() - started
  assert.match(hash, /^scrypt\$32768\$8\$1\$/)
  assert.notEqual(hash, await hashPassword('correct horse battery staple'), 'salted')
  assert.equal(await verifyPassword('correct horse battery staple', hash), true)
  assert.equal(await verifyPassword('correct horse battery stapler', hash), false)
  assert.equal(await verifyPassword('x', 'md5$abc'), false)
  assert.ok(elapsed > 10, `hashing took ${elapsed} ms; it must cost real work`)
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
