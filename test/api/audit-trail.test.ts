import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { AuditForwarder, AuditRetention, auditTrack } from '../../src/api/index.ts'
import { conformance, sdk } from '../support/sdk-models.ts'
import { dialects, type TestDatabase } from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const silent = pino({ level: 'silent' })

for (const dialect of await dialects()) {
  describe(
    `audit trail: AuditTrailApi, retention and forwarding (${dialect.name})`,
    { skip: dialect.skip },
    () => {
      let sy: TestSwitchyard
      let database: TestDatabase | undefined
      let apis: ReturnType<typeof sdk.configureApis>

      before(async () => {
        database = await dialect.create()
        sy = await startTestSwitchyard({ database })
        apis = sdk.configureApis(sy.ownerToken)
        for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
      })
      after(async () => {
        await sy?.stop()
        await database?.drop()
      })

      test('listAuditEvents through the SDK: shape, newest first, filters by time, resource and actor', async () => {
        const first = await sy.createSource('audited-one')
        await sleep(20)
        const between = new Date().toISOString()
        await sleep(20)
        const second = await sy.createSource('audited-two')
        await sy.api(`/sources/${second.id}`, { method: 'PATCH', body: { enabled: false } })

        const all = await sdk.unwrap(apis.auditTrail.listAuditEvents({ count: 100 }))
        assert.ok(all.events.length >= 3)
        assert.equal(all.events[0]!.type, 'Source Disabled')
        assert.equal(all.events[0]!.resourceId, second.id)
        assert.equal(all.pagination?.totalEntries, all.events.length)

        const raw = await sy.api('/audit-events?pagination[count]=100')
        assert.deepEqual(conformance(raw.body.data, 'ListAuditEventsV1Output'), [])
        const created = raw.body.data.events.find((e: { resourceId: string }) => e.resourceId === first.id)
        assert.equal(created.type, 'Source Created')
        assert.equal(created.resourceType, 'source')
        assert.equal(created.resourceName, 'audited-one')
        assert.equal(created.actorType, 'token')
        assert.equal(created.before, null)
        assert.equal(created.after.slug, 'audited-one')
        assert.equal(created.actorEmail, undefined, 'tokens have no email')

        // Time: startTime inclusive, endTime exclusive.
        const later = await sdk.unwrap(apis.auditTrail.listAuditEvents({ count: 100 }, between))
        assert.deepEqual(
          later.events.map((e) => e.type),
          ['Source Disabled', 'Source Created'],
        )
        const earlier = await sdk.unwrap(apis.auditTrail.listAuditEvents({ count: 100 }, undefined, between))
        assert.ok(earlier.events.every((e) => e.resourceId !== second.id))
        assert.ok(earlier.events.some((e) => e.resourceId === first.id))

        // Resource id and type.
        const ofSecond = await sdk.unwrap(
          apis.auditTrail.listAuditEvents({ count: 100 }, undefined, undefined, second.id, 'source'),
        )
        assert.deepEqual(
          ofSecond.events.map((e) => e.type),
          ['Source Disabled', 'Source Created'],
        )
        const ofWarehouses = await sdk.unwrap(
          apis.auditTrail.listAuditEvents({ count: 100 }, undefined, undefined, undefined, 'warehouse'),
        )
        assert.ok(ofWarehouses.events.every((e) => e.resourceType === 'warehouse'))

        // Actor (Switchyard's filter: the id events answer in `actor`).
        const actor = all.events[0]!.actor
        const byActor = await sy.api(`/audit-events?actor=${encodeURIComponent(actor)}&pagination[count]=100`)
        assert.equal(byActor.body.data.events.length, all.events.filter((e) => e.actor === actor).length)
        assert.ok(byActor.body.data.events.every((e: { actor: string }) => e.actor === actor))
        const byNobody = await sy.api('/audit-events?actor=nobody')
        assert.deepEqual(byNobody.body.data.events, [])

        // Pagination as the SDK sends it.
        const page1 = await sdk.unwrap(apis.auditTrail.listAuditEvents({ count: 1 }))
        const page2 = await sdk.unwrap(
          apis.auditTrail.listAuditEvents({ count: 1, cursor: page1.pagination!.next! }),
        )
        assert.notEqual(page1.events[0]!.id, page2.events[0]!.id)
        assert.equal(page2.events[0]!.id, all.events[1]!.id)
      })

      test('bad filters are 400s naming the field; other workspaces and members see nothing', async () => {
        const bad = await sy.api('/audit-events?startTime=yesterday')
        assert.equal(bad.status, 400)
        assert.equal(bad.body.errors[0].field, 'startTime')
        const backwards = await sy.api('/audit-events?startTime=2026-02-01&endTime=2026-01-01')
        assert.equal(backwards.body.errors[0].field, 'endTime')

        const store = sy.switchyard.store
        const other = await store.workspaces.create({ slug: 'audit-other', name: 'Other' })
        const owner = await store.tokens.create({
          workspaceId: other.id,
          description: 'o',
          role: 'Workspace Owner',
        })
        const theirs = await sy.api('/audit-events', { token: owner.secret })
        assert.equal(theirs.status, 200)
        assert.deepEqual(theirs.body.data.events, [])

        const member = await store.tokens.create({
          workspaceId: sy.switchyard.bootstrap.workspace.id,
          description: 'member',
          role: 'Workspace Member',
        })
        const refused = await sy.api('/audit-events', { token: member.secret })
        assert.equal(refused.status, 403)
        assert.equal(refused.body.errors[0].code, 'SY_API_FORBIDDEN')
        assert.ok(refused.headers.get('x-ratelimit-remaining'), 'a 403 carries the rate-limit headers too')
      })

      test('retention prunes events older than the retention age, and only those', async () => {
        const store = sy.switchyard.store
        const ws = await store.workspaces.create({ slug: 'audit-retention', name: 'Retention' })
        const actor = { type: 'system' as const, id: 'switchyard', name: 'Switchyard' }
        await store.audit.record({
          workspaceId: ws.id,
          type: 'Source Created',
          actor,
          resource: { type: 'source', id: 's', name: 's' },
          before: null,
          after: null,
        })
        const count = async () => (await store.audit.list(ws.id, { offset: 0, limit: 10 })).total
        const day = 24 * 60 * 60 * 1000
        const at = (days: number) =>
          new AuditRetention({ store, retentionDays: 90, logger: silent, now: () => Date.now() + days * day })
        assert.equal(await at(89).prune(), 0)
        assert.equal(await count(), 1)
        assert.ok((await at(91).prune()) >= 1)
        assert.equal(await count(), 0)
        const keepAll = new AuditRetention({
          store,
          retentionDays: 0,
          logger: silent,
          now: () => Date.now() + 1000 * day,
        })
        assert.equal(await keepAll.prune(), 0)
      })

      test('forwarding: each audit event becomes a Track call stored in the chosen source, once', async () => {
        const target = await sy.createSource('audit-forward')
        const forwarder = new AuditForwarder({
          store: sy.switchyard.store,
          stream: sy.switchyard.stream!,
          sourceId: target.id,
          logger: silent,
          settleMs: 0,
        })
        // The first pass starts the trail's position at now: earlier events are not replayed.
        assert.equal(await forwarder.step(), 0)
        const start = await sy.switchyard.store.audit.position(forwarder.consumer)
        await sleep(5)
        const changed = await sy.createSource('audit-forward-subject')
        await sy.api(`/sources/${changed.id}`, {
          method: 'PATCH',
          body: { settings: { apiKey: 'abcdefghijklmnopqrstuvwxyz' } },
        })
        await sleep(5)
        assert.equal(await forwarder.step(), 2)
        assert.equal(await forwarder.step(), 0, 'nothing new: nothing forwarded')

        const forwarded = () => sy.storedMessages().then((all) => all.filter((m) => m.sourceId === target.id))
        const messages = await forwarded()
        assert.deepEqual(
          messages.map((m) => m.message.event),
          ['Source Created', 'Source Settings Modified'],
        )
        const created = messages[0]!.message
        assert.equal(created.type, 'track')
        assert.match(created.messageId, /^audit-/)
        assert.ok(created.receivedAt, 'enriched as the Tracking API enriches')
        assert.equal(created.properties.resource.id, changed.id)
        assert.equal(created.properties.actor.type, 'token')
        assert.equal(created.userId, created.properties.actor.id)
        assert.equal(messages[0]!.workspaceId, sy.switchyard.bootstrap.workspace.id)
        const settings = messages[1]!.message.properties.after.settings
        assert.notEqual(settings.apiKey, 'abcdefghijklmnopqrstuvwxyz', 'secrets are masked')
        assert.ok(
          messages[1]!.message.properties.after.writeKeys.every((k: string) => k.startsWith('••')),
          'write keys are masked',
        )

        // A crash after the append but before the position moved: the same events go again, and the
        // stream drops them as duplicates.
        const position = await sy.switchyard.store.audit.position(forwarder.consumer)
        await sy.switchyard.store.audit.advancePosition(forwarder.consumer, position, start)
        assert.equal(await forwarder.step(), 2)
        assert.equal((await forwarded()).length, 2)
      })

      test('forwarding waits while the source is disabled, then catches up', async () => {
        const target = await sy.createSource('audit-forward-later')
        const forwarder = new AuditForwarder({
          store: sy.switchyard.store,
          stream: sy.switchyard.stream!,
          sourceId: target.id,
          logger: silent,
          settleMs: 0,
        })
        await forwarder.step()
        await sy.api(`/sources/${target.id}`, { method: 'PATCH', body: { enabled: false } })
        await sy.createSource('audit-forward-while-off')
        assert.equal(await forwarder.step(), 0)
        await sy.api(`/sources/${target.id}`, { method: 'PATCH', body: { enabled: true } })
        await sleep(5)
        assert.equal(await forwarder.step(), 3, 'disabled, created, enabled')
      })

      test('a change too big for one message is forwarded without before and after', () => {
        const event = {
          id: 'e',
          workspaceId: 'w',
          timestamp: new Date().toISOString(),
          type: 'Source Modified',
          actor: { type: 'user' as const, id: 'u', name: 'u@example.com' },
          resource: { type: 'source', id: 's', name: 's' },
          before: { big: 'x'.repeat(30_000) },
          after: { password: 'hunter22' },
        }
        const track = auditTrack(event) as { properties: Record<string, unknown> }
        assert.equal(track.properties.truncated, true)
        assert.equal(track.properties.before, null)
        const small = auditTrack({ ...event, before: null }) as {
          properties: { after: { password: string } }
        }
        assert.notEqual(small.properties.after.password, 'hunter22')
      })
    },
  )
}
