import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ensureWebBuild } from '../../scripts/build-web.ts'
import { collectPaths } from '../../web/src/components/mapping-paths.ts'
import { parseTrigger, triggerText, type TriggerModel } from '../../web/src/components/trigger-syntax.ts'
import { sendBatch } from '../support/actions.ts'
import { chromiumUnavailable, launchChromium } from '../support/browser.ts'
import { tempDir } from '../support/services.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * The destination's Mappings editor and Event tester, in headless Chromium against a real
 * Switchyard: build a mapping of the Actions "Webhook" destination (trigger builder, a field mapped
 * from a suggestion of the source's recent events), see the API's error under the trigger, check
 * what the API stored, send events through the event tester to a local sink, and the presets and
 * classic-destination cases. No page may log a console error other than the 400s caused on purpose.
 *
 * `SWITCHYARD_SCREENSHOTS=1` saves the pages to docs/screenshots/.
 */
const SCREENSHOTS = process.env.SWITCHYARD_SCREENSHOTS
  ? new URL('../../docs/screenshots/', import.meta.url).pathname
  : tempDir()

/** Segment's "Webhook" Actions destination (`actions-webhook`): its Send action posts to a URL field. */
const ACTIONS_WEBHOOK = '614a3c7d791c91c41bae7599'
/** `actions-noop`: no settings, one preset. */
const ACTIONS_NOOP = '6470d73d82dfbc7129fc5975'
/** The classic Webhooks destination. */
const CLASSIC_WEBHOOKS = '54521fdc25e721e32a72ef04'

describe('trigger syntax (the trigger builder’s text)', () => {
  const cases: Array<[string, TriggerModel]> = [
    [
      'type = "track" and event = "Order Completed"',
      {
        combinator: 'and',
        conditions: [
          { subject: 'type', name: '', operator: '=', value: 'track' },
          { subject: 'event', name: '', operator: '=', value: 'Order Completed' },
        ],
      },
    ],
    [
      'properties.total > 100 or contains(event, "Order") or !match(event, "Test*")',
      {
        combinator: 'or',
        conditions: [
          { subject: 'properties', name: 'total', operator: '>', value: '100' },
          { subject: 'event', name: '', operator: 'contains', value: 'Order' },
          { subject: 'event', name: '', operator: 'not_starts_with', value: 'Test' },
        ],
      },
    ],
    [
      'traits.plan\\ name = "a \\"pro\\" plan" and context.page.path != null and properties.vip = true and properties.n = 3',
      {
        combinator: 'and',
        conditions: [
          { subject: 'traits', name: 'plan name', operator: '=', value: 'a "pro" plan' },
          { subject: 'context', name: 'page.path', operator: 'exists', value: '' },
          { subject: 'properties', name: 'vip', operator: 'is_true', value: '' },
          { subject: 'properties', name: 'n', operator: 'number_equals', value: '3' },
        ],
      },
    ],
  ]
  for (const [text, model] of cases) {
    test(text, () => {
      assert.deepEqual(parseTrigger(text), model)
      assert.equal(triggerText(model), text)
    })
  }
  test('what the builder can’t show stays text', () => {
    for (const text of [
      'type = "track" and (event = "A" or event = "B")',
      'type = "track" and event = "A" or event = "B"',
      'name = "Home"',
      'event >',
    ])
      assert.equal(parseTrigger(text), undefined, text)
    assert.deepEqual(parseTrigger(''), { combinator: 'and', conditions: [] })
  })
})

test('collectPaths: the paths of recent events, properties first, with the newest value', () => {
  const paths = collectPaths([
    { type: 'track', event: 'B', properties: { total: 150, 'odd.key': 1 }, _metadata: { x: 1 } },
    { type: 'track', event: 'A', properties: { total: 90, currency: 'EUR' } },
  ])
  assert.deepEqual(
    paths.map((p) => [p.path, p.count, p.sample]),
    [
      ['$.properties', 2, { total: 150, 'odd.key': 1 }],
      ['$.properties.total', 2, 150],
      ['$.properties.currency', 1, 'EUR'],
      ['$.event', 2, 'B'],
      ['$.type', 2, 'track'],
    ],
  )
})

describe('destination mappings and the event tester', { skip: chromiumUnavailable() }, () => {
  let sy: TestSwitchyard
  let sink: Sink
  let browser: Browser
  let app: Page
  let source: { id: string; writeKey: string }
  const consoleErrors: string[] = []
  /** Console errors caused on purpose (a 400 that the page shows next to the field). */
  let expectedErrors = 0

  const createDestination = async (metadataId: string, name: string, enabled = true, settings = {}) => {
    const r = await sy.api('/destinations', {
      method: 'POST',
      body: { sourceId: source.id, metadataId, name, enabled, settings },
    })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    return r.body.data.destination.id as string
  }
  const subscriptionsOf = async (destinationId: string) => {
    const r = await sy.api(`/destinations/${destinationId}/subscriptions`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.data.subscriptions as Array<{
      id: string
      name: string
      enabled: boolean
      trigger: string
      settings: Record<string, unknown>
    }>
  }

  before(async () => {
    await ensureWebBuild()
    mkdirSync(SCREENSHOTS, { recursive: true })
    sy = await startTestSwitchyard()
    sink = await startSink({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
    })
    source = await sy.createSource('shop')
    // Events in the source's archive: the suggestions of the mapping editor and the tester's picks.
    await sendBatch(sy, source.writeKey, [
      { type: 'identify', userId: 'user-42', traits: { plan: 'pro' } },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'user-42',
        properties: { total: 150, currency: 'EUR' },
      },
      { type: 'track', event: 'Product Viewed', userId: 'user-42', properties: { sku: 'A-1' } },
    ])
    for (let i = 0; ; i++) {
      const r = await sy.api(`/sources/${source.id}/archive/messages`)
      if (r.body.data.messages.length >= 3) break
      if (i > 200) throw new Error('the events never reached the archive')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    app = await context.newPage()
    app.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${app.url()}: ${m.text()}`))
    app.on('pageerror', (e) => consoleErrors.push(`${app.url()}: ${e.message}`))
    await app.goto(`${sy.controlUrl}/destinations`)
    await app.getByRole('button', { name: 'Use an API token instead' }).click()
    await app.getByLabel('API token').fill(sy.ownerToken)
    await app.getByRole('button', { name: 'Log in' }).click()
    await app.getByRole('heading', { name: 'Destinations', exact: true }).waitFor()
  })
  after(async () => {
    await browser?.close()
    await sink?.close()
    await sy?.stop()
  })

  const shot = (name: string) => app.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
  const heading = (text: string) => app.getByRole('heading', { name: text, exact: true }).first().waitFor()
  /** A deep link (the API token stays in the tab's sessionStorage). */
  const open = async (path: string, title: string) => {
    await app.goto(`${sy.controlUrl}${path}`)
    await heading(title)
  }

  test('build a mapping with the trigger builder and a suggested field, then test events through it', async () => {
    // Disabled, so that only the event tester sends to the sink (the tester ignores "enabled").
    const id = await createDestination(ACTIONS_WEBHOOK, 'Order hook', false)
    await open(`/destinations/${id}/mappings`, 'Order hook')
    await app.getByText('No mappings yet').waitFor()
    await app.getByRole('button', { name: 'New mapping' }).click()
    await heading('New mapping')
    assert.equal(await app.getByLabel('Action', { exact: true }).inputValue(), await actionIdOf(id, 'send'))

    // Trigger: event type is track, and (added) event name is Order Completed.
    assert.equal(await app.getByLabel('Trigger as text').inputValue(), 'type = "track"')
    await app.getByRole('button', { name: '+ Add condition' }).click()
    assert.equal(await app.getByLabel('Condition 2 field').inputValue(), 'event')
    await app.getByLabel('Condition 2 value').fill('Order Completed')
    assert.equal(
      await app.getByLabel('Trigger as text').inputValue(),
      'type = "track" and event = "Order Completed"',
    )

    // Fields: the URL typed; Data as key → value pairs, one picked from the recent events.
    await app.getByRole('combobox', { name: 'URL', exact: true }).fill(`${sink.url}/orders`)
    assert.equal(await app.getByRole('combobox', { name: 'Method', exact: true }).inputValue(), 'POST')
    assert.equal(await app.getByRole('combobox', { name: 'Data', exact: true }).inputValue(), '$.')
    await app.getByLabel('How Data is mapped').selectOption('pairs')
    await app.getByLabel('Data key 1', { exact: true }).fill('order_total')
    await app.getByRole('combobox', { name: 'Data value 1' }).click()
    const suggestion = app.getByRole('option', { name: /^\$\.properties\.total\s*150$/ })
    await suggestion.waitFor()
    await app.getByRole('option', { name: /^\$\.properties\.currency\s*"EUR"$/ }).waitFor()
    await shot('destination-mapping-editor')
    await suggestion.click()
    assert.equal(await app.getByRole('combobox', { name: 'Data value 1' }).inputValue(), '$.properties.total')
    await app.getByText('From the event, e.g. 150').waitFor()
    await app.getByRole('button', { name: '+ Add a key' }).click()
    await app.getByLabel('Data key 2', { exact: true }).fill('sent_by')
    await app.getByRole('combobox', { name: 'Data value 2' }).fill('switchyard')
    await app.getByLabel('Mapping name').fill('Orders to the hook')

    // A required field left empty is caught before saving.
    await app.getByRole('combobox', { name: 'URL', exact: true }).fill('')
    await app.getByRole('button', { name: 'Create mapping' }).click()
    await app.getByText('URL is required').waitFor()
    await app.getByRole('combobox', { name: 'URL', exact: true }).fill(`${sink.url}/orders`)

    // A trigger the API refuses: its error shows under the trigger; the builder steps aside.
    await app.getByLabel('Trigger as text').fill('type = "track" and event =')
    await app.getByText('The builder can’t show this trigger').waitFor()
    expectedErrors++
    await app.getByRole('button', { name: 'Create mapping' }).click()
    const triggerError = app.locator('#trigger-error')
    await triggerError.waitFor()
    assert.match((await triggerError.textContent())!, /is not a valid trigger/)
    // Written back as text, the builder shows it again.
    await app.getByLabel('Trigger as text').fill('type = "track" and event = "Order Completed"')
    assert.equal(await app.getByLabel('Condition 2 value').inputValue(), 'Order Completed')
    await app.getByRole('button', { name: 'Create mapping' }).click()
    await app.getByText('Saved “Orders to the hook”').waitFor()
    const row = app.getByRole('row', { name: /Orders to the hook/ })
    await row.getByText('type = "track" and event = "Order Completed"').waitFor()

    // What the API stored.
    let [stored] = await subscriptionsOf(id)
    assert.equal(stored!.name, 'Orders to the hook')
    assert.equal(stored!.enabled, true)
    assert.equal(stored!.trigger, 'type = "track" and event = "Order Completed"')
    assert.equal(stored!.settings.url, `${sink.url}/orders`)
    assert.equal(stored!.settings.method, 'POST')
    assert.deepEqual(stored!.settings.data, {
      order_total: { '@path': '$.properties.total' },
      sent_by: 'switchyard',
    })
    await shot('destination-mappings')

    // The event tester: the newest event (Product Viewed) matches no mapping.
    await app.locator('.tabs').getByRole('link', { name: 'Event tester', exact: true }).click()
    await heading('Event')
    const eventJson = app.getByLabel('Event JSON')
    await app
      .getByLabel('Recent event')
      .locator('option', { hasText: 'Product Viewed' })
      .waitFor({ state: 'attached' })
    assert.match(await eventJson.inputValue(), /"event": "Product Viewed"/)
    await app.getByRole('button', { name: 'Send test event' }).click()
    await app.getByText('Not sent: no mapping matched this event').waitFor()
    assert.equal(sink.requests.length, 0)

    // Picked from the recent events, Order Completed goes through the mapping to the sink.
    const orderOption = app.getByLabel('Recent event').locator('option', { hasText: 'Order Completed' })
    await app.getByLabel('Recent event').selectOption((await orderOption.getAttribute('value'))!)
    assert.match(await eventJson.inputValue(), /"event": "Order Completed"/)
    await app.getByRole('button', { name: 'Send test event' }).click()
    const result = app.getByRole('article', { name: 'Result of Mapping “Orders to the hook”' })
    await result.waitFor()
    const [received] = await sink.waitFor(1)
    assert.equal(received!.method, 'POST')
    assert.equal(received!.path, '/orders')
    assert.deepEqual(JSON.parse(received!.body), { order_total: 150, sent_by: 'switchyard' })
    await result.getByText('Matched mapping').waitFor()
    await result.getByText(`POST ${sink.url}/orders`).waitFor()
    await result.getByText('HTTP 200').waitFor()
    await result.getByText(/Delivered · 200/).waitFor()
    assert.deepEqual(JSON.parse((await result.getByLabel('Request body').textContent())!), {
      order_total: 150,
      sent_by: 'switchyard',
    })
    assert.deepEqual(JSON.parse((await result.getByLabel('Response body').textContent())!), { ok: true })
    await shot('destination-event-tester')

    // JSON that doesn't parse: the error shows under the field, and nothing is sent.
    await eventJson.fill('{"type": "track", "event": ')
    assert.equal(await app.getByLabel('Recent event').inputValue(), '')
    await app.getByRole('button', { name: 'Send test event' }).click()
    await app
      .locator('#event-tester-event-error')
      .getByText(/^Not valid JSON/)
      .waitFor()
    // A message the Tracking API would refuse: the API's reason, under the field too.
    await eventJson.fill('{"type": "track", "event": "Order Completed"}')
    await app.locator('#event-tester-event-error').waitFor({ state: 'detached' })
    expectedErrors++
    await app.getByRole('button', { name: 'Send test event' }).click()
    await app
      .locator('#event-tester-event-error')
      .getByText(/userId|anonymousId/)
      .waitFor()
    assert.equal(sink.requests.length, 1)

    // Back on the mappings: edit (the saved values come back), disable, delete.
    await app.locator('.tabs').getByRole('link', { name: 'Mappings', exact: true }).click()
    await app.getByRole('button', { name: 'Edit Orders to the hook' }).click()
    await heading('Edit mapping “Orders to the hook”')
    assert.equal(await app.getByLabel('Data key 1', { exact: true }).inputValue(), 'order_total')
    assert.equal(await app.getByRole('combobox', { name: 'Data value 1' }).inputValue(), '$.properties.total')
    // Test the mapping as edited, on a recent event, before saving.
    await app.getByText('Test this mapping on an event').click()
    const testPick = app.getByLabel('Recent event')
    await testPick.selectOption(
      (await testPick.locator('option', { hasText: 'Order Completed' }).getAttribute('value'))!,
    )
    await app.getByRole('button', { name: 'Send test event' }).click()
    await app
      .getByRole('article', { name: 'Result of Mapping “Orders to the hook”' })
      .getByText('HTTP 200')
      .waitFor()
    assert.equal((await sink.waitFor(2))[1]!.path, '/orders')
    await app.getByLabel('Condition 1 operator').selectOption('!=')
    await app.getByLabel('Condition 1 value').selectOption('identify')
    await app.getByRole('button', { name: 'Save mapping' }).click()
    await app.getByText('Saved “Orders to the hook”').waitFor()
    ;[stored] = await subscriptionsOf(id)
    assert.equal(stored!.trigger, 'type != "identify" and event = "Order Completed"')
    await app
      .getByRole('row', { name: /Orders to the hook/ })
      .getByRole('switch')
      .click({ force: true })
    await app
      .getByRole('row', { name: /Orders to the hook/ })
      .getByText('Off')
      .waitFor()
    ;[stored] = await subscriptionsOf(id)
    assert.equal(stored!.enabled, false)
    await app.getByRole('button', { name: 'Delete Orders to the hook' }).click()
    await app.getByRole('button', { name: 'Delete “Orders to the hook”' }).click()
    await app.getByText('No mappings yet').waitFor()
    assert.deepEqual(await subscriptionsOf(id), [])
  })

  test('the default mappings come back after a delete; a classic destination has no mappings', async () => {
    const id = await createDestination(ACTIONS_NOOP, 'Noop')
    const presets = await subscriptionsOf(id)
    assert.equal(presets.length, 1, 'the preset is created with the destination')
    await open(`/destinations/${id}/mappings`, 'Noop')
    const name = presets[0]!.name
    await app.getByRole('row', { name: new RegExp(name) }).waitFor()
    assert.equal(await app.getByRole('button', { name: 'Every default mapping is here' }).isDisabled(), true)
    await app.getByRole('button', { name: `Delete ${name}` }).click()
    await app.getByRole('button', { name: `Delete “${name}”` }).click()
    await app.getByText('No mappings yet').waitFor()
    await app.getByRole('button', { name: 'Add the default mappings (1)' }).click()
    await app.getByText('Added 1 default mapping, disabled').waitFor()
    await app.getByRole('row', { name: new RegExp(name) }).waitFor()
    const again = await subscriptionsOf(id)
    assert.deepEqual(
      again.map((s) => [s.name, s.enabled, s.trigger, s.settings]),
      presets.map((s) => [s.name, false, s.trigger, s.settings]),
    )

    const classic = await createDestination(CLASSIC_WEBHOOKS, 'Classic hook', false, {
      hooks: [{ hook: `${sink.url}/classic` }],
    })
    await open(`/destinations/${classic}/mappings`, 'Classic hook')
    await app.getByText('Mappings apply to Actions destinations').waitFor()

    const unexpected = consoleErrors.filter((e) => !/status of 400/.test(e))
    assert.deepEqual(unexpected, [], 'no page logs a console error')
    assert.ok(consoleErrors.length - unexpected.length <= expectedErrors, consoleErrors.join('\n'))
  })

  const actionIdOf = async (destinationId: string, slug: string) => {
    const r = await sy.api(`/destinations/${destinationId}`)
    const actions = r.body.data.destination.metadata.actions as Array<{ id: string; slug: string }>
    return actions.find((a) => a.slug === slug)!.id
  }
})
