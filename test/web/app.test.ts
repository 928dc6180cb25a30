import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ensureWebBuild } from '../../scripts/build-web.ts'
import { chromiumUnavailable, launchChromium } from '../support/browser.ts'
import { tempDir } from '../support/services.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * The web app end to end, in headless Chromium, against a real Switchyard: log in, create a
 * source, install its snippet on a page of another origin, watch the events in the debugger, add
 * a Webhooks destination to a local sink, see the deliveries in Delivery Overview, sync the default
 * DuckDB warehouse and see its tables. No page may log a console error.
 *
 * `SWITCHYARD_SCREENSHOTS=1` saves the main pages to docs/screenshots/ (`npm run screenshots`);
 * otherwise they go to a temporary directory.
 */
const EMAIL = 'ada@example.com'
const PASSWORD = 'a long and careful pass phrase'
const SCREENSHOTS = process.env.SWITCHYARD_SCREENSHOTS
  ? new URL('../../docs/screenshots/', import.meta.url).pathname
  : tempDir()

describe('the web app', { skip: chromiumUnavailable() }, () => {
  let sy: TestSwitchyard
  let sink: Sink
  let browser: Browser
  let context: BrowserContext
  let app: Page
  let site: Server | undefined
  const consoleErrors: string[] = []
  /** Console errors the test causes on purpose (a 400 that the form shows next to the field). */
  let expectedErrors = 0

  before(async () => {
    await ensureWebBuild()
    mkdirSync(SCREENSHOTS, { recursive: true })
    sy = await startTestSwitchyard()
    sink = await startSink({ status: 200 })
    const { store } = sy.switchyard
    const user = await store.users.create({ email: EMAIL, name: 'Ada', password: PASSWORD })
    await store.users.addMember({
      workspaceId: sy.switchyard.bootstrap.workspace.id,
      userId: user.id,
      role: 'Workspace Owner',
    })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    app = await context.newPage()
    app.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${app.url()}: ${m.text()}`))
    app.on('pageerror', (e) => consoleErrors.push(`${app.url()}: ${e.message}`))
  })
  after(async () => {
    await browser?.close()
    site?.close()
    await sink?.close()
    await sy?.stop()
  })

  const shot = (name: string) => app.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
  const heading = (text: string) => app.getByRole('heading', { name: text, exact: true }).first().waitFor()

  test('serves the app for its sections, assets with cache headers, and leaves other paths alone', async () => {
    for (const path of ['/', '/sources', '/warehouses/some-id', '/settings']) {
      const r = await fetch(`${sy.controlUrl}${path}`)
      assert.equal(r.status, 200, path)
      assert.match(r.headers.get('content-type')!, /^text\/html/)
      assert.match(r.headers.get('content-security-policy')!, /default-src 'self'/)
      const html = await r.text()
      assert.ok(html.includes(`content="${sy.ingestUrl}"`), 'the page names the collector')
    }
    const html = await (await fetch(sy.controlUrl)).text()
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)![1]!
    const asset = await fetch(`${sy.controlUrl}${script}`, { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(asset.status, 200)
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    assert.equal(asset.headers.get('content-encoding'), 'gzip')
    assert.equal((await fetch(`${sy.controlUrl}/assets/nope.js`)).status, 404)
    assert.equal((await fetch(`${sy.controlUrl}/assets/..%2Findex.html`)).status, 404)
    const api404 = await sy.api('/no/such/thing')
    assert.equal(api404.body.errors[0].code, 'SY_API_ROUTE_NOT_FOUND')
    assert.equal((await fetch(`${sy.controlUrl}/nowhere`)).status, 404)
  })

  test('log in, create a source, watch its events, deliver them, sync the warehouse', async () => {
    // Log in with email and password.
    await app.goto(sy.controlUrl)
    await heading('Log in')
    await shot('login')
    await app.getByLabel('Email').fill(EMAIL)
    await app.getByLabel('Password').fill(PASSWORD)
    await app.getByRole('button', { name: 'Log in' }).click()
    await heading('Home')
    await app.getByText('Add your first source').waitFor()

    // Create a Javascript source.
    await app.getByRole('link', { name: 'Sources', exact: true }).click()
    await app.getByText('No sources yet').waitFor()
    await app.getByRole('link', { name: 'Add your first source' }).click()
    await heading('Add a source')
    await app.getByRole('button', { name: /^Javascript/ }).click()
    await app.getByLabel('Name').fill('Website')
    await app.getByRole('button', { name: 'Create source' }).click()
    await heading('Website')
    const writeKey = (await app.getByLabel('Write key').textContent())!.trim()
    assert.match(writeKey, /^\w{20,}$/)
    const snippet = (await app.getByLabel('Install snippet').textContent())!
    assert.ok(
      snippet.includes(`${sy.ingestUrl}/analytics.js/v1/`),
      'the snippet loads analytics.js from Switchyard',
    )
    assert.ok(snippet.includes(writeKey))
    await shot('source')

    // The snippet, exactly as the app shows it, on a page of another origin.
    site = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><html><head><title>Shop</title>${snippet}</head><body>Shop</body></html>`),
    )
    await new Promise<void>((resolve) => site!.listen(0, '127.0.0.1', resolve))
    const shop = await context.newPage()
    shop.on('console', (m) => m.type() === 'error' && consoleErrors.push(`shop: ${m.text()}`))
    await shop.goto(`http://127.0.0.1:${(site.address() as { port: number }).port}/pricing`)
    await sy.waitForMessages(1)
    await shop.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const analytics = (globalThis as any).analytics
      analytics.identify('user-42', { email: 'grace@example.com', plan: 'pro' })
      analytics.track('Order Completed', { total: 150, currency: 'EUR' })
    })
    await sy.waitForMessages(3)

    // The debugger shows them, pretty and raw, and searches them.
    await app.getByRole('link', { name: 'Debugger', exact: true }).click()
    await app.getByRole('button', { name: /Order Completed/ }).waitFor({ timeout: 15_000 })
    await app.getByRole('button', { name: /user-42/ }).waitFor()
    await app.getByRole('button', { name: /Order Completed/ }).click()
    await app.locator('.json-tree').getByText('EUR').waitFor()
    await app.getByRole('button', { name: 'Raw' }).click()
    assert.match((await app.getByLabel('Raw event').textContent())!, /"event": "Order Completed"/)
    await app.getByLabel('Search events').fill('grace@')
    await app.getByRole('button', { name: /Order Completed/ }).waitFor({ state: 'detached' })
    await app.getByRole('button', { name: /user-42/ }).waitFor()
    await app.getByLabel('Search events').fill('')
    await app.getByRole('button', { name: 'Pretty' }).click()
    await app.reload() // a deep link reloads into the same page
    await app.getByRole('button', { name: /Order Completed/ }).waitFor({ timeout: 15_000 })
    await app.getByRole('button', { name: /Order Completed/ }).click()
    await shot('debugger')

    // Add a Webhooks destination from the catalog; the API's error shows next to its field.
    await app.getByRole('link', { name: 'Destinations', exact: true }).click()
    await app.getByText('No destinations yet').waitFor()
    await app.getByRole('link', { name: 'Browse the catalog' }).click()
    await app.getByLabel('Search destinations').waitFor()
    await shot('destination-catalog')
    await app.getByLabel('Search destinations').fill('webhook')
    await app
      .getByRole('button', { name: /^Webhooks\b/ })
      .first()
      .click()
    await heading('Add Webhooks')
    await app.getByLabel('Webhooks (max 5) 1').fill('not a url')
    expectedErrors++
    await app.getByRole('button', { name: 'Save destination' }).click()
    const fieldError = app
      .locator('.field.has-error')
      .filter({ hasText: 'Webhooks (max 5)' })
      .getByRole('alert')
    await fieldError.waitFor()
    assert.match((await fieldError.textContent())!, /absolute URL/)
    await app.getByLabel('Webhooks (max 5) 1').fill(`${sink.url}/hook`)
    await app.getByRole('button', { name: 'Save destination' }).click()
    await heading('Webhooks')

    // New events reach the sink, and Delivery Overview shows them.
    await shop.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      ;(globalThis as any).analytics.track('Checkout Started', { step: 1 })
    })
    await sink.waitFor(1, 15_000)
    await app
      .locator('.stat')
      .filter({ hasText: 'Delivered' })
      .locator('.stat-value')
      .filter({ hasNotText: /^0$/ })
      .waitFor({ timeout: 20_000 })
    await app.getByText('No failures to show').waitFor()
    await shot('destination')

    // Sync the default DuckDB warehouse and see its tables.
    await app.getByRole('link', { name: 'Warehouses', exact: true }).click()
    await app.getByRole('link', { name: 'DuckDB' }).first().click()
    await heading('DuckDB')
    await app.getByRole('button', { name: 'Sync now' }).click()
    await app.getByText('success', { exact: true }).first().waitFor({ timeout: 30_000 })
    const tables = app.getByLabel('Tables of website')
    for (const table of ['tracks', 'order_completed', 'identifies', 'pages'])
      await tables.getByText(table, { exact: true }).waitFor({ timeout: 10_000 })
    await app
      .getByLabel('Sync history')
      .getByText(/tracks \d/)
      .waitFor()
    await shot('warehouse')

    // Home: the connections, the volume, the delivery health.
    await app.getByRole('link', { name: 'Home', exact: true }).click()
    await app.getByRole('link', { name: 'Website (Javascript)' }).waitFor()
    await app.getByRole('link', { name: 'Webhooks (Webhooks)' }).waitFor()
    await app.getByRole('link', { name: 'DuckDB (Warehouse · DuckDB)' }).waitFor()
    await app.locator('.big-number').filter({ hasNotText: /^0$/ }).waitFor()
    await app.getByText('Healthy').waitFor({ timeout: 20_000 })
    await shot('home')

    // Settings: a new token's secret is shown once.
    await app.getByRole('link', { name: 'Settings', exact: true }).click()
    await app.getByLabel('Description').fill('CI deploys')
    await app.getByRole('button', { name: 'Create token' }).click()
    assert.match((await app.getByLabel('New token secret').textContent())!, /^sy_tok_/)
    await shot('settings')

    // Users: invite someone; the acceptance token is shown once and the invite is listed.
    await app.getByRole('link', { name: 'Users', exact: true }).click()
    await app.getByLabel('Users').getByText(EMAIL).waitFor()
    await app.getByText('No pending invites').waitFor()
    await app.getByLabel('Roles').getByText('Source Admin', { exact: true }).waitFor()
    await app.getByLabel('Email').fill('new.person@example.com')
    await app.getByRole('button', { name: 'Invite', exact: true }).click()
    assert.match(
      (await app.getByLabel('Acceptance token for new.person@example.com').textContent())!,
      /\S{20,}/,
    )
    await app.getByLabel('Pending invites').getByText('new.person@example.com').waitFor()
    await shot('settings-users')

    // Audit trail: the changes so far, newest first; a row opens to its before and after.
    await app.getByRole('link', { name: 'Audit trail', exact: true }).click()
    const audit = app.getByLabel('Audit events')
    await audit.getByRole('button', { name: 'Source Created' }).waitFor()
    await audit.getByRole('button', { name: 'Non-Segment User Invited to Workspace' }).waitFor()
    await audit.getByRole('button', { name: 'Source Created' }).click()
    assert.match((await app.getByLabel('After Source Created').textContent())!, /"name": "Website"/)
    await shot('settings-audit-trail')
    await app.getByLabel('Resource type').selectOption('invite')
    await audit.getByRole('button', { name: 'Source Created' }).waitFor({ state: 'detached' })
    await audit.getByRole('button', { name: 'Non-Segment User Invited to Workspace' }).waitFor()

    await shop.close()
    const unexpected = consoleErrors.filter((e) => !/status of 400/.test(e))
    assert.deepEqual(unexpected, [], 'no page logs a console error')
    assert.ok(consoleErrors.length - unexpected.length <= expectedErrors, consoleErrors.join('\n'))
  })

  test('an API token logs in too, and logging out ends it', async () => {
    const tokenContext = await browser.newContext()
    const page = await tokenContext.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(`${sy.controlUrl}/sources`)
    await page.getByRole('button', { name: 'Use an API token instead' }).click()
    await page.getByLabel('API token').fill(sy.ownerToken)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Sources', exact: true }).waitFor()
    await page.getByRole('link', { name: 'Website' }).waitFor()
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.deepEqual(errors, [])
    await tokenContext.close()
  })
})
