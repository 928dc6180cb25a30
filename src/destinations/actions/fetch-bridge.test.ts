import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maskSecretsIn } from './fetch-bridge.ts'

test('secrets are masked in every form they take, and token fields of OAuth answers', () => {
  const secret = 'sk_live/abc+def"ghi'
  const masked = '••••••••"ghi'
  const cases: [string, string, string][] = [
    ['as is', `key=${secret}`, `key=${masked}`],
    ['URL-encoded', `key=${encodeURIComponent(secret)}`, `key=${masked}`],
    ['JSON-escaped', JSON.stringify({ key: secret }), `{"key":"${masked}"}`],
    [
      'token answer',
      '{"access_token":"new-access-token-1234","refresh_token":"r-1"}',
      '{"access_token":"••••••••1234","refresh_token":"••••••••"}',
    ],
    ['nothing secret', '{"ok":true}', '{"ok":true}'],
  ]
  for (const [name, text, expected] of cases) assert.equal(maskSecretsIn(text, [secret]), expected, name)
  assert.equal(maskSecretsIn('abc', ['abc']), 'abc', 'values under 4 characters are not treated as secrets')
})
