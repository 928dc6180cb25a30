import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { conformance, sdk } from '../support/sdk-models.ts'
import { dialects, type TestDatabase } from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`

/**
 * Usage through Segment's SDK: EventsApi (event volume), APICallsApi and MonthlyTrackedUsersApi,
 * answered from the metering counts of messages sent through the Tracking API.
 */
for (const dialect of await dialects()) {
  describe(
    `usage: EventsApi, APICallsApi and MonthlyTrackedUsersApi through the SDK (${dialect.name})`,
    { skip: dialect.skip },
    () => {
      let sy: TestSwitchyard
      let database: TestDatabase | undefined
      let apis: ReturnType<typeof sdk.configureApis>
      let web: { id: string; writeKey: string }
      let app: { id: string; writeKey: string }
      const hourStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000)
      const start = new Date(hourStart.getTime() - 3_600_000).toISOString()
      const end = new Date(hourStart.getTime() + 2 * 3_600_000).toISOString()
      const period = `${new Date().toISOString().slice(0, 7)}-01`

      const send = async (writeKey: string, messages: Record<string, unknown>[]) => {
        const r = await fetch(`${sy.ingestUrl}/v1/batch`, {
          method: 'POST',
          headers: { authorization: basic(writeKey), 'content-type': 'application/json' },
          body: JSON.stringify({ batch: messages }),
        })
        assert.equal(r.status, 200)
      }

      before(async () => {
        database = await dialect.create()
        sy = await startTestSwitchyard({ database })
        apis = sdk.configureApis(sy.ownerToken)
        for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
        web = await sy.createSource('volume-web')
        app = await sy.createSource('volume-app')
        await send(web.writeKey, [
          { type: 'track', event: 'Order Completed', userId: 'u1', context: { app: { version: '2.0' } } },
          { type: 'track', event: 'Order Completed', userId: 'u2', context: { app: { version: '1.0' } } },
          { type: 'track', event: 'Signed Up', anonymousId: 'a1' },
          { type: 'page', name: 'Home', anonymousId: 'a1' },
          { type: 'identify', userId: 'u1' },
        ])
        await send(app.writeKey, [{ type: 'track', event: 'Order Completed', userId: 'u3' }])
        // Wait for metering.
        const deadline = Date.now() + 10_000
        for (;;) {
          const r = await sy.api(`/usage/api-calls/daily?period=${period}`)
          const total = r.body.data.dailyWorkspaceAPICallsUsage.reduce(
            (n: number, d: { apiCalls: string }) => n + Number(d.apiCalls),
            0,
          )
          if (total >= 6) break
          if (Date.now() > deadline) throw new Error(`metering counted ${total} of 6 calls`)
          await new Promise((r) => setTimeout(r, 50))
        }
      })
      after(async () => {
        await sy?.stop()
        await database?.drop()
      })

      test('getEventsVolumeFromWorkspace: one series for the workspace, zeros included', async () => {
        const data = await sdk.unwrap(apis.events.getEventsVolumeFromWorkspace('HOUR', start, end))
        assert.equal(data.result.length, 1)
        assert.equal(data.result[0]!.total, 6)
        assert.equal(data.result[0]!.series.length, 3)
        assert.deepEqual(
          data.result[0]!.series.map((p) => p.count),
          [0, 6, 0],
        )
        assert.equal(data.result[0]!.series[1]!.time, hourStart.toISOString())
        assert.equal(String(data.query.granularity), 'HOUR')
        assert.equal(data.query.workspaceId, sy.switchyard.bootstrap.workspace.id)
      })

      test('grouped by event name, event type and source, and filtered, as the SDK sends them', async () => {
        const byName = await sdk.unwrap(
          apis.events.getEventsVolumeFromWorkspace('DAY', start, end, ['eventName', 'eventType']),
        )
        const totals = Object.fromEntries(
          byName.result.map((s) => [`${s.eventType}:${s.eventName}`, s.total]),
        )
        assert.deepEqual(totals, {
          'track:Order Completed': 3,
          'track:Signed Up': 1,
          'page:Home': 1,
          'identify:': 1,
        })
        assert.equal(byName.result[0]!.eventName, 'Order Completed', 'biggest total first')

        const bySource = await sdk.unwrap(
          apis.events.getEventsVolumeFromWorkspace('MINUTE', start, end, ['source'], undefined, [
            'Order Completed',
          ]),
        )
        assert.deepEqual(Object.fromEntries(bySource.result.map((s) => [s.source!.id, s.total])), {
          [web.id]: 2,
          [app.id]: 1,
        })
        assert.equal(bySource.result.find((s) => s.source!.id === web.id)!.source!.slug, 'volume-web')

        const filtered = await sdk.unwrap(
          apis.events.getEventsVolumeFromWorkspace(
            'HOUR',
            start,
            end,
            undefined,
            [web.id],
            undefined,
            ['track'],
            ['2.0'],
          ),
        )
        assert.equal(filtered.result[0]!.total, 1)
        assert.deepEqual(filtered.query.sourceId, [web.id])
      })

      test('the answer matches the SDK model; bad input names the field', async () => {
        const q = `granularity=DAY&startTime=${start}&endTime=${end}&groupBy=source,eventType`
        const r = await sy.api(`/events/volume?${q}`)
        assert.equal(r.status, 200)
        assert.deepEqual(conformance(r.body.data, 'GetEventsVolumeFromWorkspaceV1Output'), [])
        for (const [query, field] of [
          [`granularity=WEEK&startTime=${start}&endTime=${end}`, 'granularity'],
          [`granularity=DAY&endTime=${end}`, 'startTime'],
          [`granularity=DAY&startTime=${end}&endTime=${start}`, 'endTime'],
          [`granularity=MINUTE&startTime=2020-01-01&endTime=${end}`, 'endTime'],
          [`granularity=DAY&startTime=${start}&endTime=${end}&groupBy=appVersion`, 'groupBy'],
        ]) {
          const bad = await sy.api(`/events/volume?${query}`)
          assert.equal(bad.status, 400, query)
          assert.equal(bad.body.errors[0].field, field, query)
        }
      })

      test('APICallsApi and MonthlyTrackedUsersApi answer with counts, in the SDK models', async () => {
        const calls = await sdk.unwrap(apis.apiCalls.getDailyWorkspaceAPICallsUsage(period, { count: 31 }))
        assert.equal(Number(calls.dailyWorkspaceAPICallsUsage.at(-1)!.apiCalls), 6)
        const perSource = await sdk.unwrap(
          apis.apiCalls.getDailyPerSourceAPICallsUsage(period, { count: 31 }),
        )
        assert.equal(perSource.dailyPerSourceAPICallsUsage.length, 2)
        const mtu = await sdk.unwrap(
          apis.monthlyTrackedUsers.getDailyWorkspaceMTUUsage(period, { count: 31 }),
        )
        const today = mtu.dailyWorkspaceMTUUsage.at(-1)!
        assert.equal(Number(today.identified) + Number(today.neverIdentified), 4) // u1, u2, u3, a1
        const mtuPerSource = await sdk.unwrap(
          apis.monthlyTrackedUsers.getDailyPerSourceMTUUsage(period, { count: 31 }),
        )
        assert.equal(mtuPerSource.dailyPerSourceMTUUsage.length, 2)
        for (const [path, model] of [
          [`/usage/api-calls/daily?period=${period}`, 'GetDailyWorkspaceAPICallsUsageV1Output'],
          [`/usage/api-calls/sources/daily?period=${period}`, 'GetDailyPerSourceAPICallsUsageV1Output'],
          [`/usage/mtu/daily?period=${period}`, 'GetDailyWorkspaceMTUUsageV1Output'],
          [`/usage/mtu/sources/daily?period=${period}`, 'GetDailyPerSourceMTUUsageV1Output'],
        ] as const) {
          const r = await sy.api(path)
          assert.ok(r.body.data[Object.keys(r.body.data)[0]!].length > 0, path)
          assert.deepEqual(conformance(r.body.data, model), [], path)
        }
      })
    },
  )
}
