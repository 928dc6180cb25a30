import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadActionsCatalog } from './actions/catalog-cache.ts'
import { actionsCatalogEntry } from './actions/entries.ts'
import { destinationCatalog, loadDestinationCatalog } from './catalog.ts'
import {
  DESTINATION_CATEGORIES,
  DESTINATION_CATEGORY_NAMES,
  destinationCategories,
  FALLBACK_CATEGORY,
} from './categories.ts'

test('known slugs get their categories, main one first; unknown ones fall back to Other', () => {
  const cases: Array<[string, string[]]> = [
    ['actions-amplitude', ['Analytics']],
    ['actions-facebook-conversions-api', ['Advertising']],
    ['actions-salesforce', ['CRM']],
    ['actions-hubspot-cloud', ['CRM', 'Marketing Automation']],
    ['actions-sendgrid', ['Email Marketing']],
    ['actions-launchdarkly', ['Feature Flagging', 'A/B Testing']],
    ['webhooks', ['Raw Data']],
    ['no-such-destination', ['Other']],
    ['constructor', ['Other']],
    ['', ['Other']],
  ]
  for (const [slug, categories] of cases) assert.deepEqual(destinationCategories(slug), categories, slug)
})

test('the table uses only Segment’s category names, each entry non-empty and without repeats', () => {
  const names = new Set<string>(DESTINATION_CATEGORY_NAMES)
  assert.ok(names.has(FALLBACK_CATEGORY))
  for (const [slug, categories] of Object.entries(DESTINATION_CATEGORIES)) {
    assert.ok(categories.length > 0, slug)
    assert.equal(new Set(categories).size, categories.length, slug)
    for (const c of categories) assert.ok(names.has(c), `${slug}: ${c}`)
  }
})

test('every Actions definition is in the table, and the catalog lists it with its categories', async () => {
  const { definitions } = await loadActionsCatalog()
  assert.ok(definitions.length > 100)
  const missing = definitions
    .map((d) => d.slug)
    .filter((slug) => !Object.hasOwn(DESTINATION_CATEGORIES, slug))
  assert.deepEqual(missing, [], 'add these slugs to src/destinations/categories.ts')
  const amplitude = definitions.find((d) => d.slug === 'actions-amplitude')!
  assert.deepEqual(actionsCatalogEntry(amplitude).metadata.categories, ['Analytics'])
  await loadDestinationCatalog()
  for (const entry of destinationCatalog())
    assert.ok(entry.metadata.categories.length > 0, `${entry.metadata.slug} has categories`)
})
