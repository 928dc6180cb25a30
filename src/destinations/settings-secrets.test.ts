import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findDestinationEntry } from './catalog.ts'
import {
  MASK,
  isSecretName,
  maskHeaders,
  maskSecret,
  maskSettings,
  maskUrl,
  restoreSecrets,
  settingsSecrets,
} from './settings-secrets.ts'
import { WEBHOOK_DESTINATION } from './webhook.ts'

const masks: [secret: string, shown: string][] = [
  ['', MASK],
  ['short', MASK],
  ['fifteen-chars!!', MASK],
  ['sixteen-chars-ab', `${MASK}s-ab`],
  ['Bearer sink-token-123456', `${MASK}3456`],
]
for (const [secret, shown] of masks) {
  test(`maskSecret(${JSON.stringify(secret)}) = ${shown}`, () => assert.equal(maskSecret(secret), shown))
}

const names: [name: string, secret: boolean][] = [
  ['Authorization', true],
  ['proxy-authorization', true],
  ['X-Signature', true],
  ['Cookie', true],
  ['X-Api-Key', true],
  ['api_key', true],
  ['X-Auth-Token', true],
  ['client_secret', true],
  ['Key', true],
  ['Content-Type', false],
  ['User-Agent', false],
  ['X-Team', false],
  ['Monkey', false],
]
for (const [name, secret] of names) {
  test(`header ${name} is ${secret ? '' : 'not '}a secret`, () => assert.equal(isSecretName(name), secret))
}

const urls: [url: string, shown: string][] = [
  ['https://hooks.example.com/in', 'https://hooks.example.com/in'],
  ['https://user:pa55word@hooks.example.com/in', `https://user:${MASK}@hooks.example.com/in`],
  ['https://hooks.example.com/in?team=a&api_key=k1', `https://hooks.example.com/in?team=a&api_key=${MASK}`],
  ['not a url', 'not a url'],
]
for (const [url, shown] of urls) {
  test(`maskUrl(${url})`, () => assert.equal(maskUrl(url), shown))
}

test('maskHeaders masks only secret headers', () => {
  assert.deepEqual(
    maskHeaders({ 'Content-Type': 'application/json', 'X-Signature': 'abcdef0123456789abcd' }),
    {
      'Content-Type': 'application/json',
      'X-Signature': `${MASK}abcd`,
    },
  )
})

const webhook = findDestinationEntry(WEBHOOK_DESTINATION.metadataId)!
const stored = {
  hooks: [
    {
      hook: 'https://user:pa55word@hooks.example.com/in',
      headers: [
        { key: 'X-Team', value: 'growth' },
        { key: 'Authorization', value: 'Bearer a-very-long-token-0042' },
      ],
    },
  ],
  sharedSecret: 'the-shared-secret-of-this-hook',
}

test('the Webhooks entry finds its secrets: shared secret, credential headers, URL passwords', () => {
  assert.deepEqual(
    webhook.secrets(stored).map((s) => `${s.kind}:${s.path}`),
    ['value:sharedSecret', 'value:hooks.0.headers.1.value', 'url:hooks.0.hook'],
  )
  assert.deepEqual(settingsSecrets({ hooks: 'not a list' }, { headerLists: ['hooks.*.headers'] }), [])
})

test('masked settings never show a secret, and sent back unchanged they restore the stored ones', () => {
  const shown = maskSettings(stored, webhook.secrets(stored))
  const text = JSON.stringify(shown)
  for (const secret of ['pa55word', 'a-very-long-token', 'the-shared-secret'])
    assert.doesNotMatch(text, new RegExp(secret))
  assert.equal((shown.hooks as { headers: { value: string }[] }[])[0]!.headers[0]!.value, 'growth')
  const restored = restoreSecrets(shown, stored, webhook.secrets(shown))
  assert.deepEqual(restored, { ok: true, settings: stored })
})

test('a new secret replaces the stored one; a mask that does not match is refused naming the field', () => {
  const changed = { ...maskSettings(stored, webhook.secrets(stored)), sharedSecret: 'a-brand-new-secret' }
  const restored = restoreSecrets(changed, stored, webhook.secrets(changed))
  assert.ok(restored.ok)
  assert.equal(restored.settings.sharedSecret, 'a-brand-new-secret')
  assert.equal((restored.settings.hooks as { hook: string }[])[0]!.hook, stored.hooks[0]!.hook)

  const wrong = { ...stored, sharedSecret: `${MASK}zzzz` }
  const refused = restoreSecrets(wrong, stored, webhook.secrets(wrong))
  assert.deepEqual(refused.ok ? [] : refused.errors.map((e) => e.field), ['sharedSecret'])
  const fresh = restoreSecrets({ sharedSecret: MASK }, {}, webhook.secrets({ sharedSecret: MASK }))
  assert.equal(fresh.ok, false, 'nothing stored: a mask cannot stand for a secret')
})
