import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkMapping, checkTrigger, triggerPitfall } from './mapping-rules.ts'

test('triggers Segment writes are accepted', () => {
  for (const trigger of [
    'type = "track"',
    'type = "track" and event = "Order Completed"',
    'type = "track" AND event = "Product Added"',
    'type = "identify" or type = "group"',
    'type = "track" and (event = "A" or event = "B")',
    'event != "Order Completed" and type = "track"',
    'contains(event, "Order")',
    'match(event, "Button*")',
    'properties.total > 20',
    'userId != null',
    'properties.or = "x" and type = "track"',
    'type = "track" and event = "Rock and Roll or Jazz"',
  ]) {
    assert.equal(checkTrigger(`  ${trigger} `), trigger, trigger)
  }
})

test('triggers that do not parse, or parse into something else, are refused naming the field', () => {
  const cases: [string, RegExp][] = [
    ['', /must not be empty/],
    ['   ', /must not be empty/],
    ['nonsense', /not a valid trigger/],
    ['event =', /ends before its last condition/],
    ['type = "track" and', /ends before its last condition/],
    ['type = "page" or type = "track" and event = "A"', /mixes "and" and "or"/],
  ]
  for (const [trigger, message] of cases) {
    assert.throws(() => checkTrigger(trigger, 'input.trigger'), { field: 'input.trigger', message }, trigger)
  }
  assert.equal(triggerPitfall('(type = "page" or type = "screen") and userId != null'), undefined)
})

test('mapping directives are checked with actions-core, each problem named by its path', () => {
  const ok = { user_id: { '@path': '$.userId' }, n: 1, nested: { a: { '@template': '{{event}}' } } }
  assert.equal(checkMapping(ok, 'settings'), ok)
  assert.throws(
    () => checkMapping({ a: { '@nope': 1 }, b: { c: { '@path': 3 } } }, 'settings'),
    (error: { field: string; data: { errors: { field: string }[] } }) => {
      assert.equal(error.field, 'settings.a')
      assert.deepEqual(
        error.data.errors.map((e) => e.field),
        ['settings.a', 'settings.b.c.@path'],
      )
      return true
    },
  )
})
