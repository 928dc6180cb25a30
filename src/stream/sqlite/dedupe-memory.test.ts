import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { DedupeMemory, fingerprint } from './dedupe-memory.ts'

describe('DedupeMemory', () => {
  test('remembers ids with their first offset, within the window only', () => {
    const memory = new DedupeMemory()
    const id = fingerprint('ingest', 'source-1', 'm1')
    assert.equal(memory.get(id, 0), undefined)
    memory.set(id, 7, 1_000, 0)
    assert.equal(memory.get(id, 999), 7)
    assert.equal(memory.get(id, 1_000), undefined, 'appended at the window start: expired')
    assert.equal(memory.get(fingerprint('ingest', 'source-2', 'm1'), 0), undefined, 'scopes differ')
    assert.equal(memory.get(fingerprint('other', 'source-1', 'm1'), 0), undefined, 'topics differ')
  })

  test('an expired id is replaced in place', () => {
    const memory = new DedupeMemory()
    const id = fingerprint('t', 's', 'm')
    memory.set(id, 1, 10, 0)
    memory.set(id, 2, 100, 50)
    assert.equal(memory.size, 1)
    assert.equal(memory.get(id, 50), 2)
  })

  test('keeps every live id while it grows, and drops expired ones when it rebuilds', () => {
    const memory = new DedupeMemory()
    const ids = Array.from({ length: 50_000 }, (_, i) => fingerprint('t', 's', `m${i}`))
    ids.forEach((id, i) => memory.set(id, i + 1, i < 25_000 ? 1 : 2, 0))
    assert.equal(memory.size, 50_000)
    assert.ok(ids.every((id, i) => memory.get(id, 0) === i + 1))
    // From now on the ids appended at time 1 are outside the window: growth drops them.
    const more = Array.from({ length: 150_000 }, (_, i) => fingerprint('t', 's', `n${i}`))
    more.forEach((id, i) => memory.set(id, 100_000 + i, 3, 1))
    assert.ok(memory.size <= 175_000, `expired ids were dropped (size ${memory.size})`)
    assert.ok(ids.slice(25_000).every((id, i) => memory.get(id, 1) === 25_001 + i))
    assert.ok(more.every((id, i) => memory.get(id, 1) === 100_000 + i))
    assert.ok(ids.slice(0, 25_000).every((id) => memory.get(id, 1) === undefined))
  })
})

test('fingerprints of a million random ids do not collide', () => {
  const seen = new Set<string>()
  for (let i = 0; i < 1_000_000; i++) {
    const { hi, lo } = fingerprint('ingest', 'source', randomUUID())
    seen.add(`${hi}:${lo}`)
  }
  assert.equal(seen.size, 1_000_000)
})

describe('fingerprint', () => {
  // The definition the dedupe log was written with: two seeded MurmurHash3 x86-32 hashes of the
  // joined text. Fingerprints are persisted, so they must never change.
  function murmur32(text: string, seed: number): number {
    let h = seed
    for (let i = 0; i < text.length; i++) {
      let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51)
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593)
      h ^= k
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0
    }
    h ^= text.length
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    return (h ^ (h >>> 16)) | 0
  }
  const reference = (topic: string, scope: string, id: string) => {
    const text = `${topic}\0${scope}\0${id}`
    return { hi: murmur32(text, 0x9747b28c), lo: murmur32(text, 0x5bd1e995) }
  }
  const cases: [string, string, string][] = [
    ['ingest', 'source-1', 'm1'],
    ['', '', ''],
    ['queue:webhook', '', 'ajs-next-1699999999999-1b2c3d4e'],
    ['ingest', 'src', 'émoji 🚀 and \u0000 inside'],
    ['ingest', 'src', randomUUID()],
    ['ingest', 'src', 'x'.repeat(100)],
  ]
  for (const [topic, scope, id] of cases) {
    test(`${JSON.stringify([topic, scope, id]).slice(0, 60)} hashes as the joined text`, () => {
      assert.deepEqual(fingerprint(topic, scope, id), reference(topic, scope, id))
    })
  }
})
