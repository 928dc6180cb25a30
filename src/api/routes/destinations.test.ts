import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Destination } from '../../store/index.ts'
import { destinationAuditTypes, freeName } from './destinations.ts'

const names: [taken: string[], expected: string][] = [
  [[], 'Webhooks'],
  [['webhooks'], 'Webhooks 2'],
  [['webhooks', 'webhooks 2', 'webhooks 4'], 'Webhooks 3'],
]
for (const [taken, expected] of names) {
  test(`freeName with ${JSON.stringify(taken)} is ${expected}`, () =>
    assert.equal(freeName('Webhooks', taken), expected))
}

const base: Destination = {
  id: 'd',
  workspaceId: 'w',
  sourceId: 's',
  metadataId: 'm',
  name: 'Hook',
  enabled: true,
  settings: { sharedSecret: 'a' },
  consentCategories: [],
  egressUrl: null,
  createdAt: '',
  updatedAt: '',
}
const updates: [patch: Partial<Destination>, types: string[]][] = [
  [{}, []],
  [{ enabled: false }, ['Integration Disabled']],
  [{ settings: { sharedSecret: 'b' } }, ['Integration Settings Modified']],
  [{ name: 'Other', enabled: false }, ['Integration Disabled', 'Integration Modified']],
]
for (const [patch, types] of updates) {
  test(`an update of ${JSON.stringify(patch)} is audited as ${JSON.stringify(types)}`, () =>
    assert.deepEqual(destinationAuditTypes(base, { ...base, ...patch }), types))
}
