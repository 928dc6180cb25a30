import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ensureWebBuild } from '../../scripts/build-web.ts'
import { envelopeJson } from '../../src/archive/index.ts'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { deliveryQueue } from '../../src/pipeline/index.ts'
import { chromiumUnavailable, launchChromium } from '../support/browser.ts'
import { tempDir } from '../support/services.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * A source's Schema and Replays pages in headless Chromium against a real Switchyard: events sent
 * to the collector show with their counts, properties and traits; blocking an event in the page
 * stops its delivery; a replay started in the page reaches a Webhooks sink, and a running one is
 * cancelled. No page may log a console error but the 400 the test causes on purpose.
 *
 * `SWITCHYARD_SCREENSHOTS=1` saves the pages to docs/screenshots/; otherwise to a temporary directory.
 */
const SCREENSHOTS = process.env.SWITCHYARD_SCREENSHOTS
  ? new URL('../../docs/screenshots/', import.meta.url).pathname
  : tempDir()

/** A table row as the page has it (the tests compile without the DOM's types). */
type TableRow = { cells: ArrayLike<{ textContent: string | null }> }

describe('the source schema and replays pages', { skip: chromiumUnavailable() }, () => {
  let sy: TestSwitchyard
  let sink: Sink
  /** Never answers: the destination behind it keeps its queue full. */
  let hangingSink: Sink
  let browser: Browser
  let app: Page
  let source: { id: string; writeKey: string }
  const consoleErrors: string[] = []
  /** Every message sent, by its messageId: what the sink should get back from a replay. */
  const sent = new Map<string, { type: string; event?: string }>()

  before(async () => {
    await ensureWebBuild()
    mkdirSync(SCREENSHOTS, { recursive: true })
    ;[sy, sink, hangingSink] = await Promise.all([
      startTestSwitchyard(),
      startSink({ status: 200 }),
      startSink('hang'),
    ])
    source = await sy.createSource('shop')
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    app = await context.newPage()
    app.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${app.url()}: ${m.text()}`))
    app.on('pageerror', (e) => consoleErrors.push(`${app.url()}: ${e.message}`))
  })
  after(async () => {
    await browser?.close()
    await hangingSink?.close()
    await sink?.close()
    await sy?.stop()
  })

  const shot = (name: string) => app.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

  /** Sends messages to the collector with the source's write key (Basic auth). */
  async function send(messages: Array<Record<string, unknown>>) {
    const batch = messages.map((m): Record<string, unknown> & { messageId: string } => ({
      userId: 'user-7',
      messageId: randomUUID(),
      ...m,
    }))
    const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ batch }),
    })
    assert.equal(response.status, 200)
    for (const m of batch)
      sent.set(m.messageId, { type: String(m.type), event: m.event as string | undefined })
    return batch.map((m) => m.messageId)
  }

  /** Polls `check` until it answers true (or fails after `timeoutMs`). */
  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  const schemaEvents = async () =>
    (await sy.api(`/sources/${source.id}/schema/events`)).body.data.events as Array<{
      type: string
      name: string
      blocked: boolean
      counts: { total: number; blocked: number }
    }>
  const schemaEvent = async (name: string) => (await schemaEvents()).find((e) => e.name === name)
  const archived = async (event: string) =>
    (await sy.api(`/sources/${source.id}/archive/messages?event=${encodeURIComponent(event)}`)).body.data
      .messages as Array<{ blocked: boolean; message: { messageId: string } }>

  test('the schema lists events, properties and traits with counts; a blocked event is not delivered', async () => {
    // Log in with the owner token, on the schema's deep link: nothing has arrived yet.
    await app.goto(`${sy.controlUrl}/sources/${source.id}/schema`)
    await app.getByRole('button', { name: 'Use an API token instead' }).click()
    await app.getByLabel('API token').fill(sy.ownerToken)
    await app.getByRole('button', { name: 'Log in' }).click()
    await app.getByRole('heading', { name: 'Schema', exact: true }).waitFor()
    await app.getByText('No events yet').waitFor()
    await app.getByRole('link', { name: 'source’s overview' }).waitFor()

    await send([
      ...[150, 20, 35].map((total) => ({
        type: 'track',
        event: 'Order Completed',
        properties: { total, currency: 'EUR', ...(total === 150 && { coupon: 'SPRING' }) },
      })),
      ...['sku-1', 'sku-2'].map((sku) => ({ type: 'track', event: 'Product Viewed', properties: { sku } })),
      { type: 'identify', traits: { email: 'grace@example.com', plan: 'pro' } },
      { type: 'group', groupId: 'acme', traits: { name: 'Acme', employees: 40 } },
      { type: 'page', name: 'Pricing', properties: { path: '/pricing' } },
    ])
    // The schema and the event volume (metering) are written by the worker, a moment later.
    await until('the schema', async () => (await schemaEvent('Order Completed'))?.counts.total === 3)
    await until('the event volume', async () => {
      const volume = await sy.api(
        `/events/volume?granularity=HOUR&startTime=${new Date(Date.now() - 3600_000).toISOString()}&endTime=${new Date(Date.now() + 3600_000).toISOString()}&sourceId=${source.id}`,
      )
      return volume.body.data.result[0]?.total === 8
    })

    // Back to the page: every row with its counts over the last 24 hours and in all.
    await app.getByRole('link', { name: 'Debugger', exact: true }).click()
    await app.getByRole('link', { name: 'Schema', exact: true }).click()
    const events = app.getByRole('table', { name: 'Events' })
    await events.waitFor()
    const row = (name: string) =>
      events.getByRole('row').filter({ has: app.getByRole('button', { name, exact: true }) })
    const cells = async (name: string) =>
      (await row(name).getByRole('cell').allTextContents()).map((t) => t.trim())
    const orderCells = await cells('Order Completed')
    assert.deepEqual(orderCells.slice(1, 4), ['track', '3', '3'])
    assert.deepEqual((await cells('Product Viewed')).slice(1, 4), ['track', '2', '2'])
    assert.deepEqual((await cells('Pricing')).slice(1, 4), ['page', '1', '1'])
    assert.deepEqual((await cells('All identify calls')).slice(1, 4), ['identify', '1', '1'])
    assert.match((await cells('All group calls'))[5]!, /Always allowed/)
    assert.match(orderCells[5]!, /Allowed/)

    // A row opens to its properties, each with the calls that carried it.
    await app.getByRole('button', { name: 'Order Completed', exact: true }).click()
    const properties = app.getByRole('table', { name: 'Properties of Order Completed' })
    await properties.waitFor()
    const propertyRows = await properties
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => Array.from((r as unknown as TableRow).cells, (c) => c.textContent).slice(0, 2)),
      )
    assert.deepEqual(propertyRows, [
      ['coupon', '1 (33%)'],
      ['currency', '3 (100%)'],
      ['total', '3 (100%)'],
    ])

    // Block "Product Viewed" from the page; the API says so.
    await app.getByRole('button', { name: 'Block Product Viewed' }).click()
    await app.getByRole('button', { name: 'Allow Product Viewed' }).waitFor()
    assert.match((await cells('Product Viewed'))[5]!, /Blocked/)
    assert.equal((await schemaEvent('Product Viewed'))?.blocked, true)
    assert.equal((await schemaEvent('Order Completed'))?.blocked, false)
    await shot('source-schema')

    // The traits of identify and group calls.
    await app.getByRole('button', { name: 'Identify traits' }).click()
    const identify = app.getByRole('table', { name: 'Identify traits' })
    await identify.getByText('email', { exact: true }).waitFor()
    await identify.getByText('plan', { exact: true }).waitFor()
    await app.getByRole('button', { name: 'Group traits' }).click()
    await app.getByRole('table', { name: 'Group traits' }).getByText('employees', { exact: true }).waitFor()
    await app.getByLabel('Search traits').fill('emp')
    await app
      .getByRole('table', { name: 'Group traits' })
      .getByText('name', { exact: true })
      .waitFor({ state: 'detached' })

    // Search the events.
    await app.getByRole('button', { name: 'Events', exact: true }).click()
    await app.getByLabel('Search events').fill('product')
    await app.getByRole('button', { name: 'Order Completed', exact: true }).waitFor({ state: 'detached' })
    await app.getByRole('button', { name: 'Product Viewed', exact: true }).waitFor()
    await app.getByLabel('Search events').fill('nothing like this')
    await app.getByText('Nothing matches “nothing like this”').waitFor()
    await app.getByLabel('Search events').fill('')

    // Connect a Webhooks destination; a new "Product Viewed" is archived, flagged, and not delivered.
    const created = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        name: 'Sink',
        enabled: true,
        settings: { hooks: [{ hook: `${sink.url}/hook` }] },
      },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const [blockedId, allowedId] = await send([
      { type: 'track', event: 'Product Viewed', properties: { sku: 'sku-3' } },
      { type: 'track', event: 'Order Completed', properties: { total: 5 } },
    ])
    await sink.waitFor(1, 15_000)
    await until('the blocked event in the archive', async () =>
      (await archived('Product Viewed')).some((m) => m.message.messageId === blockedId),
    )
    await new Promise((r) => setTimeout(r, 1000))
    assert.deepEqual(
      sink.requests.map((r) => JSON.parse(r.body).messageId),
      [allowedId],
      'only the allowed event is delivered',
    )
    const productViews = await archived('Product Viewed')
    assert.deepEqual(
      productViews.map((m) => m.blocked),
      [true, false, false],
      'the debugger shows the new one, flagged blocked',
    )
    await until('the blocked count', async () => (await schemaEvent('Product Viewed'))?.counts.blocked === 1)
  })

  test('a replay started in the page reaches the sink; a running one shows its progress and is cancelled', async () => {
    const expectedErrors = 1
    await app.getByRole('link', { name: 'Replays', exact: true }).click()
    await app.getByRole('heading', { name: 'Replays', exact: true }).waitFor()
    await app.getByText('No replays yet').waitFor()

    // An end before the start: the API's error shows under "To".
    const to = await app.getByLabel('To', { exact: true }).inputValue()
    const later = new Date(Date.parse(to) + 3600_000)
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
    await app.getByLabel('From', { exact: true }).fill(local)
    await app.getByRole('button', { name: 'Start replay' }).click()
    const toField = app.locator('.field.has-error').filter({ has: app.getByLabel('To', { exact: true }) })
    await toField.getByRole('alert').waitFor()
    assert.match((await toField.getByRole('alert').textContent())!, /endTime must be later than startTime/)

    // Tick nothing under "Only these": refused before asking the API.
    await app.getByRole('button', { name: 'Last 24 hours' }).click()
    await app.getByRole('radio', { name: 'Only these:' }).check()
    await app.getByRole('button', { name: 'Start replay' }).click()
    await app.getByText('Tick at least one destination').waitFor()

    // Replay the last 24 hours to the sink: everything archived but the blocked event.
    const before = sink.requests.length
    await app.getByRole('checkbox', { name: /^Sink/ }).check()
    await app.getByRole('button', { name: 'Start replay' }).click()
    const replays = app.getByRole('table', { name: 'Replays' })
    await replays.getByText('Succeeded').waitFor({ timeout: 20_000 })
    await replays.getByText('9 of 9 events (100%)').waitFor()
    const replayable = [...sent].filter(([, m]) => m.event !== 'Product Viewed').map(([id]) => id)
    assert.equal(replayable.length, 7)
    await sink.waitFor(before + replayable.length, 15_000)
    await new Promise((r) => setTimeout(r, 500))
    const replayed = sink.requests.slice(before).map((r) => JSON.parse(r.body).messageId as string)
    assert.deepEqual(replayed.sort(), replayable.sort(), 'the sink gets each replayable event once')
    const listed = (await sy.api(`/sources/${source.id}/replays`)).body.data.replays
    assert.equal(listed.length, 1)
    assert.equal(listed[0].status, 'SUCCEEDED')

    // A destination whose queue is full keeps a replay running (it waits for room): cancel it.
    const slow = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        name: 'Slow hook',
        enabled: true,
        settings: { hooks: [{ hook: `${hangingSink.url}/hook` }] },
      },
    })
    assert.equal(slow.status, 201)
    const [message] = await sy.switchyard.store.archive.replayPage(
      { sourceId: source.id, from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' },
      undefined,
      1,
    )
    const value = envelopeJson(message!)
    await sy.switchyard.stream!.queues.enqueue(
      deliveryQueue(slow.body.data.destination.id),
      Array.from({ length: 10_000 }, () => ({ value })),
    )
    await app.reload() // the new destination joins the form
    await app.getByRole('radio', { name: 'Only these:' }).check()
    await app.getByRole('checkbox', { name: /^Slow hook/ }).check()
    await app.getByRole('button', { name: 'Start replay' }).click()
    const running = replays.getByRole('row').filter({ hasText: 'Running' })
    await running.getByText('0 of 9 events (0%)').waitFor({ timeout: 15_000 })
    assert.equal(await running.getByRole('progressbar').getAttribute('aria-valuenow'), '0')
    await shot('source-replays')
    await running.getByRole('button', { name: 'Cancel' }).click()
    await replays.getByText('Cancelled').waitFor()
    const [cancelled] = (await sy.api(`/sources/${source.id}/replays`)).body.data.replays
    assert.equal(cancelled.status, 'CANCELLED')
    assert.deepEqual(cancelled.destinationIds, [slow.body.data.destination.id])

    const unexpected = consoleErrors.filter((e) => !/status of 400/.test(e))
    assert.deepEqual(unexpected, [], 'no page logs a console error')
    assert.ok(consoleErrors.length - unexpected.length <= expectedErrors, consoleErrors.join('\n'))
  })
})
