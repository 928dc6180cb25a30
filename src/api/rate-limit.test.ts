import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RateLimiter } from './rate-limit.ts'

test('allows the limit, then refuses with the wait, then refills with time', () => {
  const limiter = new RateLimiter(60) // one per second
  const t0 = 1_000_000
  for (let i = 0; i < 60; i++) assert.equal(limiter.take('a', t0).allowed, true)
  const refused = limiter.take('a', t0)
  assert.equal(refused.allowed, false)
  assert.equal(refused.remaining, 0)
  assert.equal(refused.consumed, 60)
  assert.equal(refused.msBeforeNext, 1000)
  assert.equal(limiter.take('a', t0 + 999).allowed, false)
  assert.equal(limiter.take('a', t0 + 2000).allowed, true)
})

test('keys are independent', () => {
  const limiter = new RateLimiter(1)
  assert.equal(limiter.take('a', 0).allowed, true)
  assert.equal(limiter.take('a', 0).allowed, false)
  assert.equal(limiter.take('b', 0).allowed, true)
})

test('reports remaining, consumed and when the bucket is full again', () => {
  const limiter = new RateLimiter(600) // ten per second
  const v = limiter.take('k', 0)
  assert.deepEqual(
    { remaining: v.remaining, consumed: v.consumed, resetAt: v.resetAt, limit: v.limit },
    { remaining: 599, consumed: 1, resetAt: 100, limit: 600 },
  )
})

test('check() reports without spending', () => {
  const limiter = new RateLimiter(1)
  assert.equal(limiter.check('a', 0).allowed, true)
  assert.equal(limiter.check('a', 0).allowed, true)
  assert.equal(limiter.take('a', 0).allowed, true)
  assert.equal(limiter.check('a', 0).allowed, false)
})

test('keeps at most maxKeys buckets, forgetting the least recently used', () => {
  const limiter = new RateLimiter(1, 2)
  limiter.take('a', 0)
  limiter.take('b', 0)
  limiter.take('a', 0) // a is now the most recent
  limiter.take('c', 0) // evicts b
  assert.equal(limiter.check('a', 0).allowed, false, 'a is remembered as spent')
  assert.equal(limiter.check('b', 0).allowed, true, 'b was forgotten, so it is full again')
})
