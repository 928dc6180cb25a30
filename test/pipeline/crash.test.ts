import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { after, test } from 'node:test'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { startProcess, type RunningProcess } from '../support/process.ts'
import { tempDir } from '../support/services.ts'
import { startSink } from '../support/sink.ts'

/**
 * At least once, end to end, through a crash: under load, `kill -9` the server while messages are
 * being ingested, processed and delivered; restart it; every message that got a 200 reaches the
 * destination at least once. Duplicates are allowed (at-least-once) and reported.
 */
const dataDir = tempDir()
after(() => rmSync(dataDir, { recursive: true, force: true }))

test('kill -9 during load: every acknowledged message is delivered at least once after a restart', async (t) => {
  const sink = await startSink({ status: 200 })
  const env = { SWITCHYARD_DATA_DIR: dataDir }
  let server: RunningProcess = await startProcess(env)
  t.after(async () => {
    server.child.kill('SIGKILL')
    await sink.close()
  })
  const api = async (path: string, body: unknown) => {
    const r = await fetch(`${server.controlUrl}/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.printedToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await r.text()
    assert.ok(r.status < 300, `${path}: ${r.status} ${text}`)
    return (JSON.parse(text) as { data: Record<string, Record<string, unknown>> }).data
  }
  const source = (await api('/sources', { slug: 'crash', enabled: true, metadataId: 'iUM16Md8P2' })).source!
  await api('/destinations', {
    sourceId: source.id,
    metadataId: WEBHOOK_DESTINATION.metadataId,
    name: 'sink',
    enabled: true,
    // Batched, so that the backlog left by the crash is delivered in seconds.
    settings: { hooks: [{ hook: `${sink.url}/hook` }], enableBatching: true, batchSize: 50 },
  })
  const basic = `Basic ${Buffer.from(`${(source.writeKeys as string[])[0]}:`).toString('base64')}`
  const send = (ingestUrl: string, ids: string[]) =>
    fetch(`${ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({
        batch: ids.map((messageId) => ({ type: 'track', userId: 'u', event: 'Load', messageId })),
      }),
    })

  const acknowledged = new Set<string>()
  const unanswered: string[][] = []
  let stop = false
  const client = async () => {
    while (!stop) {
      // Past 3,000 the load goes on slowly: requests stay in flight for the kill, while the backlog
      // left to deliver after the restart stays bounded on a busy machine.
      if (acknowledged.size > 3000) await new Promise((r) => setTimeout(r, 50))
      const ids = Array.from({ length: 20 }, () => randomUUID())
      try {
        if ((await send(server.ingestUrl, ids)).status === 200) ids.forEach((id) => acknowledged.add(id))
        else unanswered.push(ids)
      } catch {
        unanswered.push(ids)
      }
    }
  }
  const clients = Array.from({ length: 4 }, client)
  const delivered = () =>
    new Set(
      sink.requests.flatMap((r) => (JSON.parse(r.body) as { messageId: string }[]).map((m) => m.messageId)),
    )
  // Kill once deliveries are flowing, so that messages are caught at every stage.
  while (acknowledged.size < 2000 || sink.requests.length < 10) await new Promise((r) => setTimeout(r, 10))
  server.child.kill('SIGKILL')
  await server.waitForExit()
  stop = true
  await Promise.all(clients)

  server = await startProcess(env)
  for (const ids of unanswered) {
    assert.equal((await send(server.ingestUrl, ids)).status, 200)
    ids.forEach((id) => acknowledged.add(id))
  }
  // Items claimed when the process died come back after their lease (30 s).
  const deadline = Date.now() + 150_000
  while ([...acknowledged].some((id) => !delivered().has(id)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250))
  const got = delivered()
  const lost = [...acknowledged].filter((id) => !got.has(id))
  assert.deepEqual(lost, [], `acknowledged but never delivered (of ${acknowledged.size})`)
  const deliveries = sink.requests.reduce((sum, r) => sum + (JSON.parse(r.body) as unknown[]).length, 0)
  t.diagnostic(
    `${acknowledged.size} acknowledged, ${deliveries} delivered, ${deliveries - got.size} duplicates`,
  )
})
