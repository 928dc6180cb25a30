import type { Actor, TokenRole } from '../store/index.ts'

/** Who is calling: an API token or (with the web app) a logged-in user, always within one workspace. */
export interface Principal {
  kind: 'token' | 'user'
  id: string
  /** Token description or user email, for the audit trail. */
  name: string
  workspaceId: string
  role: TokenRole
}

export const actorOf = (p: Principal): Actor => ({ type: p.kind, id: p.id, name: p.name })

/**
 * What an operation needs. Each route declares one; roles grant sets of them.
 * Resource-scoped grants (Source Admin on some sources, labels) build on this in the IAM work.
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

const ROLE_GRANTS: Record<TokenRole, ReadonlySet<Permission>> = {
  'Workspace Owner': new Set<Permission>([
    'workspace:read',
    'catalog:read',
    'source:read',
    'source:write',
    'destination:read',
    'destination:write',
    'warehouse:read',
    'warehouse:write',
    'usage:read',
  ]),
  // Segment's "Minimal Workspace Access": sees the workspace and the catalog, nothing inside it.
  'Workspace Member': new Set<Permission>(['workspace:read', 'catalog:read']),
}

export const isGranted = (principal: Principal, permission: Permission): boolean =>
  ROLE_GRANTS[principal.role]?.has(permission) ?? false
