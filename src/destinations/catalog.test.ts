import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  destinationCatalog,
  findDestinationEntry,
  findDestinationEntryBySlug,
  optionsFromSchema,
} from './catalog.ts'
import { WEBHOOK_DESTINATION } from './webhook.ts'

test('the catalog lists the classic Webhooks destination under Segment’s id and slug', () => {
  const entry = findDestinationEntry('54521fdc25e721e32a72ef04')
  assert.equal(entry?.metadata.name, 'Webhooks')
  assert.equal(findDestinationEntryBySlug('webhooks'), entry)
  assert.equal(findDestinationEntry('nope'), undefined)
  assert.equal(new Set(destinationCatalog().map((e) => e.metadata.id)).size, destinationCatalog().length)
})

test('options come from the settings schema: names, types, labels, defaults', () => {
  const options = optionsFromSchema(WEBHOOK_DESTINATION.settingsSchema)
  assert.deepEqual(
    options.map((o) => [o.name, o.type, o.required]),
    [
      ['hooks', 'array', false],
      ['globalHook', 'string', false],
      ['sharedSecret', 'string', false],
      ['enableBatching', 'boolean', false],
      ['batchSize', 'number', false],
    ],
  )
  assert.equal(options.find((o) => o.name === 'batchSize')?.defaultValue, 100)
  assert.equal(options.find((o) => o.name === 'sharedSecret')?.label, 'Shared Secret')
})

test('the Webhooks entry validates settings naming the field', () => {
  const entry = findDestinationEntry(WEBHOOK_DESTINATION.metadataId)!
  assert.deepEqual(entry.validateSettings({ hooks: [{ hook: 'ftp://x' }] }), {
    ok: false,
    errors: [{ field: 'hooks.0.hook', message: 'must be an http or https URL' }],
  })
  assert.equal(entry.validateSettings({ hooks: [{ hook: 'https://example.com' }] }).ok, true)
})
