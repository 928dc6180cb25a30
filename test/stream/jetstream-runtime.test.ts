import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { connect } from 'nats'
import { loadConfig } from '../../src/config/index.ts'
import { isSwitchyardError } from '../../src/errors/index.ts'
import { createLogger, startSwitchyard } from '../../src/server/index.ts'
import {
  createNatsNamespace,
  NATS_TEST_URL,
  natsUnavailable,
  tempDir,
  type TestNatsNamespace,
} from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const unavailable = await natsUnavailable()
const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`

describe('Switchyard with SWITCHYARD_STREAM_URL=nats://…', { skip: unavailable }, () => {
  let namespace: TestNatsNamespace
  let sy: TestSwitchyard

  before(async () => {
    namespace = createNatsNamespace()
    sy = await startTestSwitchyard({ env: { SWITCHYARD_STREAM_URL: namespace.url } })
  })
  after(async () => {
    await sy?.stop()
    await namespace?.drop()
  })

  test('stores a track call in the JetStream stream, once per messageId', async () => {
    assert.equal(sy.switchyard.stream?.capabilities.adapter, 'jetstream')
    const { writeKey, id: sourceId } = await sy.createSource('server', 'iUM16Md8P2')
    const track = {
      userId: 'u1',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      messageId: 'jetstream-runtime-1',
    }
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${sy.ingestUrl}/v1/track`, {
        method: 'POST',
        headers: { authorization: basic(writeKey), 'content-type': 'application/json' },
        body: JSON.stringify(track),
      })
      assert.equal(r.status, 200, await r.text())
    }
    const [stored, ...more] = await sy.waitForMessages(1)
    assert.equal(more.length, 0, 'the repeat was dropped as a duplicate')
    assert.equal(stored!.sourceId, sourceId)
    assert.equal(stored!.message.type, 'track')
    assert.equal(stored!.message.event, 'Signed Up')
    assert.equal(stored!.message.messageId, 'jetstream-runtime-1')

    // The record really is on the server, in this test's namespace.
    const nc = await connect({ servers: NATS_TEST_URL })
    try {
      const info = await (await nc.jetstreamManager()).streams.info(`${namespace.namespace}_ingest`)
      assert.equal(info.state.messages, 1)
    } finally {
      await nc.close()
    }
  })

  test('a bad namespace in the url is a configuration error', async () => {
    const dataDir = tempDir()
    try {
      const config = loadConfig({
        env: {
          SWITCHYARD_STREAM_URL: `${NATS_TEST_URL}/not_allowed`,
          SWITCHYARD_DATA_DIR: dataDir,
          SWITCHYARD_INGEST_PORT: '0',
          SWITCHYARD_CONTROL_PORT: '0',
        },
      })
      await assert.rejects(
        startSwitchyard(config, createLogger('silent')),
        (e: unknown) =>
          isSwitchyardError(e) && e.code === 'SY_CONFIG_INVALID' && e.field === 'SWITCHYARD_STREAM_URL',
      )
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
