import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Source, Store } from '../store/index.ts'
import { WriteKeyResolver } from './write-keys.ts'

/** A store whose only part in use is `sources.findByWriteKey`, counting its queries. */
function storeWith(keys: Record<string, string>) {
  let queries = 0
  const store = {
    sources: {
      findByWriteKey: async (writeKey: string) => {
        queries++
        await new Promise((r) => setTimeout(r, 5))
        return keys[writeKey] ? ({ id: keys[writeKey] } as Source) : undefined
      },
    },
  } as unknown as Store
  return { store, queries: () => queries }
}

test('answers from the cache until the entry expires', async () => {
  let now = 0
  const { store, queries } = storeWith({ wk: 's1' })
  const resolver = new WriteKeyResolver(store, 1000, () => now)
  assert.equal((await resolver.resolve('wk'))?.id, 's1')
  assert.equal((await resolver.resolve('wk'))?.id, 's1')
  assert.equal(queries(), 1)
  now = 1001
  await resolver.resolve('wk')
  assert.equal(queries(), 2)
})

test('concurrent lookups of one key share a single query', async () => {
  const { store, queries } = storeWith({ wk: 's1' })
  const resolver = new WriteKeyResolver(store)
  const results = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve('wk')))
  assert.ok(results.every((s) => s?.id === 's1'))
  assert.equal(queries(), 1)
})

test('a flood of unknown keys does not push known keys out', async () => {
  const { store, queries } = storeWith({ real: 's1' })
  const resolver = new WriteKeyResolver(store, 60_000, () => 0, 10, 5)
  await resolver.resolve('real')
  for (let i = 0; i < 50; i++) assert.equal(await resolver.resolve(`junk-${i}`), undefined)
  const before = queries()
  assert.equal((await resolver.resolve('real'))?.id, 's1')
  assert.equal(queries(), before, 'still cached')
})
