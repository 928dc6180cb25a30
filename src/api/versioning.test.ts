import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSwitchyardError } from '../errors/index.ts'
import { ALL_VERSIONS, negotiateVersion, type ApiVersion } from './versioning.ts'

const ALPHA_ONLY: ApiVersion[] = ['v1alpha']

const cases: [
  accept: string | undefined,
  available: readonly ApiVersion[],
  version: ApiVersion,
  contentType: string,
][] = [
  [undefined, ALL_VERSIONS, 'v1', 'application/json'],
  ['', ALL_VERSIONS, 'v1', 'application/json'],
  ['application/json', ALL_VERSIONS, 'v1', 'application/json'],
  ['*/*', ALL_VERSIONS, 'v1', 'application/json'],
  ['application/vnd.segment.v1+json', ALL_VERSIONS, 'v1', 'application/vnd.segment.v1+json'],
  ['application/vnd.segment.v1beta+json', ALL_VERSIONS, 'v1beta', 'application/vnd.segment.v1beta+json'],
  ['application/vnd.segment.v1alpha+json', ALL_VERSIONS, 'v1alpha', 'application/vnd.segment.v1alpha+json'],
  ['application/vnd.segment.stable+json', ALL_VERSIONS, 'v1', 'application/vnd.segment.v1+json'],
  ['application/vnd.segment.beta+json', ALL_VERSIONS, 'v1beta', 'application/vnd.segment.v1beta+json'],
  ['application/vnd.segment.alpha+json', ALL_VERSIONS, 'v1alpha', 'application/vnd.segment.v1alpha+json'],
  // The SDK lists every form it accepts; the first one the operation has wins.
  [
    'application/vnd.segment.v1+json, application/json, application/vnd.segment.v1beta+json',
    ALL_VERSIONS,
    'v1',
    'application/vnd.segment.v1+json',
  ],
  ['application/vnd.segment.v1+json', ALPHA_ONLY, 'v1alpha', 'application/vnd.segment.v1alpha+json'],
  ['application/json', ALPHA_ONLY, 'v1alpha', 'application/json'],
  ['text/html, application/json;q=0.9', ALL_VERSIONS, 'v1', 'application/json'],
  ['APPLICATION/VND.SEGMENT.V1BETA+JSON', ALL_VERSIONS, 'v1beta', 'application/vnd.segment.v1beta+json'],
]
for (const [accept, available, version, contentType] of cases) {
  test(`Accept ${JSON.stringify(accept)} with ${available.join('/')}`, () =>
    assert.deepEqual(negotiateVersion(accept, available), { version, contentType }))
}

for (const accept of ['text/html', 'application/xml', 'application/vnd.segment.v2+json']) {
  test(`Accept ${accept} is refused with 406`, () =>
    assert.throws(
      () => negotiateVersion(accept, ALL_VERSIONS),
      (e: unknown) => isSwitchyardError(e) && e.code === 'SY_API_NOT_ACCEPTABLE' && e.status === 406,
    ))
}
