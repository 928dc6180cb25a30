import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { conformance, sdk } from '../support/sdk-models.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * Segment's own TypeScript Public API SDK, pointed at Switchyard with `basePath`, through every
 * operation implemented so far. The SDK deserialises responses into its models, so a shape we get
 * wrong shows up here as a missing or mistyped field.
 */

describe("Segment's Public API SDK against Switchyard", () => {
  let sy: TestSwitchyard
  let apis: ReturnType<typeof sdk.configureApis>

  before(async () => {
    sy = await startTestSwitchyard()
    apis = sdk.configureApis(sy.ownerToken)
    for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
  })
  after(async () => sy?.stop())

  test('getWorkspace', async () => {
    const { workspace } = await sdk.unwrap(apis.workspaces.getWorkspace())
    assert.equal(workspace.slug, 'default')
    assert.equal(workspace.id, sy.switchyard.bootstrap.workspace.id)
  })

  test('echo', async () => {
    const data = await sdk.unwrap(apis.testing.echo('ping'))
    assert.equal(data.message, 'ping')
    assert.match(String(data.headers['user-agent']), /Public API SDK/)
  })

  test('getSourcesCatalog and getSourceMetadata', async () => {
    const { sourcesCatalog, pagination } = await sdk.unwrap(apis.catalog.getSourcesCatalog({ count: 3 }))
    assert.equal(sourcesCatalog.length, 3)
    assert.ok(pagination.next)
    const { sourceMetadata } = await sdk.unwrap(apis.catalog.getSourceMetadata(sourcesCatalog[0]!.id))
    assert.deepEqual(sourceMetadata, sourcesCatalog[0])
    assert.equal(typeof sourceMetadata.logos.default, 'string')
  })

  test('the sources operations, end to end', async () => {
    const { source } = await sdk.unwrap(
      apis.sources.createSource({
        slug: 'sdk-web',
        enabled: true,
        metadataId: 'IqDTy1TpoU',
        settings: { a: 1 },
      }),
    )
    assert.equal(source.slug, 'sdk-web')
    assert.equal(source.metadata.name, 'Javascript')
    assert.equal(source.writeKeys.length, 1)

    const got = await sdk.unwrap(apis.sources.getSource(source.id))
    assert.equal(got.source.id, source.id)

    const updated = await sdk.unwrap(
      apis.sources.updateSource(source.id, { name: 'SDK web', enabled: false }),
    )
    assert.equal(updated.source.name, 'SDK web')
    assert.equal(updated.source.enabled, false)

    const withKey = await sdk.unwrap(apis.sources.createWriteKeyForSource(source.id))
    assert.equal(withKey.source.writeKeys.length, 2)
    const removed = await sdk.unwrap(apis.sources.removeWriteKeyFromSource(source.id, source.writeKeys[0]!))
    assert.equal(String(removed.status), 'SUCCESS')

    await sdk.unwrap(
      apis.sources.createSource({ slug: 'sdk-server', enabled: true, metadataId: 'iUM16Md8P2' }),
    )
    const page1 = await sdk.unwrap(apis.sources.listSources({ count: 1 }))
    assert.equal(page1.sources.length, 1)
    assert.equal(page1.pagination.totalEntries, 2)
    const page2 = await sdk.unwrap(apis.sources.listSources({ count: 1, cursor: page1.pagination.next! }))
    assert.notEqual(page2.sources[0]!.id, page1.sources[0]!.id)

    const deleted = await sdk.unwrap(apis.sources.deleteSource(source.id))
    assert.equal(String(deleted.status), 'SUCCESS')
  })

  test('errors reach the SDK in Segment’s envelope', async () => {
    // unwrap() rejects with the first entry of `errors`, as it does against Segment.
    await assert.rejects(sdk.unwrap(apis.sources.getSource('missing')), {
      type: 'not-found',
      status: 404,
      field: 'sourceId',
      code: 'SY_RESOURCE_NOT_FOUND',
    })
    await assert.rejects(
      sdk.unwrap(apis.sources.createSource({ slug: 'sdk-server', enabled: true, metadataId: 'iUM16Md8P2' })),
      { type: 'conflict', status: 409, field: 'slug' },
    )
    const stranger = sdk.configureApis('sy_tok_not-a-real-token')
    stranger.workspaces.basePath = `${sy.controlUrl}/api`
    await assert.rejects(sdk.unwrap(stranger.workspaces.getWorkspace()), {
      type: 'unauthorized',
      status: 401,
    })
  })

  test('every answer matches the SDK response model on the wire, field for field', async () => {
    const created = await sy.api('/sources', {
      method: 'POST',
      body: { slug: 'shape', enabled: true, metadataId: 'IqDTy1TpoU', settings: { a: 1 } },
    })
    const id = created.body.data.source.id
    await sy.switchyard.store.labels.create(sy.switchyard.bootstrap.workspace.id, {
      key: 'env',
      value: 'prod',
    })
    await sy.switchyard.store.labels.replaceOnSource(sy.switchyard.bootstrap.workspace.id, id, [
      { key: 'env', value: 'prod' },
    ])
    const writeKey = created.body.data.source.writeKeys[0]
    const cases: [string, Parameters<TestSwitchyard['api']>[1], string][] = [
      ['/', {}, 'GetWorkspaceV1Output'],
      ['/echo?message=m', {}, 'EchoV1Output'],
      ['/catalog/sources?pagination[count]=3', {}, 'GetSourcesCatalogV1Output'],
      ['/catalog/sources/IqDTy1TpoU', {}, 'GetSourceMetadataV1Output'],
      ['/sources?pagination[count]=2', {}, 'ListSourcesV1Output'],
      [`/sources/${id}`, {}, 'GetSourceV1Output'],
      [`/sources/${id}`, { method: 'PATCH', body: { name: 'Shape' } }, 'UpdateSourceV1Output'],
      [`/sources/${id}/writekey`, { method: 'POST' }, 'CreateWriteKeyForSourceAlphaOutput'],
      [`/sources/${id}/writekey/${writeKey}`, { method: 'DELETE' }, 'RemoveWriteKeyFromSourceAlphaOutput'],
      [`/sources/${id}`, { method: 'DELETE' }, 'DeleteSourceV1Output'],
    ]
    assert.deepEqual(conformance(created.body.data, 'CreateSourceV1Output'), [])
    for (const [path, init, model] of cases) {
      const r = await sy.api(path, init)
      assert.ok(r.status < 300, `${path}: ${r.status}`)
      assert.deepEqual(Object.keys(r.body), ['data'], path)
      assert.deepEqual(conformance(r.body.data, model), [], `${init?.method ?? 'GET'} ${path} as ${model}`)
    }
  })

  test('the conformance check itself catches a wrong shape', () => {
    assert.notDeepEqual(conformance({ workspace: { id: 'x', slug: 's' } }, 'GetWorkspaceV1Output'), [])
    assert.notDeepEqual(
      conformance({ workspace: { id: 'x', slug: 's', name: 1 } }, 'GetWorkspaceV1Output'),
      [],
    )
    assert.notDeepEqual(
      conformance({ workspace: { id: 'x', slug: 's', name: 'n', extra: 1 } }, 'GetWorkspaceV1Output'),
      [],
    )
    assert.deepEqual(
      conformance({ workspace: { id: 'x', slug: 's', name: 'n' } }, 'GetWorkspaceV1Output'),
      [],
    )
  })
})
