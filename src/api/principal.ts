import type { Actor, ApiToken, Policy, PolicyLabel, Repositories, TokenRole } from '../store/index.ts'
import { findRole, scopeFamilyOf, WORKSPACE_MEMBER, WORKSPACE_OWNER, type Permission } from './roles.ts'

export type { Permission } from './roles.ts'

/** Where a grant applies: everything, some resources by id, or the sources carrying all these labels. */
export type Scope =
  | { kind: 'all' }
  | { kind: 'ids'; type: 'SOURCE' | 'WAREHOUSE' | 'FUNCTION' | 'SPACE'; ids: ReadonlySet<string> }
  | { kind: 'labels'; labels: readonly PolicyLabel[] }

/** One role's permissions over one scope. A principal's grants add up. */
export interface Grant {
  roleId: string
  permissions: ReadonlySet<Permission>
  scope: Scope
}

/** Who is calling: an API token or (with the web app) a logged-in user, always within one workspace. */
export interface Principal {
  kind: 'token' | 'user'
  id: string
  /** Token description or user email, for the audit trail. */
  name: string
  workspaceId: string
  /** The access level: Workspace Owner, or Workspace Member with finer roles in `grants`. */
  role: TokenRole
  grants: readonly Grant[]
}

/** A resource a scoped permission is checked against. Destinations are checked as their source. */
export interface ResourceRef {
  type: 'SOURCE' | 'WAREHOUSE'
  id: string
  /** The source's labels (label-scoped grants match on them). */
  labels?: readonly PolicyLabel[]
}

export const actorOf = (p: Principal): Actor => ({ type: p.kind, id: p.id, name: p.name })

/** Permissions every grant brings, whatever its scope: seeing the workspace and the catalog. */
const BASE_PERMISSIONS = new Set<Permission>(['workspace:read', 'catalog:read'])

/** Turns stored policies into grants; unknown roles and resource types grant nothing. */
export function grantsOf(policies: readonly Policy[]): Grant[] {
  const grants: Grant[] = []
  for (const policy of policies) {
    const role = findRole(policy.roleId)
    if (!role) continue
    for (const resource of policy.resources) {
      if (!role.resourceTypes.includes(resource.type)) continue
      let scope: Scope
      if (resource.type === 'WORKSPACE') {
        scope =
          role.labels && resource.labels?.length
            ? { kind: 'labels', labels: resource.labels }
            : { kind: 'all' }
      } else {
        scope = { kind: 'ids', type: resource.type, ids: new Set([resource.id]) }
      }
      grants.push({ roleId: role.id, permissions: role.permissions, scope })
    }
  }
  return grants
}

const FAMILY_TYPE = { source: 'SOURCE', warehouse: 'WAREHOUSE' } as const

/** Whether a grant of this scope can hold `permission` at all. */
function scopeCanHold(scope: Scope, permission: Permission): boolean {
  if (scope.kind === 'all') return true
  if (BASE_PERMISSIONS.has(permission)) return true
  const family = scopeFamilyOf(permission)
  if (!family) return false
  if (scope.kind === 'labels') return family === 'source'
  return scope.type === FAMILY_TYPE[family]
}

function scopeCovers(scope: Scope, target: ResourceRef): boolean {
  if (scope.kind === 'all') return true
  if (scope.kind === 'ids') return scope.type === target.type && scope.ids.has(target.id)
  if (target.type !== 'SOURCE') return false
  const labels = target.labels ?? []
  return scope.labels.every((l) => labels.some((t) => t.key === l.key && t.value === l.value))
}

/** Whether the principal holds `permission` on anything (the route-level check). */
export const isGranted = (principal: Principal, permission: Permission): boolean =>
  principal.grants.some((g) => g.permissions.has(permission) && scopeCanHold(g.scope, permission))

/** Whether the principal holds `permission` on every current and future resource. */
export const isUnrestricted = (principal: Principal, permission: Permission): boolean =>
  principal.grants.some((g) => g.permissions.has(permission) && g.scope.kind === 'all')

/** Whether the principal holds `permission` on this resource. */
export const isGrantedOn = (principal: Principal, permission: Permission, target: ResourceRef): boolean =>
  principal.grants.some(
    (g) => g.permissions.has(permission) && scopeCanHold(g.scope, permission) && scopeCovers(g.scope, target),
  )

/** The roles behind a principal's grants, for messages: "Source Admin, PII Access". */
export function roleNames(principal: Principal): string {
  const names = [...new Set(principal.grants.map((g) => findRole(g.roleId)?.name ?? g.roleId))]
  return names.length > 0 ? names.join(', ') : principal.role
}

/** The access-level role as a policy on the whole workspace. */
export const accessLevelPolicy = (workspaceId: string, role: string): Policy => ({
  roleId: role === 'Workspace Owner' ? WORKSPACE_OWNER : WORKSPACE_MEMBER,
  resources: [{ type: 'WORKSPACE', id: workspaceId }],
})

/** The principal of an authenticated API token: its access level plus its own policies. */
export async function tokenPrincipal(store: Repositories, token: ApiToken): Promise<Principal> {
  const policies = await store.policies.list(token.workspaceId, { type: 'token', id: token.id })
  return {
    kind: 'token',
    id: token.id,
    name: token.description,
    workspaceId: token.workspaceId,
    role: token.role,
    grants: grantsOf([accessLevelPolicy(token.workspaceId, token.role), ...policies]),
  }
}

/**
 * The principal of a logged-in user in one workspace: the membership's access level, the user's
 * own policies and those of every group their email is in. Undefined when not a member. The web
 * session code resolves users through this, so users and tokens are checked the same way.
 */
export async function userPrincipal(
  store: Repositories,
  workspaceId: string,
  userId: string,
): Promise<Principal | undefined> {
  const member = await store.users.members.get(workspaceId, userId)
  if (!member) return undefined
  const groups = await store.userGroups.groupsOf(workspaceId, member.email)
  const policies = await store.policies.listFor(workspaceId, [
    { type: 'user', id: member.id },
    ...groups.map((g) => ({ type: 'group' as const, id: g.id })),
  ])
  const role: TokenRole = policies.some((p) => p.roleId === WORKSPACE_OWNER)
    ? 'Workspace Owner'
    : 'Workspace Member'
  return {
    kind: 'user',
    id: member.id,
    name: member.email,
    workspaceId,
    role: member.role === 'Workspace Owner' ? 'Workspace Owner' : role,
    grants: grantsOf([accessLevelPolicy(workspaceId, member.role), ...policies]),
  }
}
