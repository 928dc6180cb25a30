/**
 * Segment's IAM roles, each a set of Switchyard permissions, and the resource types a role may be
 * granted on. Pure data: `access.ts` turns a principal's policies into grants with it.
 */

/**
 * What an operation needs. Each route declares one; roles grant sets of them. The resource-scoped
 * ones (`source:*`, `destination:*`, `warehouse:*`) can be granted on some resources only; the
 * others need a grant on the whole workspace.
 */
export type Permission =
  | 'workspace:read'
  | 'catalog:read'
  | 'source:read'
  | 'source:write'
  | 'destination:read'
  | 'destination:write'
  | 'warehouse:read'
  | 'warehouse:write'
  | 'usage:read'
  /** Message payloads unmasked (archive, debugger, delivery samples). */
  | 'pii:read'
  /** Users, invites, user groups and their permissions. */
  | 'iam:read'
  | 'iam:write'
  /** API tokens (Switchyard's addition): Workspace Owners only. */
  | 'token:read'
  | 'token:write'
  /** Creating and deleting workspace labels (assigning them to a source needs `source:write` on it). */
  | 'label:write'
  | 'audit:read'
  | 'tracking-plan:read'
  | 'tracking-plan:write'
  | 'identity:read'
  | 'identity:write'
  | 'engage:read'
  | 'engage:write'
  | 'function:read'
  | 'function:write'
  | 'privacy:read'
  | 'privacy:write'

export const ALL_PERMISSIONS: readonly Permission[] = [
  'workspace:read',
  'catalog:read',
  'source:read',
  'source:write',
  'destination:read',
  'destination:write',
  'warehouse:read',
  'warehouse:write',
  'usage:read',
  'pii:read',
  'iam:read',
  'iam:write',
  'token:read',
  'token:write',
  'label:write',
  'audit:read',
  'tracking-plan:read',
  'tracking-plan:write',
  'identity:read',
  'identity:write',
  'engage:read',
  'engage:write',
  'function:read',
  'function:write',
  'privacy:read',
  'privacy:write',
]

/** The kind of resource a scoped permission is about. Destinations are scoped by their source. */
export type ScopedFamily = 'source' | 'warehouse'

/** Which family of resources a permission is scoped by, or undefined for workspace-wide ones. */
export function scopeFamilyOf(permission: Permission): ScopedFamily | undefined {
  if (permission.startsWith('source:') || permission.startsWith('destination:')) return 'source'
  if (permission.startsWith('warehouse:')) return 'warehouse'
  return undefined
}

/** Segment's permission resource types (`PermissionResourceV1.type`). */
export type ResourceType = 'WORKSPACE' | 'SOURCE' | 'WAREHOUSE' | 'FUNCTION' | 'SPACE'

export interface Role {
  id: string
  name: string
  description: string
  permissions: ReadonlySet<Permission>
  /** Resource types the role can be granted on; `WORKSPACE` means all current and future ones. */
  resourceTypes: readonly ResourceType[]
  /** Whether a `WORKSPACE` grant of this role may be narrowed by labels (source labels). */
  labels: boolean
}

const BASE: Permission[] = ['workspace:read', 'catalog:read']

const role = (
  id: string,
  name: string,
  description: string,
  permissions: Permission[],
  resourceTypes: ResourceType[] = ['WORKSPACE'],
  labels = false,
): Role => ({
  id,
  name,
  description,
  permissions: new Set([...BASE, ...permissions]),
  resourceTypes,
  labels,
})

export const WORKSPACE_OWNER = 'workspace-owner'
export const WORKSPACE_MEMBER = 'workspace-member'
export const PII_ACCESS = 'pii-access'

/** Every role, in the order `listRoles` answers. Ids are stable: stored policies refer to them. */
export const ROLES: readonly Role[] = [
  role(
    WORKSPACE_OWNER,
    'Workspace Owner',
    'Read and edit everything in the workspace, including settings, team permissions, API tokens, labels and the audit trail. Includes PII access.',
    [...ALL_PERMISSIONS],
  ),
  role(
    WORKSPACE_MEMBER,
    'Workspace Member',
    'Minimal workspace access: the workspace and the catalog. Further access comes from other roles.',
    [],
  ),
  role(
    'source-admin',
    'Source Admin',
    'Edit the granted sources, their settings, write keys, schema, connected destinations and debugger. With all sources granted, also create sources.',
    ['source:read', 'source:write', 'destination:read', 'destination:write'],
    ['WORKSPACE', 'SOURCE'],
    true,
  ),
  role(
    'source-read-only',
    'Source Read-only',
    'Read the granted sources, their settings, schema, connected destinations and debugger.',
    ['source:read', 'destination:read'],
    ['WORKSPACE', 'SOURCE'],
    true,
  ),
  role(
    'warehouse-admin',
    'Warehouse Destination Admin',
    'Edit the granted warehouses and their settings; with all warehouses granted, also create warehouses.',
    ['warehouse:read', 'warehouse:write'],
    ['WORKSPACE', 'WAREHOUSE'],
  ),
  role(
    'warehouse-read-only',
    'Warehouse Destination Read-only',
    'Read the granted warehouses and their settings.',
    ['warehouse:read'],
    ['WORKSPACE', 'WAREHOUSE'],
  ),
  role('tracking-plan-admin', 'Tracking Plan Admin', 'Edit all Protocols tracking plans.', [
    'tracking-plan:read',
    'tracking-plan:write',
  ]),
  role('tracking-plan-read-only', 'Tracking Plan Read-only', 'Read all Protocols tracking plans.', [
    'tracking-plan:read',
  ]),
  role('identity-admin', 'Identity Admin', 'Edit the identity resolution settings of Unify.', [
    'identity:read',
    'identity:write',
  ]),
  role('identity-read-only', 'Identity Read-only', 'Read the identity resolution settings of Unify.', [
    'identity:read',
  ]),
  role(
    'engage-admin',
    'Unify and Engage Admin',
    'Edit Unify settings and Engage audiences, computed traits, journeys and settings.',
    ['identity:read', 'identity:write', 'engage:read', 'engage:write'],
    ['WORKSPACE', 'SPACE'],
  ),
  role(
    'engage-read-only',
    'Unify and Engage Read-only',
    'Read Unify and Engage; no edits and no PII downloads.',
    ['identity:read', 'engage:read'],
    ['WORKSPACE', 'SPACE'],
  ),
  role(
    'engage-user',
    'Unify Read-only and Engage User',
    'Read Unify; edit Engage audiences, computed traits, journeys and content.',
    ['identity:read', 'engage:read', 'engage:write'],
    ['WORKSPACE', 'SPACE'],
  ),
  role(
    'function-admin',
    'Function Admin',
    'Create, edit and delete the granted functions.',
    ['function:read', 'function:write'],
    ['WORKSPACE', 'FUNCTION'],
  ),
  role(
    'function-read-only',
    'Function Read-only',
    'Read the granted functions.',
    ['function:read'],
    ['WORKSPACE', 'FUNCTION'],
  ),
  role('privacy-admin', 'End User Privacy Admin', 'Manage end-user privacy: user deletion and suppression.', [
    'privacy:read',
    'privacy:write',
  ]),
  role(
    PII_ACCESS,
    'PII Access',
    'See personal data in message payloads (archive, debugger, delivery samples) unmasked. Does not widen any other access.',
    ['pii:read'],
  ),
]

const BY_ID = new Map(ROLES.map((r) => [r.id, r]))

export const findRole = (id: string): Role | undefined => BY_ID.get(id)
