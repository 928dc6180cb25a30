import { SwitchyardError } from '../../errors/index.ts'
import type { Policy, PolicyLabel, PolicyResource, Repositories } from '../../store/index.ts'
import { findRole, ROLES, WORKSPACE_OWNER, type ResourceType } from '../roles.ts'

export { accessLevelPolicy } from '../principal.ts'

/**
 * What users, user groups, invites and tokens share: Segment's permission input
 * (`PermissionInputV1`), checked against the roles and the workspace's resources, and the
 * permission answers (`PermissionV1`, `AccessPermissionV1`).
 */

const RESOURCE_TYPES: readonly ResourceType[] = ['WORKSPACE', 'SOURCE', 'WAREHOUSE', 'FUNCTION', 'SPACE']

const labelSchema = {
  type: 'object',
  required: ['key', 'value'],
  properties: { key: { type: 'string' }, value: { type: 'string' }, description: { type: 'string' } },
} as const

export const resourceSchema = {
  type: 'object',
  required: ['id', 'type'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: RESOURCE_TYPES },
    labels: { type: 'array', items: labelSchema },
  },
} as const

export const permissionInputSchema = {
  type: 'object',
  required: ['roleId', 'resources'],
  properties: { roleId: { type: 'string' }, resources: { type: 'array', items: resourceSchema } },
} as const

export const permissionsBody = {
  type: 'object',
  required: ['permissions'],
  properties: { permissions: { type: 'array', items: permissionInputSchema } },
} as const

export interface PermissionInput {
  roleId: string
  resources: { id: string; type: ResourceType; labels?: PolicyLabel[] }[]
}

const invalid = (field: string, message: string) =>
  new SwitchyardError('SY_API_VALIDATION', message, { field })

/**
 * Checks permission inputs: known roles, resource types the role can be granted on, the workspace's
 * own id for `WORKSPACE`, existing sources and warehouses, existing labels (only on `WORKSPACE`
 * resources of roles scoped by source). Returns them as policies.
 */
export async function checkPermissions(
  tx: Repositories,
  workspaceId: string,
  inputs: readonly PermissionInput[],
  field = 'permissions',
): Promise<Policy[]> {
  const known = await tx.labels.list(workspaceId)
  const policies: Policy[] = []
  for (const [i, input] of inputs.entries()) {
    const at = `${field}[${i}]`
    const role = findRole(input.roleId)
    if (!role) {
      throw invalid(
        `${at}.roleId`,
        `roleId "${input.roleId}" is not a role (see GET /roles: ${ROLES.map((r) => r.id).join(', ')})`,
      )
    }
    if (input.resources.length === 0) {
      throw invalid(`${at}.resources`, `Grant ${role.name} on at least one resource (the WORKSPACE for all)`)
    }
    const resources: PolicyResource[] = []
    for (const [j, r] of input.resources.entries()) {
      const rat = `${at}.resources[${j}]`
      if (!role.resourceTypes.includes(r.type)) {
        throw invalid(
          `${rat}.type`,
          `${role.name} can be granted on ${role.resourceTypes.join(' or ')}, not ${r.type}`,
        )
      }
      if (r.type === 'WORKSPACE' && r.id !== workspaceId) {
        throw invalid(`${rat}.id`, `A WORKSPACE resource must be this workspace (${workspaceId})`)
      }
      if (r.type === 'SOURCE' && !(await tx.sources.get(workspaceId, r.id))) {
        throw invalid(`${rat}.id`, `No source with id ${r.id} in this workspace`)
      }
      if (r.type === 'WAREHOUSE' && !(await tx.warehouses.get(workspaceId, r.id))) {
        throw invalid(`${rat}.id`, `No warehouse with id ${r.id} in this workspace`)
      }
      const labels = r.labels ?? []
      if (labels.length > 0 && !(r.type === 'WORKSPACE' && role.labels)) {
        throw invalid(
          `${rat}.labels`,
          `${role.name} can't be narrowed by labels (only source roles on the WORKSPACE)`,
        )
      }
      for (const l of labels) {
        if (!known.some((k) => k.key === l.key && k.value === l.value)) {
          throw invalid(`${rat}.labels`, `Label ${l.key}:${l.value} does not exist; create it first`)
        }
      }
      resources.push({
        id: r.id,
        type: r.type,
        ...(labels.length > 0 && { labels: labels.map((l) => ({ key: l.key, value: l.value })) }),
      })
    }
    policies.push({ roleId: role.id, resources })
  }
  return policies
}

/** Segment's `AccessPermissionV1` (and `PermissionV1`, which adds nothing we fill). */
export const permissionV1 = (p: Policy) => ({
  roleId: p.roleId,
  roleName: findRole(p.roleId)?.name ?? p.roleId,
  resources: p.resources.map((r) => ({
    id: r.id,
    type: r.type,
    ...(r.labels && r.labels.length > 0 && { labels: r.labels }),
  })),
})

/** The access level a set of policies amounts to. */
export const accessLevelOf = (policies: readonly Policy[]): 'Workspace Owner' | 'Workspace Member' =>
  policies.some((p) => p.roleId === WORKSPACE_OWNER) ? 'Workspace Owner' : 'Workspace Member'

/**
 * A list in the query string: `emails=a&emails=b`, `emails[0]=a&emails[1]=b` (what Segment's SDK
 * sends), `emails[]=a` or `emails=a,b`.
 */
export function queryList(query: unknown, name: string): string[] {
  const q = (query ?? {}) as Record<string, unknown>
  const values: unknown[] = []
  for (const [key, value] of Object.entries(q)) {
    if (key === name || key === `${name}[]` || new RegExp(`^${name}\\[\\d+\\]$`).test(key)) {
      values.push(...(Array.isArray(value) ? value : [value]))
    }
  }
  const list = values.flatMap((v) => (typeof v === 'string' ? v.split(',') : [])).map((v) => v.trim())
  const out = list.filter((v) => v !== '')
  if (out.length === 0) throw invalid(name, `Give at least one value in ${name}`)
  return out
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function checkEmail(email: string, field = 'email'): string {
  const e = email.trim().toLowerCase()
  if (!EMAIL.test(e) || e.length > 254) throw invalid(field, `"${email}" is not an email address`)
  return e
}
