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
  /** A destination type's Actions (none for a classic destination such as Webhooks). */
  actions?: DestinationAction[]
  /** The mappings an Actions destination suggests to start with ("the default mappings"). */
  presets?: ActionPreset[]
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

/** A row of a source's schema: a call type and name (`listSchemaEventsFromSource`). */
export interface SchemaEvent {
  type: string
  /** The track event, page or screen name; '' for identify, group and alias. */
  name: string
  /** Whether new track events of this name are blocked. */
  blocked: boolean
  counts: { total: number; allowed: number; blocked: number }
  firstSeenAt: string | null
  lastSeenAt: string | null
}

/** A property or trait seen on a schema row, as a dotted path (`products.$.sku`). */
export interface SchemaField {
  path: string
  count: number
  firstSeenAt: string
  lastSeenAt: string
}

/** A replay of a source's archived events to its destinations (`getReplayFromSource`). */
export interface Replay {
  id: string
  sourceId: string
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | string
  startTime: string
  endTime: string
  destinationIds: string[]
  eventTypes: string[] | null
  eventNames: string[] | null
  /** `total` is counted when the replay starts (null before). */
  progress: { total: number | null; processed: number; enqueued: number; percent: number }
  error: string | null
  createdBy: string
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

/** Object path (`""` for the top level, `properties`, `context.traits`) → key names in that object. */
export type FilterFields = Record<string, string[]>

/** An action of a destination filter (Segment's `DestinationFilterActionV1`). */
export type FilterAction =
  | { type: 'DROP' }
  | { type: 'SAMPLE'; percent: number; path?: string }
  | { type: 'DROP_PROPERTIES'; fields: FilterFields }
  | { type: 'ALLOW_PROPERTIES'; fields: FilterFields }

/** Segment's `DestinationFilterV1`: an FQL condition (`if`) and what to do with matching events. */
export interface DestinationFilter {
  id: string
  sourceId: string
  destinationId: string
  title: string
  description?: string
  if: string
  actions: FilterAction[]
  enabled: boolean
  createdAt: string
  updatedAt: string
}

/** `previewDestinationFilter`'s answer: `result` is the event the destination would get, or null. */
export interface FilterPreview {
  inputPayload: Record<string, unknown>
  result: Record<string, unknown> | null
}

/** One recorded step of a message's way (`getMessageLineage`); stage-specific fields ride along. */
export interface LineageStep {
  at: string
  stage: 'ingest' | 'process' | 'deliver' | string
  outcome: string
  destinationId?: string
  destinationName?: string | null
  code?: string
  detail?: string
  attempt?: number
  status?: number
  latencyMs?: number
  nextAttemptAt?: string
  destinationIds?: string[]
}

/** Where a message stands with one destination: its last outcome, or `queued`. */
export interface LineageDestination {
  destinationId: string
  destinationName: string | null
  outcome: string
  code: string | null
  detail: string | null
  at: string | null
  attempts: number
}

export interface MessageLineage {
  sourceId: string
  messageId: string
  receivedAt: string | null
  events: LineageStep[]
  destinations: LineageDestination[]
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
  /** Where it can be granted (Switchyard's addition): `WORKSPACE`, `SOURCE`, `WAREHOUSE`, … */
  resourceTypes?: string[]
  /** Whether a grant on the workspace can be narrowed to sources with labels (Switchyard's addition). */
  labelScoped?: boolean
}

/** A workspace label (`listLabels`), which can narrow source roles to the sources carrying it. */
export interface SourceLabel {
  key: string
  value: string
  description?: string
}

/** Segment's `PermissionInputV1`: what `replacePermissionsForUser` and the group's take. */
export interface PermissionInput {
  roleId: string
  resources: Array<{ id: string; type: string; labels?: Array<{ key: string; value: string }> }>
}

/** Segment's `UserGroupV1`. */
export interface UserGroup {
  id: string
  name: string
  memberCount: number
  permissions: Permission[]
}

/** A member of a user group (`listUsersFromUserGroup`). */
export interface GroupMember {
  id: string
  name: string | null
  email: string
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

/** Segment's `DestinationMetadataActionFieldV1`: one field of an action, mapped from the event. */
export interface ActionField {
  id: string
  sortOrder: number
  fieldKey: string
  label: string
  type: 'STRING' | 'TEXT' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'DATETIME' | 'OBJECT' | 'PASSWORD' | 'HIDDEN'
  description: string
  placeholder?: string
  /** The mapping a new mapping starts with, such as `{"@path": "$.properties.revenue"}`. */
  defaultValue?: unknown
  required: boolean
  multiple: boolean
  choices?: Array<{ label: string; value: string | number | boolean }> | null
  dynamic: boolean
  allowNull: boolean
}

/** Segment's `DestinationMetadataActionV1`: what an Actions destination can do with an event. */
export interface DestinationAction {
  id: string
  slug: string
  name: string
  description: string
  platform: string
  hidden: boolean
  defaultTrigger: string | null
  fields: ActionField[]
}

/** Segment's `DestinationMetadataSubscriptionPresetV1`: a suggested mapping. */
export interface ActionPreset {
  actionId: string
  name: string
  fields: Record<string, unknown>
  trigger: string
}

/** Segment's `DestinationSubscription`: a mapping of an Actions destination. */
export interface DestinationSubscription {
  id: string
  name: string
  actionId: string
  actionSlug: string
  destinationId: string
  enabled: boolean
  /** Segment's subscription syntax: `type = "track" and event = "Order Completed"`. */
  trigger: string
  /** The field mapping (mapping-kit directives by field key). */
  settings: Record<string, unknown>
  modelId?: string
}

/** A request the event tester made, credentials masked. */
export interface EventTestRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  bodyTruncated: boolean
}

export interface EventTestResponse {
  status: number
  headers: Record<string, string>
  body: string
  bodyTruncated: boolean
  durationMs: number
}

/** How one attempt ended: delivered, to be retried, or dropped (with the reason). */
export interface AttemptOutcome {
  kind: 'delivered' | 'retry' | 'drop'
  code: string
  status?: number
  detail?: string
}

/** What one mapping (or a classic destination, with `mappingId` null) did with the test event. */
export interface EventTestResult {
  mappingId: string | null
  mappingName: string | null
  outcome: AttemptOutcome
  requests: Array<{
    request: EventTestRequest
    response: EventTestResponse | null
    outcome: AttemptOutcome
  }>
}

/** The event tester's answer (`POST /destinations/{id}/event-tests`). */
export interface EventTestAnswer {
  message: Record<string, unknown>
  results: EventTestResult[]
  /** Set when no mapping matched the event. */
  error?: string
}
