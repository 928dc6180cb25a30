import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkPassword } from './password-policy.ts'

test('password policy: 12 to 256 characters, not blank, not the email', () => {
  const cases: [string, boolean][] = [
    ['correct horse battery', true],
    ['123456789012', true],
    ['12345678901', false],
    ['', false],
    ['            ', false],
    ['ünïcödé-pässwörd', true],
    ['😀'.repeat(11), false],
    ['😀'.repeat(12), true],
    ['x'.repeat(256), true],
    ['x'.repeat(257), false],
    ['Ada.Lovelace@example.com', false],
  ]
  for (const [password, ok] of cases) {
    const check = () => checkPassword(password, 'ada.lovelace@example.com')
    if (ok) assert.doesNotThrow(check, password)
    else assert.throws(check, { code: 'SY_API_VALIDATION', field: 'password' }, password)
  }
})
