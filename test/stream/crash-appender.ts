/**
 * Child process of `crash.test.ts`: appends as fast as it can from many concurrent callers and
 * prints `ack <dedupeId>` the moment each `append()` resolves, until it is killed. Each call also
 * resends an id acknowledged earlier, which must come back as a duplicate (else `miss <id>`).
 *
 *   node --import tsx test/stream/crash-appender.ts <dataDir> <full|normal>
 */
import { openStream, type StreamDurability } from '../../src/stream/index.ts'

const [dataDir, durability] = process.argv.slice(2) as [string, StreamDurability]
const stream = await openStream({ kind: 'sqlite', dataDir, durability })
const acked: string[] = []
let next = 0

async function caller(): Promise<never> {
  for (;;) {
    const id = `m${next++}`
    const resend = acked[Math.floor(Math.random() * acked.length)]
    const records = [{ key: `k${next % 4}`, value: JSON.stringify({ id }), dedupeId: id }]
    if (resend !== undefined)
      records.push({ key: 'k', value: JSON.stringify({ id: resend }), dedupeId: resend })
    const results = await stream.append('ingest', records, { dedupeScope: 'src' })
    // Pipes are written synchronously on Linux: once this returns, the parent will see the line.
    process.stdout.write(`ack ${id}\n`)
    if (resend !== undefined && !results[1]!.duplicate) process.stdout.write(`miss ${resend}\n`)
    acked.push(id)
  }
}

await Promise.all(Array.from({ length: 32 }, caller))
