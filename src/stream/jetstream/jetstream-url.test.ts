import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeNatsTarget, parseNatsUrl } from './jetstream-url.ts'

test('a NATS url gives servers, credentials and the namespace', () => {
  assert.deepEqual(parseNatsUrl('nats://127.0.0.1:4222'), {
    servers: ['nats://127.0.0.1:4222'],
    namespace: 'switchyard',
  })
  assert.deepEqual(parseNatsUrl('nats://sy:p%40ss@a:4222/prod-eu, nats://b:4222/prod-eu'), {
    servers: ['nats://a:4222', 'nats://b:4222'],
    namespace: 'prod-eu',
    user: 'sy',
    pass: 'p@ss',
  })
  assert.deepEqual(parseNatsUrl('nats://s3cret@a:4222/'), {
    servers: ['nats://a:4222'],
    namespace: 'switchyard',
    token: 's3cret',
  })
  assert.deepEqual(parseNatsUrl('nats://a:4222/x?replicas=3'), {
    servers: ['nats://a:4222'],
    namespace: 'x',
    replicas: 3,
  })
  assert.equal(describeNatsTarget(parseNatsUrl('nats://u:pw@a:4222/x')), 'nats://a:4222/x')
})

test('a bad NATS url is refused without repeating its password', () => {
  for (const url of [
    '',
    'http://a:4222',
    'nats://a:4222/with_underscore',
    'nats://a:4222/two/levels',
    'nats://a:4222/x?namespace=y',
    'nats://a:4222/x?replicas=0',
    'nats://a:4222/x?replicas=3,nats://b:4222/x?replicas=1',
    'nats://a:4222/x,nats://b:4222/y',
    'nats://u:hunter2@a:4222/bad.name',
  ]) {
    assert.throws(
      () => parseNatsUrl(url),
      (e: unknown) => e instanceof TypeError && !e.message.includes('hunter2'),
      url,
    )
  }
})
