import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSwitchyardError } from '../errors/index.ts'
import { loadConfig } from './config.ts'

test('defaults', () => {
  const c = loadConfig()
  assert.equal(c.dataDir, './data')
  assert.equal(c.host, '127.0.0.1')
  assert.equal(c.ingestPort, 8080)
  assert.equal(c.controlPort, 8081)
  assert.equal(c.databaseUrl, undefined)
  assert.equal(c.streamUrl, undefined)
  assert.equal(c.bootstrapToken, undefined)
  assert.deepEqual(c.roles, ['ingest', 'worker', 'control'])
  assert.equal(c.logLevel, 'info')
  assert.equal(c.shutdownTimeoutMs, 10_000)
  assert.ok(Object.isFrozen(c))
})

test('environment values are parsed; flags win over the environment', () => {
  const c = loadConfig({
    env: {
      SWITCHYARD_INGEST_PORT: '9000',
      SWITCHYARD_CONTROL_PORT: '9001',
      SWITCHYARD_DATABASE_URL: 'postgres://u@db:5432/sy',
      SWITCHYARD_STREAM_URL: 'nats://127.0.0.1:4222',
      SWITCHYARD_ROLES: 'ingest, control,ingest',
      SWITCHYARD_LOG_LEVEL: 'debug',
      SWITCHYARD_BOOTSTRAP_TOKEN: 'a-long-enough-bootstrap-token',
      OTHER: 'ignored',
    },
    flags: { 'ingest-port': '7000', 'log-level': 'warn' },
  })
  assert.equal(c.ingestPort, 7000)
  assert.equal(c.controlPort, 9001)
  assert.equal(c.databaseUrl, 'postgres://u@db:5432/sy')
  assert.equal(c.streamUrl, 'nats://127.0.0.1:4222')
  assert.deepEqual(c.roles, ['ingest', 'control'])
  assert.equal(c.logLevel, 'warn')
  assert.equal(c.bootstrapToken, 'a-long-enough-bootstrap-token')
})

test('an empty value means unset for optional settings', () => {
  assert.equal(loadConfig({ env: { SWITCHYARD_DATABASE_URL: '' } }).databaseUrl, undefined)
})

const invalid: [env: Record<string, string>, names: string, rule: RegExp][] = [
  [{ SWITCHYARD_INGEST_PORT: 'eighty' }, 'SWITCHYARD_INGEST_PORT', /port number/],
  [{ SWITCHYARD_CONTROL_PORT: '70000' }, 'SWITCHYARD_CONTROL_PORT', /port number/],
  [{ SWITCHYARD_DATABASE_URL: 'mysql://x' }, 'SWITCHYARD_DATABASE_URL', /postgres:\/\//],
  [{ SWITCHYARD_STREAM_URL: 'kafka://x' }, 'SWITCHYARD_STREAM_URL', /nats:\/\//],
  [{ SWITCHYARD_ROLES: 'ingest,bogus' }, 'SWITCHYARD_ROLES', /one of ingest, worker, control/],
  [{ SWITCHYARD_ROLES: ' , ' }, 'SWITCHYARD_ROLES', /at least one/],
  [{ SWITCHYARD_LOG_LEVEL: 'loud' }, 'SWITCHYARD_LOG_LEVEL', /one of fatal/],
  [{ SWITCHYARD_BOOTSTRAP_TOKEN: 'short' }, 'SWITCHYARD_BOOTSTRAP_TOKEN', /at least 20/],
  [
    { SWITCHYARD_BOOTSTRAP_TOKEN: 'has spaces in it and is long' },
    'SWITCHYARD_BOOTSTRAP_TOKEN',
    /without spaces/,
  ],
  [{ SWITCHYARD_SECRET_KEY: 'too-short' }, 'SWITCHYARD_SECRET_KEY', /at least 32/],
  [{ SWITCHYARD_API_RATE_LIMIT: '0' }, 'SWITCHYARD_API_RATE_LIMIT', /above 0/],
  [
    { SWITCHYARD_INGEST_PORT: '8000', SWITCHYARD_CONTROL_PORT: '8000' },
    'SWITCHYARD_CONTROL_PORT',
    /must differ/,
  ],
]

for (const [env, name, rule] of invalid) {
  test(`rejects ${JSON.stringify(env)} naming ${name} and the rule`, () => {
    assert.throws(
      () => loadConfig({ env }),
      (e: unknown) =>
        isSwitchyardError(e) && e.code === 'SY_CONFIG_INVALID' && e.field === name && rule.test(e.message),
    )
  })
}

test('a bad flag is reported as the flag', () => {
  assert.throws(
    () => loadConfig({ flags: { 'ingest-port': 'x' } }),
    (e: unknown) => isSwitchyardError(e) && e.field === '--ingest-port',
  )
})
