import type { ColumnType, Insertable, Selectable } from 'kysely'

/**
 * Row shapes of the control-plane tables, shared by SQLite and PostgreSQL.
 * Timestamps are written as ISO-8601 strings; PostgreSQL reads them back as `Date`, SQLite as text
 * (see `toIso`). Booleans are written as 0/1, which both engines accept (see `toBool`).
 * JSON columns hold serialised text in both engines.
 */
type Timestamp = ColumnType<Date | string, string, string>
type NullableTimestamp = ColumnType<Date | string | null, string | null, string | null>
type Bool = ColumnType<number | boolean, number, number>

export interface WorkspacesTable {
  id: string
  slug: string
  name: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface SourcesTable {
  id: string
  workspace_id: string
  slug: string
  name: string
  enabled: Bool
  /** Id of the source type in the source catalog. */
  metadata_id: string
  settings: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WriteKeysTable {
  write_key: string
  source_id: string
  workspace_id: string
  created_at: Timestamp
}

export interface LabelsTable {
  workspace_id: string
  key: string
  value: string
  description: string | null
  created_at: Timestamp
}

export interface SourceLabelsTable {
  source_id: string
  workspace_id: string
  key: string
  value: string
}

export interface DestinationsTable {
  id: string
  workspace_id: string
  source_id: string
  /** Id of the destination definition in the destination catalog. */
  metadata_id: string
  name: string
  enabled: Bool
  /** Settings as JSON, encrypted with the secret key (they hold vendor credentials). */
  settings_encrypted: string
  /** JSON array of consent category ids. */
  consent_categories: string
  egress_url: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface DestinationSubscriptionsTable {
  id: string
  workspace_id: string
  destination_id: string
  name: string
  /** The action's key in its definition (`logEventV2`). */
  action_slug: string
  /** The trigger, in Segment's subscription syntax. */
  trigger: string
  /** JSON of the field mapping (mapping-kit directives). */
  mapping: string
  enabled: Bool
  model_id: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface DestinationFiltersTable {
  id: string
  workspace_id: string
  destination_id: string
  source_id: string
  title: string
  description: string | null
  /** The filter's FQL (`if` in the Public API). */
  condition: string
  /** JSON array of Segment's filter actions. */
  actions: string
  enabled: Bool
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WarehousesTable {
  id: string
  workspace_id: string
  metadata_id: string
  name: string
  enabled: Bool
  settings_encrypted: string
  /** JSON: Segment's advanced sync schedule (`{enabled, schedule: {times, timezone}}`), or null. */
  advanced_schedule: ColumnType<string | null, string | null | undefined, string | null>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WarehouseSyncsTable {
  id: string
  workspace_id: string
  warehouse_id: string
  /** `scheduled` or `manual`. */
  trigger: string
  /** `pending`, `running`, then `success`, `partial` or `failure`. */
  status: string
  requested_by: string
  created_at: Timestamp
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
  /** Staged records the sync set out to load, and those it has loaded so far. */
  records_total: BigIntColumn
  records_done: BigIntColumn
  rows_loaded: BigIntColumn
  /** JSON notice of what ended the sync, when it failed as a whole. */
  error: string | null
  lease_owner: string | null
  lease_until: NullableTimestamp
}

export interface WarehouseSyncReportsTable {
  sync_id: string
  source_id: string
  workspace_id: string
  warehouse_id: string
  status: string
  started_at: Timestamp
  finished_at: NullableTimestamp
  rows: BigIntColumn
  /** JSON: table → rows loaded. */
  tables: string
  /** JSON array of `{level, message, createdAt, table?, code?}`. */
  notices: string
  preparation_ms: BigIntColumn
  loading_ms: BigIntColumn
}

export interface WarehouseSyncChunksTable {
  warehouse_id: string
  after_offset: BigIntColumn
  through_offset: BigIntColumn
  created_at: Timestamp
}

export interface WarehouseSelectiveSyncTable {
  warehouse_id: string
  workspace_id: string
  source_id: string
  collection: string
  property: string
  enabled: Bool
  updated_at: Timestamp
}

export interface WarehouseSchemaColumnsTable {
  warehouse_id: string
  source_id: string
  table_name: string
  column_name: string
  column_type: string
}

export interface WarehouseSourcesTable {
  warehouse_id: string
  source_id: string
  workspace_id: string
  created_at: Timestamp
}

export interface ApiTokensTable {
  id: string
  workspace_id: string
  description: string
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secret_hash: string
  /** The last four characters of the secret, to tell tokens apart in lists. */
  secret_hint: string
  role: string
  created_by: string | null
  created_at: Timestamp
  last_used_at: NullableTimestamp
  revoked_at: NullableTimestamp
}

export interface UsersTable {
  id: string
  email: string
  name: string
  /** scrypt hash in PHC-like form, see `secrets.ts`. */
  password_hash: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WorkspaceMembersTable {
  workspace_id: string
  user_id: string
  role: string
  created_at: Timestamp
}

export interface AuditEventsTable {
  id: string
  workspace_id: string
  created_at: Timestamp
  /** Segment's event name, such as "Source Created". */
  type: string
  actor_type: string
  actor_id: string
  actor_name: string
  resource_type: string
  resource_id: string
  resource_name: string
  before_json: string | null
  after_json: string | null
}

export interface UsageApiCallsTable {
  workspace_id: string
  source_id: string
  /** `YYYY-MM-DD`, UTC, by the message's receivedAt. */
  day: string
  calls: ColumnType<number | string | bigint, number, number>
}

export interface UsageIdentitiesTable {
  workspace_id: string
  source_id: string
  /** `YYYY-MM`, UTC. */
  month: string
  kind: 'user' | 'anonymous'
  identity: string
  first_day: string
  /** For anonymousIds: the first day one was seen together with a userId. */
  identified_day: string | null
}

/** Messages per source per UTC minute, message type, event name and app version (`EventsApi`). */
export interface UsageEventVolumeTable {
  workspace_id: string
  source_id: string
  /** `YYYY-MM-DDTHH:MM`, UTC, by the message's receivedAt. */
  minute: string
  event_type: string
  /** The Track event, or a Page or Screen name; empty otherwise. */
  event_name: string
  /** `context.app.version`; empty when absent. */
  app_version: string
  count: ColumnType<number | string | bigint, number, number>
}

export interface ConsumerPositionsTable {
  consumer: string
  position: ColumnType<number | string | bigint, number, number>
}

type BigIntColumn = ColumnType<number | string | bigint, number, number>
type NullableBigInt = ColumnType<number | string | bigint | null, number | null, number | null>

export interface ArchiveMessagesTable {
  /** Assigned in archive order, never reused: the debugger's and replay's cursor. */
  id: ColumnType<number | string | bigint, never, never>
  workspace_id: string
  source_id: string
  received_at: Timestamp
  message_id: string
  type: string
  /** Track event name; these three are null when absent, too long to index or holding a NUL. */
  event: string | null
  user_id: string | null
  anonymous_id: string | null
  /** Whether the source blocked the message when it was archived (it was not delivered). */
  blocked: Bool
  /** The stored message as JSON. */
  message: string
}

export interface SchemaEventsTable {
  workspace_id: string
  source_id: string
  type: string
  /** Track event name, page or screen name, '' for the other call types. */
  name: string
  total: BigIntColumn
  blocked_total: BigIntColumn
  /** Null for an event blocked before it was ever seen. */
  first_seen: NullableTimestamp
  last_seen: NullableTimestamp
}

export interface SchemaFieldsTable {
  workspace_id: string
  source_id: string
  type: string
  name: string
  /** Dotted path of a property or trait; array items add `.$`. */
  path: string
  total: BigIntColumn
  first_seen: Timestamp
  last_seen: Timestamp
}

export interface BlockedEventsTable {
  workspace_id: string
  source_id: string
  event: string
  blocked_at: Timestamp
}

export interface ReplayJobsTable {
  id: string
  workspace_id: string
  source_id: string
  status: string
  start_time: Timestamp
  end_time: Timestamp
  /** JSON array of destination ids. */
  destination_ids: string
  /** JSON arrays, or null for "all". */
  event_types: string | null
  event_names: string | null
  total: NullableBigInt
  processed: BigIntColumn
  enqueued: BigIntColumn
  /** The last archived message handled, by (received_at, id): where a resumed job goes on. */
  cursor_received_at: NullableTimestamp
  cursor_id: NullableBigInt
  error: string | null
  created_by: string
  created_at: Timestamp
  updated_at: Timestamp
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
  /** The runner holding the job, and until when (it renews the lease as it goes). */
  lease_owner: string | null
  lease_until: NullableTimestamp
}

/** Delivery Overview counts: messages per minute by outcome, reason and event (see `0004-delivery.ts`). */
export interface DeliveryCountsTable {
  workspace_id: string
  source_id: string
  /** '' for a source's own counts (outcome `received`). */
  destination_id: string
  /** Minutes since the Unix epoch, UTC. */
  minute: ColumnType<number | string | bigint, number, number>
  outcome: string
  reason: string
  event_type: string
  event_name: string
  app_version: string
  /** For `delivered`: the attempt that succeeded (1–10, 10 meaning 10 or more); 0 otherwise. */
  attempt: number
  count: ColumnType<number | string | bigint, number, number>
}

/** Delivery latency per destination and minute, as a histogram: one row per (minute, bound). */
export interface DeliveryLatencyTable {
  workspace_id: string
  source_id: string
  destination_id: string
  minute: ColumnType<number | string | bigint, number, number>
  /** Index into `LATENCY_BOUNDS_MS` of the histogram bucket. */
  bound: number
  count: ColumnType<number | string | bigint, number, number>
}

/** The newest sample payloads per (destination, outcome, reason). */
export interface DeliverySamplesTable {
  id: string
  workspace_id: string
  source_id: string
  destination_id: string
  outcome: string
  reason: string
  /** Epoch milliseconds. */
  at: ColumnType<number | string | bigint, number, number>
  message_id: string
  event_type: string
  event_name: string
  detail: string
  /** The message as JSON text, cut at the sample limit. */
  payload: string
  payload_truncated: Bool
  /** `{method, url, headers, body, bodyTruncated}` with secrets masked, or null. */
  request_json: string | null
  /** `{status, headers, body, bodyTruncated, durationMs}`, or null. */
  response_json: string | null
}

/**
 * What happened to each message, stage by stage and destination by destination: one row per entry,
 * as written before `0007-lineage-by-received-time` (read and pruned, no longer written).
 */
export interface MessageLineageTable {
  workspace_id: string
  source_id: string
  message_id: string
  /** Epoch milliseconds. */
  at: ColumnType<number | string | bigint, number, number>
  /** Orders entries of the same millisecond. */
  seq: ColumnType<number | string | bigint, number, number>
  stage: string
  /** '' when the entry is not about one destination. */
  destination_id: string
  outcome: string
  code: string
  detail: string
  /** Stage-specific fields as JSON (destination ids, attempt, next attempt, status), or null. */
  data_json: string | null
}

/**
 * Lineage entries of one source's messages received in the same millisecond, as written by one flush
 * (`repositories/lineage.ts`).
 */
export interface MessageLineageBatchesTable {
  id: ColumnType<number | string | bigint, never, never>
  workspace_id: string
  source_id: string
  /** The messages' `receivedAt`, epoch milliseconds. */
  received_at: ColumnType<number | string | bigint, number, number>
  /** The oldest and newest entry's time, epoch milliseconds. */
  first_at: ColumnType<number | string | bigint, number, number>
  last_at: ColumnType<number | string | bigint, number, number>
  /** How many entries `entries_json` holds. */
  entries: ColumnType<number | string | bigint, number, number>
  /** JSON array of the entries, empty fields left out (see `repositories/lineage.ts`). */
  entries_json: string
}

/** A subject's grant of one role: Segment's `PermissionResourceV1` list as JSON. */
export interface IamPoliciesTable {
  workspace_id: string
  /** `user`, `group`, `token` or `invite`. */
  subject_type: string
  /** User id, group id, token id, or the invited email. */
  subject_id: string
  role_id: string
  resources: string
  created_at: Timestamp
}

export interface UserGroupsTable {
  id: string
  workspace_id: string
  name: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface UserGroupMembersTable {
  group_id: string
  workspace_id: string
  /** Members are kept by email: invited people can be in a group before they have an account. */
  email: string
  created_at: Timestamp
}

export interface InvitesTable {
  workspace_id: string
  email: string
  invited_by: string
  created_at: Timestamp
  expires_at: Timestamp
  /** SHA-256 of the acceptance secret (hex); null for invites made before links existed. */
  token_hash: ColumnType<string | null, string | null | undefined, string | null>
}

/** A logged-in browser. The cookie's secret is never stored, only its SHA-256. */
export interface WebSessionsTable {
  id: string
  /** SHA-256 of the cookie secret, hex. */
  secret_hash: string
  user_id: string
  /** The workspace the session works in (the user picks one of their memberships). */
  workspace_id: string
  created_at: Timestamp
  last_seen_at: Timestamp
  expires_at: Timestamp
  ip: string
  user_agent: string
}

export interface ControlPlaneDatabase {
  workspaces: WorkspacesTable
  sources: SourcesTable
  write_keys: WriteKeysTable
  labels: LabelsTable
  source_labels: SourceLabelsTable
  destinations: DestinationsTable
  destination_subscriptions: DestinationSubscriptionsTable
  destination_filters: DestinationFiltersTable
  warehouses: WarehousesTable
  warehouse_sources: WarehouseSourcesTable
  warehouse_syncs: WarehouseSyncsTable
  warehouse_sync_reports: WarehouseSyncReportsTable
  warehouse_sync_chunks: WarehouseSyncChunksTable
  warehouse_selective_sync: WarehouseSelectiveSyncTable
  warehouse_schema_columns: WarehouseSchemaColumnsTable
  api_tokens: ApiTokensTable
  users: UsersTable
  workspace_members: WorkspaceMembersTable
  audit_events: AuditEventsTable
  usage_api_calls: UsageApiCallsTable
  usage_identities: UsageIdentitiesTable
  usage_event_volume: UsageEventVolumeTable
  consumer_positions: ConsumerPositionsTable
  delivery_counts: DeliveryCountsTable
  delivery_latency: DeliveryLatencyTable
  delivery_samples: DeliverySamplesTable
  message_lineage: MessageLineageTable
  message_lineage_batches: MessageLineageBatchesTable
  archive_messages: ArchiveMessagesTable
  schema_events: SchemaEventsTable
  schema_fields: SchemaFieldsTable
  blocked_events: BlockedEventsTable
  replay_jobs: ReplayJobsTable
  iam_policies: IamPoliciesTable
  user_groups: UserGroupsTable
  user_group_members: UserGroupMembersTable
  invites: InvitesTable
  web_sessions: WebSessionsTable
}

export const toIso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString()
export const toIsoOrNull = (v: Date | string | null): string | null => (v === null ? null : toIso(v))
export const toBool = (v: number | boolean): boolean => v === true || v === 1
export const fromBool = (v: boolean): number => (v ? 1 : 0)

/** A row as read back (timestamps may be `Date`, flags may be numbers). */
export type Row<T> = Selectable<T>
/** A row as written. */
export type NewRow<T> = Insertable<T>
