import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { chromiumUnavailable, launchChromium } from '../support/browser.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * Segment's analytics.js, loaded by Segment's standard snippet with only the host changed, on a
 * page of another origin, in real Chromium. It must fetch its bundle and settings from
 * Switchyard's ingest port and send every call there, and nowhere else.
 */
const SNIPPET = readFileSync(new URL('../fixtures/segment-snippet-5.2.1.html', import.meta.url), 'utf8')

describe(
  'analytics.js (analytics-next) through the standard snippet',
  { skip: chromiumUnavailable() },
  () => {
    let sy: TestSwitchyard
    let browser: Browser
    let site: Server
    let siteUrl: string
    let writeKey: string

    before(async () => {
      sy = await startTestSwitchyard()
      writeKey = (await sy.createSource('website')).writeKey
      const page = SNIPPET.replaceAll('__HOST__', sy.ingestUrl).replaceAll('__WRITE_KEY__', writeKey)
      site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page))
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
      siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}/pricing?plan=pro`
      browser = await launchChromium()
    })
    after(async () => {
      await browser?.close()
      site?.close()
      await sy?.stop()
    })

    test('page, identify, track, group, alias arrive with every field; identity is carried across calls and reloads', async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const consoleErrors: string[] = []
      const foreignRequests: string[] = []
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()))
      page.on('pageerror', (e) => consoleErrors.push(e.message))
      page.on('request', (r) => !r.url().startsWith('http://127.0.0.1:') && foreignRequests.push(r.url()))

      await page.goto(siteUrl)
      await sy.waitForMessages(1)
      await page.evaluate(() => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const analytics = (globalThis as any).analytics
        analytics.identify('user-42', { email: 'ada@example.com', plan: 'pro' })
        analytics.track('Order Completed', { total: 150, currency: 'EUR', items: [{ sku: 'A1' }] })
        analytics.group('acme-inc', { name: 'Acme Inc', employees: 12 })
        analytics.alias('user-42', 'legacy-7')
      })
      const messages = (await sy.waitForMessages(5)).map((m) => m.message)
      const byType = Object.fromEntries(messages.map((m) => [m.type, m]))
      assert.deepEqual(Object.keys(byType).sort(), ['alias', 'group', 'identify', 'page', 'track'])

      const anonymousId = byType.page!.anonymousId
      assert.match(anonymousId, /^[0-9a-f-]{36}$/)
      for (const m of messages) {
        assert.equal(m.anonymousId, anonymousId, `${m.type} keeps the anonymousId`)
        assert.match(m.messageId, /^ajs-next-\d+-[0-9a-f-]{36}$/)
        assert.equal(m.context.library.name, 'analytics.js')
        assert.match(m.context.library.version, /^next-1\.84\.3$/)
        assert.equal(m.context.ip, '127.0.0.1')
        assert.match(m.context.userAgent, /Chrome/)
        assert.equal(m.context.page.url, siteUrl)
        assert.equal(m.context.page.path, '/pricing')
        assert.equal(m.context.page.search, '?plan=pro')
        for (const field of ['receivedAt', 'sentAt', 'originalTimestamp', 'timestamp']) {
          assert.match(m[field], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${m.type}.${field}`)
        }
        assert.equal(m.writeKey, undefined, 'the write key is not stored in the message')
      }
      assert.equal(byType.page!.properties.path, '/pricing')
      assert.equal(byType.identify!.userId, 'user-42')
      assert.deepEqual(byType.identify!.traits, { email: 'ada@example.com', plan: 'pro' })
      assert.equal(byType.track!.event, 'Order Completed')
      assert.deepEqual(byType.track!.properties, { total: 150, currency: 'EUR', items: [{ sku: 'A1' }] })
      assert.equal(byType.track!.userId, 'user-42', 'userId carried after identify')
      assert.equal(byType.group!.groupId, 'acme-inc')
      assert.deepEqual(byType.group!.traits, { name: 'Acme Inc', employees: 12 })
      assert.equal(byType.alias!.userId, 'user-42')
      assert.equal(byType.alias!.previousId, 'legacy-7')

      // analytics.js writes these cookies plain or JSON-quoted, depending on version.
      const cookies = Object.fromEntries(
        (await context.cookies()).map((c) => [c.name, decodeURIComponent(c.value).replace(/^"(.*)"$/, '$1')]),
      )
      assert.equal(cookies.ajs_anonymous_id, anonymousId)
      assert.equal(cookies.ajs_user_id, 'user-42')

      await page.reload()
      const again = (await sy.waitForMessages(6)).map((m) => m.message)
      const secondPage = again.filter((m) => m.type === 'page')[1]!
      assert.equal(secondPage.anonymousId, anonymousId, 'the anonymousId survives a reload')
      assert.equal(secondPage.userId, 'user-42', 'and so does the userId')

      assert.deepEqual(consoleErrors, [])
      assert.deepEqual(foreignRequests, [], 'nothing is fetched from any other host')
      await context.close()
    })
  },
)
