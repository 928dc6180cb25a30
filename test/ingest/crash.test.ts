import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, test } from 'node:test'
import { INGEST_TOPIC, type IngestEnvelope } from '../../src/spec/index.ts'
import { openStream } from '../../src/stream/index.ts'
import { startProcess } from '../support/process.ts'
import { tempDir } from '../support/services.ts'

/**
 * Nothing acknowledged is lost: under load, `kill -9` the server, restart it, and every message
 * that got a 200 is in the stream exactly once.
 */
const dataDir = tempDir()
after(() => rmSync(dataDir, { recursive: true, force: true }))

test('kill -9 under load loses no acknowledged message and stores none twice', async () => {
  // No worker role: nothing consumes the stream, so retention keeps every record for the check below.
  const env = { SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_ROLES: 'ingest,control' }
  const first = await startProcess(env)
  const auth = { authorization: `Bearer ${first.printedToken}`, 'content-type': 'application/json' }
  const created = await fetch(`${first.controlUrl}/api/sources`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ slug: 'crash', enabled: true, metadataId: 'iUM16Md8P2' }),
  })
  const writeKey = ((await created.json()) as { data: { source: { writeKeys: string[] } } }).data.source
    .writeKeys[0]!
  const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`

  const acknowledged = new Set<string>()
  const unanswered: string[][] = []
  let sent = 0
  let stop = false
  const worker = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const ids = Array.from({ length: 10 }, (_, i) => `w${w}-b${n}-m${i}`)
      sent += ids.length
      try {
        const r = await fetch(`${first.ingestUrl}/v1/batch`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/json' },
          body: JSON.stringify({
            batch: ids.map((messageId) => ({ type: 'track', userId: 'u', event: 'Load', messageId })),
          }),
        })
        if (r.status === 200) for (const id of ids) acknowledged.add(id)
        else unanswered.push(ids)
      } catch {
        // The connection died with the server: never acknowledged, maybe stored. A client retries.
        unanswered.push(ids)
      }
    }
  }
  const workers = Array.from({ length: 8 }, (_, w) => worker(w))
  while (acknowledged.size < 2000) await new Promise((r) => setTimeout(r, 10))
  first.child.kill('SIGKILL')
  const exit = await first.waitForExit()
  stop = true
  await Promise.all(workers)
  assert.equal(exit.signal, 'SIGKILL')

  // The server comes back on the same data and serves again; the clients resend what got no answer.
  const second = await startProcess(env)
  for (const ids of unanswered) {
    const r = await fetch(`${second.ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({
        batch: ids.map((messageId) => ({ type: 'track', userId: 'u', event: 'Load', messageId })),
      }),
    })
    assert.equal(r.status, 200)
    for (const id of ids) acknowledged.add(id)
  }
  assert.ok(unanswered.length > 0, 'some requests were cut off by the kill')
  const again = await fetch(`${second.ingestUrl}/v1/track`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'u', event: 'After Restart', messageId: 'after-restart' }),
  })
  assert.equal(again.status, 200)
  second.child.kill('SIGTERM')
  assert.equal((await second.waitForExit()).code, 0)

  const stream = await openStream({ kind: 'sqlite', dataDir })
  try {
    const counts = new Map<string, number>()
    for (let after = 0; ;) {
      const records = await stream.read(INGEST_TOPIC, 'crash-check', { after, max: 5000, maxBytes: 64 << 20 })
      if (records.length === 0) break
      for (const r of records) {
        const id = (JSON.parse(String(r.value)) as IngestEnvelope).message.messageId
        counts.set(id, (counts.get(id) ?? 0) + 1)
      }
      after = records.at(-1)!.offset
    }
    const lost = [...acknowledged].filter((id) => !counts.has(id))
    const twice = [...counts].filter(([, n]) => n > 1)
    assert.deepEqual(lost, [], `acknowledged but lost (of ${acknowledged.size} acknowledged, ${sent} sent)`)
    assert.deepEqual(
      twice,
      [],
      'stored more than once (a resent message must be recognised by its messageId)',
    )
    assert.equal(counts.get('after-restart'), 1)
  } finally {
    await stream.close()
  }
})
