import assert from 'node:assert/strict'
import { test } from 'node:test'
import { grantsOf, isGranted, isGrantedOn, isUnrestricted, type Principal } from './principal.ts'

const WS = 'ws1'
const principal = (policies: Parameters<typeof grantsOf>[0]): Principal => ({
  kind: 'token',
  id: 't',
  name: 't',
  workspaceId: WS,
  role: 'Workspace Member',
  grants: grantsOf([{ roleId: 'workspace-member', resources: [{ id: WS, type: 'WORKSPACE' }] }, ...policies]),
})

const A = {
  type: 'SOURCE' as const,
  id: 'A',
  labels: [
    { key: 'env', value: 'prod' },
    { key: 'brand', value: 'car' },
  ],
}
const B = {
  type: 'SOURCE' as const,
  id: 'B',
  labels: [
    { key: 'env', value: 'prod' },
    { key: 'brand', value: 'truck' },
  ],
}
const C = {
  type: 'SOURCE' as const,
  id: 'C',
  labels: [
    { key: 'env', value: 'dev' },
    { key: 'brand', value: 'car' },
  ],
}

test("label grants: several labels on one grant are AND-ed (Segment's example)", () => {
  const scoped = (labels: { key: string; value: string }[]) =>
    principal([{ roleId: 'source-admin', resources: [{ id: WS, type: 'WORKSPACE', labels }] }])
  const visible = (p: Principal) => [A, B, C].filter((s) => isGrantedOn(p, 'source:read', s)).map((s) => s.id)
  assert.deepEqual(visible(scoped([{ key: 'env', value: 'prod' }])), ['A', 'B'])
  assert.deepEqual(
    visible(
      scoped([
        { key: 'env', value: 'prod' },
        { key: 'brand', value: 'truck' },
      ]),
    ),
    ['B'],
  )
  assert.deepEqual(visible(scoped([{ key: 'brand', value: 'car' }])), ['A', 'C'])
})

test('scoped grants hold their permissions on those resources only; workspace-wide ones need the workspace', () => {
  const p = principal([
    { roleId: 'source-admin', resources: [{ id: 'A', type: 'SOURCE' }] },
    { roleId: 'warehouse-read-only', resources: [{ id: 'W', type: 'WAREHOUSE' }] },
    // A role on a resource type it can't have grants nothing.
    { roleId: 'tracking-plan-admin', resources: [{ id: 'A', type: 'SOURCE' }] },
  ])
  assert.ok(isGranted(p, 'source:write'))
  assert.ok(!isUnrestricted(p, 'source:write'))
  assert.ok(isGrantedOn(p, 'destination:write', A))
  assert.ok(!isGrantedOn(p, 'source:read', B))
  assert.ok(isGrantedOn(p, 'warehouse:read', { type: 'WAREHOUSE', id: 'W' }))
  assert.ok(!isGrantedOn(p, 'warehouse:write', { type: 'WAREHOUSE', id: 'W' }))
  assert.ok(!isGranted(p, 'tracking-plan:read'))
  assert.ok(!isGranted(p, 'pii:read'))
  assert.ok(isGranted(p, 'workspace:read'))
  assert.ok(!isGranted(p, 'iam:read'))
})

test('the owner holds everything everywhere, PII included', () => {
  const owner = principal([{ roleId: 'workspace-owner', resources: [{ id: WS, type: 'WORKSPACE' }] }])
  for (const permission of ['source:write', 'iam:write', 'token:write', 'pii:read', 'label:write'] as const) {
    assert.ok(isUnrestricted(owner, permission), permission)
  }
})
