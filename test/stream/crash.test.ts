import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openStream, type StreamDurability } from '../../src/stream/index.ts'

const APPENDER = fileURLToPath(new URL('./crash-appender.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))
const ACKS_BEFORE_KILL = 400

/** Runs the appender until it has acknowledged enough records, then `kill -9`s it mid-stream. */
function appendUntilKilled(dataDir: string, durability: StreamDurability): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', APPENDER, dataDir, durability], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const timeout = setTimeout(() => child.kill('SIGKILL'), 8_000)
  child.stderr.on('data', (d) => (err += d))
  child.stdout.on('data', (d) => {
    out += d
    if (out.split('\n').length > ACKS_BEFORE_KILL) child.kill('SIGKILL')
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timeout)
      if (signal !== 'SIGKILL') return reject(new Error(`appender exited ${code}:\n${err}`))
      // Only whole lines count: a line cut by the kill was not fully printed.
      resolve(out.split('\n').slice(0, -1))
    })
  })
}

for (const durability of ['full', 'normal'] as const) {
  test(`every acknowledged append survives kill -9, exactly once (durability ${durability})`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'))
    try {
      const lines = await appendUntilKilled(dataDir, durability)
      assert.deepEqual(
        lines.filter((line) => line.startsWith('miss ')),
        [],
      )
      const acked = lines.filter((line) => line.startsWith('ack ')).map((line) => line.slice(4))
      assert.ok(acked.length >= ACKS_BEFORE_KILL, `only ${acked.length} acks:\n${lines.slice(-5).join('\n')}`)

      const stream = await openStream({ kind: 'sqlite', dataDir, retention: { intervalMs: 0 } })
      try {
        const seen = new Map<string, number>()
        let lastOffset = 0
        for (;;) {
          const records = await stream.read('ingest', 'check', { max: 10_000, maxBytes: 64 * 1024 * 1024 })
          if (records.length === 0) break
          for (const record of records) {
            assert.ok(record.offset > lastOffset)
            lastOffset = record.offset
            const { id } = JSON.parse(record.value as string) as { id: string }
            seen.set(id, (seen.get(id) ?? 0) + 1)
          }
          await stream.commit('ingest', 'check', lastOffset)
        }
        for (const id of acked)
          assert.equal(seen.get(id), 1, `acknowledged ${id} is stored ${seen.get(id) ?? 0} times`)
        assert.deepEqual(
          [...seen].filter(([, n]) => n > 1),
          [],
        )
        const again = await stream.append(
          'ingest',
          acked.map((id) => ({ key: 'k', value: JSON.stringify({ id }), dedupeId: id })),
          { dedupeScope: 'src' },
        )
        assert.ok(again.every((result) => result.duplicate))
      } finally {
        await stream.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
}
