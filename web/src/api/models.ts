/** The Public API's shapes the app reads (Segment's models, with Switchyard's additions). */

export interface Logos {
  default: string
}

/** A setting of a catalog entry: its form field. */
export interface CatalogOption {
  name: string
  type: 'string' | 'number' | 'integer' | 'boolean' | 'array' | string
  required: boolean
  label?: string
  description?: string
  defaultValue?: unknown
}

export interface CatalogEntry {
  id: string
  name: string
  slug: string
  description: string
  logos: Logos
  options: CatalogOption[]
  categories?: string[]
}

export interface Workspace {
  id: string
  slug: string
  name: string
}

export interface Source {
  id: string
  slug: string
  name: string
  enabled: boolean
  writeKeys: string[]
  metadata: CatalogEntry
}

export interface Destination {
  id: string
  name: string
  enabled: boolean
  sourceId: string
  metadata: CatalogEntry
  settings: Record<string, unknown>
}

export interface Warehouse {
  id: string
  enabled: boolean
  metadata: CatalogEntry
  settings: Record<string, unknown> & { name?: string }
}

export interface SessionView {
  user: { id: string; email: string; name: string }
  workspaceId: string
  workspaces: Array<Workspace & { role: string }>
  csrfToken: string
}

export interface VolumePoint {
  time: string
  count: number
}

export interface VolumeSeries {
  total: number
  series: VolumePoint[]
}

export interface DeliveryMetric {
  metricName: string
  total: number
  breakdown: Array<{ metricName: string; value: number }>
}

export interface DeliverySample {
  id: string
  outcome: string
  reason: string
  at: string
  messageId: string
  eventType: string
  eventName: string | null
  detail: string | null
  request: { method: string; url: string } | null
  response: { status: number; body?: string } | null
}

export interface ArchivedMessage {
  id: string
  sourceId: string
  receivedAt: string
  blocked: boolean
  message: Record<string, unknown>
}

export interface WarehouseSync {
  id: string
  warehouseId: string
  trigger: string
  status: 'pending' | 'running' | 'success' | 'partial' | 'failure' | string
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  progress: { recordsTotal: number; recordsDone: number; rowsLoaded: number }
  error: { message?: string } | string | null
}

export interface SyncNotice {
  message?: string
  table?: string
  hint?: string
  code?: string
}

export interface SyncReport {
  sourceId: string
  syncId: string
  start: string
  end: string | null
  status: string
  humanDuration?: string
  count: number
  notices: SyncNotice[]
  tables?: Record<string, number>
}

export interface SelectiveSyncItem {
  sourceId: string
  collection: string
  enabled: boolean
  properties: Record<string, boolean>
}

export interface ValidationResult {
  status: 'CONNECTED' | 'FAILED'
  error?: { kind: string; message: string; hint?: string }
}

export interface ApiToken {
  id: string
  description: string
  role: string
  secretHint: string
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

/** Segment's id of the classic Webhooks destination. */
export const WEBHOOKS_METADATA_ID = '54521fdc25e721e32a72ef04'

/** A role a user, group or token can be granted (`listRoles`). */
export interface Role {
  id: string
  name: string
  description: string
}

/** Segment's `PermissionV1`: a role over some resources. */
export interface Permission {
  roleId: string
  roleName: string
  resources: Array<{ id: string; type: string; labels?: Array<{ key: string; value: string }> }>
}

/** Segment's `UserV1`: a member of the workspace. */
export interface WorkspaceUser {
  id: string
  name: string | null
  email: string
  permissions: Permission[]
}

/** An invite's acceptance secret, in `createInvites`' answer only. */
export interface InviteToken {
  email: string
  token: string
  expiresAt: string
}

/** Segment's `AuditEventV1` with Switchyard's actor details and the resource before and after. */
export interface AuditEvent {
  id: string
  timestamp: string
  type: string
  actor: string
  actorEmail?: string
  actorType: 'token' | 'user' | 'system'
  actorName: string
  resourceId: string
  resourceType: string
  resourceName: string
  before: unknown
  after: unknown
}
