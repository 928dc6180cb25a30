import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LoginThrottle, waitAfter, type LoginAttempt, type ThrottlePolicy } from './login-throttle.ts'

const account: ThrottlePolicy = { freeAttempts: 3, delayMs: 1000, lockAfter: 10, lockMs: 15 * 60_000 }
const address: ThrottlePolicy = { freeAttempts: 15, delayMs: 1000, lockAfter: 50, lockMs: 15 * 60_000 }

test('waitAfter: free, then doubling, then the lock', () => {
  const table: [number, number][] = [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 1000],
    [4, 2000],
    [5, 4000],
    [9, 64_000],
    [10, 15 * 60_000],
    [11, 15 * 60_000],
  ]
  for (const [failures, wait] of table) assert.equal(waitAfter(failures, account), wait, `${failures}`)
  assert.equal(waitAfter(12, { ...account, delayMs: 10 ** 9, lockAfter: 100 }), 15 * 60_000, 'capped')
})

/** Fails one attempt at `now`, asserting it was allowed. */
function fail(throttle: LoginThrottle, now: number, who = 'a@x.io', from = '1.1.1.1'): LoginAttempt {
  const attempt = throttle.begin(who, from, now)
  assert.ok(attempt.allowed, `allowed at ${now}`)
  throttle.failed(attempt, now)
  return attempt
}

test('three free failures, then each attempt must wait longer, then a lock-out', () => {
  const throttle = new LoginThrottle({ account, address })
  let now = 0
  for (let i = 0; i < 3; i++) fail(throttle, now)
  const early = throttle.begin('a@x.io', '1.1.1.1', now + 999)
  assert.deepEqual(early, { allowed: false, retryAfterMs: 1, locked: false })
  now += 1000
  fail(throttle, now) // 4th
  assert.equal((throttle.begin('a@x.io', '1.1.1.1', now + 1999) as { retryAfterMs: number }).retryAfterMs, 1)
  for (let failures = 4; failures < 9; failures++) {
    now += waitAfter(failures, account)
    fail(throttle, now)
  }
  now += waitAfter(9, account)
  const tenth = throttle.begin('a@x.io', '1.1.1.1', now)
  assert.ok(tenth.allowed)
  assert.deepEqual(throttle.failed(tenth, now), { accountLocked: true, addressLocked: false })
  const locked = throttle.begin('a@x.io', '1.1.1.1', now + 60_000)
  assert.deepEqual(locked, { allowed: false, retryAfterMs: 14 * 60_000, locked: true })
  const afterLock = throttle.begin('a@x.io', '1.1.1.1', now + 15 * 60_000)
  assert.ok(afterLock.allowed, 'the lock ends')
  assert.deepEqual(throttle.failed(afterLock, now + 15 * 60_000), {
    accountLocked: false,
    addressLocked: false,
  })
  assert.equal(
    (throttle.begin('a@x.io', '1.1.1.1', now + 16 * 60_000) as { locked: boolean }).locked,
    true,
    'a failure soon after a lock-out locks again',
  )
})

test('a refused attempt is not counted, and other accounts are unaffected', () => {
  const throttle = new LoginThrottle({ account, address })
  for (let i = 0; i < 3; i++) fail(throttle, 0)
  for (let i = 0; i < 5; i++) assert.equal(throttle.begin('a@x.io', '1.1.1.1', 10).allowed, false)
  assert.equal(waitAfter(3, account), 1000, 'still three failures')
  assert.ok(throttle.begin('a@x.io', '1.1.1.1', 1000).allowed)
  assert.ok(throttle.begin('b@x.io', '1.1.1.1', 1000).allowed)
})

test('success forgets the account failures but only gives back the address its attempt', () => {
  const throttle = new LoginThrottle({ account, address: { ...address, freeAttempts: 4 } })
  for (let i = 0; i < 2; i++) fail(throttle, 0)
  const ok = throttle.begin('a@x.io', '1.1.1.1', 0)
  assert.ok(ok.allowed)
  throttle.succeeded(ok)
  // The account starts again: three free failures.
  for (let i = 0; i < 2; i++) fail(throttle, 1)
  // The address had 2 failures, now 4 in a row from it: the next attempt waits, whatever the account.
  const refused = throttle.begin('c@x.io', '1.1.1.1', 2)
  assert.equal(refused.allowed, false)
})

test('an address is locked after its own (higher) count, across accounts', () => {
  const throttle = new LoginThrottle({ account, address: { ...address, freeAttempts: 100, lockAfter: 5 } })
  let last: LoginAttempt | undefined
  for (let i = 0; i < 5; i++) {
    last = throttle.begin(`user${i}@x.io`, '9.9.9.9', 0) as LoginAttempt
    assert.ok(last.allowed)
  }
  assert.deepEqual(throttle.failed(last!, 0), { accountLocked: false, addressLocked: true })
  const refused = throttle.begin('new@x.io', '9.9.9.9', 1)
  assert.deepEqual(refused, { allowed: false, retryAfterMs: 15 * 60_000 - 1, locked: true })
  assert.ok(throttle.begin('new@x.io', '8.8.8.8', 1).allowed, 'another address may')
})

test('parallel attempts are counted as they start', () => {
  const throttle = new LoginThrottle({ account, address })
  const started = [0, 1, 2, 3, 4].map(() => throttle.begin('a@x.io', '1.1.1.1', 0))
  assert.deepEqual(
    started.map((s) => s.allowed),
    [true, true, true, false, false],
  )
})

test('failures are forgotten after a quiet period, and the key table stays bounded', () => {
  const throttle = new LoginThrottle({ account, address, maxKeys: 10 })
  for (let i = 0; i < 3; i++) fail(throttle, 0)
  const later = throttle.begin('a@x.io', '1.1.1.1', 1000 + 15 * 60_000)
  assert.ok(later.allowed)
  throttle.failed(later, 1000 + 15 * 60_000)
  assert.ok(
    throttle.begin('a@x.io', '1.1.1.1', 1000 + 15 * 60_000).allowed,
    'counted from 0 again: 1 failure',
  )
  for (let i = 0; i < 50; i++) fail(throttle, 20 * 60_000, `u${i}@x.io`, `10.0.0.${i}`)
  assert.ok(throttle.begin('u49@x.io', '10.0.0.49', 20 * 60_000 + 1).allowed, 'recent keys stay usable')
})

test('the wait runs from the end of the failed attempt', () => {
  const throttle = new LoginThrottle({ account, address })
  for (let i = 0; i < 2; i++) fail(throttle, 0)
  const slow = throttle.begin('a@x.io', '1.1.1.1', 0)
  assert.ok(slow.allowed)
  throttle.failed(slow, 300) // the password check took 300 ms
  assert.deepEqual(throttle.begin('a@x.io', '1.1.1.1', 1000), {
    allowed: false,
    retryAfterMs: 300,
    locked: false,
  })
  assert.ok(throttle.begin('a@x.io', '1.1.1.1', 1300).allowed)
})
