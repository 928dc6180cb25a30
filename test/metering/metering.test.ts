import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { MeteringConsumer } from '../../src/metering/index.ts'
import { INGEST_TOPIC } from '../../src/spec/index.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { conformance } from '../support/sdk-models.ts'
import { createSqliteDatabase, tempDir } from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
const month = new Date().toISOString().slice(0, 7)
const period = `${month}-01`

describe('metering through the Public API usage operations', () => {
  let sy: TestSwitchyard
  before(async () => {
    sy = await startTestSwitchyard()
  })
  after(async () => sy?.stop())

  /** A workspace of its own (MTU is per workspace) with a web and an app source. */
  async function workspace(slug: string) {
    const ws = await sy.switchyard.store.workspaces.create({ slug, name: slug })
    const { secret } = await sy.switchyard.store.tokens.create({
      workspaceId: ws.id,
      description: 't',
      role: 'Workspace Owner',
    })
    const source = async (s: string) => {
      const r = await sy.api('/sources', {
        method: 'POST',
        token: secret,
        body: { slug: s, enabled: true, metadataId: 'IqDTy1TpoU' },
      })
      return { id: r.body.data.source.id as string, writeKey: r.body.data.source.writeKeys[0] as string }
    }
    return { token: secret, web: await source('web'), app: await source('app') }
  }

  const send = async (writeKey: string, messages: Record<string, unknown>[]) => {
    const r = await fetch(`${sy.ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic(writeKey), 'content-type': 'application/json' },
      body: JSON.stringify({ batch: messages.map((m) => ({ type: 'track', event: 'Viewed', ...m })) }),
    })
    assert.equal(r.status, 200)
  }

  async function mtu(token: string, expectedCalls: number) {
    const deadline = Date.now() + 10_000
    for (;;) {
      const calls = await sy.api(`/usage/api-calls/daily?period=${period}`, { token })
      const total = calls.body.data.dailyWorkspaceAPICallsUsage.reduce(
        (n: number, d: { apiCalls: string }) => n + Number(d.apiCalls),
        0,
      )
      if (total >= expectedCalls) break
      if (Date.now() > deadline) throw new Error(`metering counted ${total} of ${expectedCalls} calls`)
      await new Promise((r) => setTimeout(r, 50))
    }
    const r = await sy.api(`/usage/mtu/daily?period=${period}`, { token })
    const today = r.body.data.dailyWorkspaceMTUUsage.at(-1)
    return { ...today, mtu: Number(today.identified) + Number(today.neverIdentified) }
  }

  // Segment's worked cases for monthly tracked users.
  test('logged in on web and on the app: 1 MTU', async () => {
    const w = await workspace('mtu-case-1')
    await send(w.web.writeKey, [{ anonymousId: 'web-a', userId: 'ada' }])
    await send(w.app.writeKey, [{ anonymousId: 'app-a', userId: 'ada' }])
    const today = await mtu(w.token, 2)
    assert.equal(today.mtu, 1)
    assert.deepEqual(
      [today.identified, today.anonymous, today.anonymousIdentified, today.neverIdentified],
      ['1', '2', '2', '0'],
    )
  })

  test('anonymous on web, logged in on the app: 2 MTUs', async () => {
    const w = await workspace('mtu-case-2')
    await send(w.web.writeKey, [{ anonymousId: 'web-a' }, { anonymousId: 'web-a' }])
    await send(w.app.writeKey, [{ anonymousId: 'app-a', userId: 'ada' }])
    assert.equal((await mtu(w.token, 3)).mtu, 2)
  })

  test('logged in on both, several calls each: 1 MTU; API calls count every message, per source', async () => {
    const w = await workspace('mtu-case-3')
    await send(w.web.writeKey, [{ userId: 'ada' }, { userId: 'ada' }, { userId: 'ada' }])
    await send(w.app.writeKey, [{ userId: 'ada' }])
    assert.equal((await mtu(w.token, 4)).mtu, 1)
    const perSource = await sy.api(`/usage/api-calls/sources/daily?period=${period}`, { token: w.token })
    const bySource = Object.fromEntries(
      perSource.body.data.dailyPerSourceAPICallsUsage.map((r: { sourceId: string; apiCalls: string }) => [
        r.sourceId,
        r.apiCalls,
      ]),
    )
    assert.deepEqual(bySource, { [w.web.id]: '3', [w.app.id]: '1' })
    const mtuPerSource = await sy.api(`/usage/mtu/sources/daily?period=${period}`, { token: w.token })
    assert.equal(mtuPerSource.body.data.dailyPerSourceMTUUsage.length, 2)
  })

  test('the usage answers match the SDK models, and period is validated', async () => {
    for (const [path, model] of [
      [`/usage/api-calls/daily?period=${period}`, 'GetDailyWorkspaceAPICallsUsageV1Output'],
      [`/usage/api-calls/sources/daily?period=${period}`, 'GetDailyPerSourceAPICallsUsageV1Output'],
      [`/usage/mtu/daily?period=${period}`, 'GetDailyWorkspaceMTUUsageV1Output'],
      [`/usage/mtu/sources/daily?period=${period}`, 'GetDailyPerSourceMTUUsageV1Output'],
    ] as const) {
      const r = await sy.api(path)
      assert.equal(r.status, 200, path)
      assert.deepEqual(conformance(r.body.data, model), [], path)
    }
    const bad = await sy.api('/usage/mtu/daily?period=last-month')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.errors[0].field, 'period')
  })
})

describe('metering counts each message exactly once', () => {
  let dir: string
  let database: ReturnType<typeof createSqliteDatabase>
  let store: Store
  let stream: EventStream
  before(async () => {
    dir = tempDir()
    database = createSqliteDatabase()
    store = openStore({ target: database.target, secretKey: 'k'.repeat(40) })
    await store.migrate()
    stream = await openStream({ kind: 'sqlite', dataDir: dir })
  })
  after(async () => {
    await stream?.close()
    await store?.close()
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('a crash between counting and committing the stream position does not count twice', async () => {
    const receivedAt = `${period}T12:00:00.000Z`
    const envelope = (n: number) =>
      JSON.stringify({
        sourceId: 's',
        workspaceId: 'w',
        message: { type: 'track', userId: `u${n}`, messageId: `m${n}`, receivedAt, timestamp: receivedAt },
      })
    await stream.append(
      INGEST_TOPIC,
      [1, 2, 3].map((n) => ({ key: 's', value: envelope(n) })),
    )
    // The stream commit fails once, as if the process died right after the counts were stored.
    let failCommit = true
    const flaky = new Proxy(stream, {
      get(target, property) {
        if (property === 'commit') {
          return async (...args: Parameters<EventStream['commit']>) => {
            if (failCommit) {
              failCommit = false
              throw new Error('process died')
            }
            return target.commit(...args)
          }
        }
        const value = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const logger = pino({ level: 'silent' })
    await assert.rejects(
      new MeteringConsumer({ stream: flaky, store, logger, waitMs: 0 }).step(),
      /process died/,
    )
    const restarted = new MeteringConsumer({ stream: flaky, store, logger, waitMs: 0 })
    assert.equal(await restarted.step(), 0, 'nothing is read again')
    await stream.append(INGEST_TOPIC, [{ key: 's', value: envelope(4) }])
    assert.equal(await restarted.step(), 1)
    const calls = await store.usage.dailyApiCalls('w', month, false)
    assert.deepEqual(calls, [{ day: receivedAt.slice(0, 10), calls: 4 }])
    const users = await store.usage.dailyUsers('w', month, false)
    assert.equal(users.at(-1)!.identified, 4)
  })

  test('two consumers reading the same batch at once count it once', async () => {
    const receivedAt = `${period}T13:00:00.000Z`
    const value = (n: number) =>
      JSON.stringify({
        sourceId: 's2',
        workspaceId: 'w2',
        message: { type: 'track', userId: `v${n}`, messageId: `n${n}`, receivedAt, timestamp: receivedAt },
      })
    await stream.append(
      INGEST_TOPIC,
      [1, 2, 3].map((n) => ({ key: 's2', value: value(n) })),
    )
    const logger = pino({ level: 'silent' })
    const [a, b] = [0, 1].map(() => new MeteringConsumer({ stream, store, logger, waitMs: 0 }))
    const counted = await Promise.all([a!.step(), b!.step()])
    assert.deepEqual(counted.sort(), [0, 3])
    assert.deepEqual(await store.usage.dailyApiCalls('w2', month, false), [
      { day: receivedAt.slice(0, 10), calls: 3 },
    ])
  })
})
