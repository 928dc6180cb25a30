import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MASK, maskExchange, maskJsonText, maskMessage, maskString } from './pii.ts'

test('fields are masked by name under traits, properties and context, at any depth', () => {
  const masked = maskMessage({
    type: 'identify',
    userId: 'u1',
    traits: { email: 'a@b.co', name: 'Ada', first_name: 'Ada', plan: 'pro', address: { city: 'X' } },
    properties: { name: 'Home page', Phone: '555', order: { credit_card: '4111' } },
    context: { ip: '10.0.0.1', traits: { name: 'Ada' }, page: { url: 'https://x.io/?e=a@b.co' } },
  })
  assert.deepEqual(masked, {
    type: 'identify',
    userId: 'u1',
    traits: { email: MASK, name: MASK, first_name: MASK, plan: 'pro', address: MASK },
    properties: { name: 'Home page', Phone: MASK, order: { credit_card: MASK } },
    context: { ip: MASK, traits: { name: MASK }, page: { url: `https://x.io/?e=${MASK}` } },
  })
})

test('values that look like personal data are masked wherever they are, ids only when they are PII', () => {
  assert.equal(maskString('mail ada@example.com now'), `mail ${MASK} now`)
  assert.equal(maskString('card 4111 1111 1111 1111'), `card ${MASK}`)
  assert.equal(maskString('ssn 123-45-6789'), `ssn ${MASK}`)
  assert.equal(maskString('call +44 20 7946 0958'), `call ${MASK}`)
  assert.equal(maskString('version 1.2.3 on 2026-11-01'), 'version 1.2.3 on 2026-11-01')
  assert.deepEqual(maskMessage({ userId: 'ada@example.com', anonymousId: 'a-1' }), {
    userId: MASK,
    anonymousId: 'a-1',
  })
})

test('JSON text is masked parsed, or as text when cut short; exchanges mask body and URL', () => {
  assert.equal(
    maskJsonText('{"traits":{"email":"a@b.co","plan":"x"}}'),
    `{"traits":{"email":"${MASK}","plan":"x"}}`,
  )
  assert.equal(maskJsonText('{"traits":{"email":"zz","plan":"x'), `{"traits":{"email":"${MASK}","plan":"x`)
  const exchange = maskExchange({ url: 'https://h.io/?to=a@b.co', body: '{"email":"a@b.co"}', status: 200 })
  assert.deepEqual(exchange, { url: `https://h.io/?to=${MASK}`, body: `{"email":"${MASK}"}`, status: 200 })
})
