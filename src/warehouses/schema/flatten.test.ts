import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { JsonObject } from '../../spec/index.ts'
import { flatten, flattenInto, PathTree } from './flatten.ts'

// Warehouse spec §2.4 (nested objects and arrays): objects flattened with `_`, arrays stored as JSON text,
// the joined path snake_cased as a whole; nulls make no column.
const cases: [string, JsonObject, [string, unknown][]][] = [
  ['§2.4 context object', { app: { version: '1.0.0' } }, [['app_version', '1.0.0']]],
  ['§2.4 traits object', { address: { street: '6th Street' } }, [['address_street', '6th Street']]],
  ['§2.4 properties object', { product_id: { sku: 'G-32' } }, [['product_id_sku', 'G-32']]],
  ['§2.4 array', { product_id: ['507f1', '505bd'] }, [['product_id', '["507f1","505bd"]']]],
  [
    '§2.4 docs example, snake_cased after joining',
    { field: { nestedA: { nestedB: 1 } } },
    [['field_nested_a_nested_b', 1]],
  ],
  [
    'arrays of objects stay whole',
    { products: [{ product_id: '507f1', price: 19 }] },
    [['products', '[{"product_id":"507f1","price":19}]']],
  ],
  ['empty array', { tags: [] }, [['tags', '[]']]],
  ['empty object', { address: {} }, []],
  [
    'null and non-finite',
    { a: null, b: undefined, c: Number.NaN, d: 0, e: '' },
    [
      ['d', 0],
      ['e', ''],
    ],
  ],
  [
    'camelCase keys',
    { accountType: 'Facebook', plan: 'Pro Annual' },
    [
      ['account_type', 'Facebook'],
      ['plan', 'Pro Annual'],
    ],
  ],
  [
    'scalar types kept',
    { n: 1.5, b: false, s: 'x' },
    [
      ['n', 1.5],
      ['b', false],
      ['s', 'x'],
    ],
  ],
  ['keys that leave nothing', { 日本語: 1, $$: 2, '': 3, ok: 4 }, [['ok', 4]]],
  ['a non-ASCII parent key', { 日本: { city: 'Tokyo' } }, [['city', 'Tokyo']]],
  [
    'two paths, one name: both returned in key order',
    { userName: 'a', user_name: 'b', user: { name: 'c' } },
    [
      ['user_name', 'a'],
      ['user_name', 'b'],
      ['user_name', 'c'],
    ],
  ],
  ['deep nesting', { a: { b: { c: { d: { e: true } } } } }, [['a_b_c_d_e', true]]],
]

for (const [name, input, expected] of cases) {
  test(name, () => {
    assert.deepEqual(
      flatten(input).map((f) => [f.name, f.value]),
      expected,
    )
  })
}

test('a __proto__ key is an ordinary key', () => {
  const input = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as JsonObject
  assert.deepEqual(
    flatten(input).map((f) => [f.name, f.value]),
    [
      ['proto_polluted', true],
      ['x', 1],
    ],
  )
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('flattenInto gives what flatten gives, through a tree of paths however small its bound', () => {
  const upper = (name: string) => (name.startsWith('skip') ? undefined : name.toUpperCase())
  for (const maxNodes of [10_000, 3, 1]) {
    const tree = new PathTree(upper, maxNodes)
    for (const [, input] of [
      ...cases,
      ['proto', JSON.parse('{"__proto__": {"a": 1}, "skip_me": 2}')] as const,
    ]) {
      const got: [string, unknown][] = []
      flattenInto(input as JsonObject, tree, { put: (column, value) => got.push([column, value]) })
      const expected = flatten(input as JsonObject)
        .filter((f) => upper(f.name) !== undefined)
        .map((f) => [upper(f.name)!, f.value])
      // Twice: the second walk finds the paths the first made.
      const again: [string, unknown][] = []
      flattenInto(input as JsonObject, tree, { put: (column, value) => again.push([column, value]) })
      assert.deepEqual(got, expected)
      assert.deepEqual(again, expected)
    }
  }
})
