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
  created_at: Timestamp
  updated_at: Timestamp
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

export interface ConsumerPositionsTable {
  consumer: string
  position: ColumnType<number | string | bigint, number, number>
}

export interface ControlPlaneDatabase {
  workspaces: WorkspacesTable
  sources: SourcesTable
  write_keys: WriteKeysTable
  labels: LabelsTable
  source_labels: SourceLabelsTable
  destinations: DestinationsTable
  warehouses: WarehousesTable
  warehouse_sources: WarehouseSourcesTable
  api_tokens: ApiTokensTable
  users: UsersTable
  workspace_members: WorkspaceMembersTable
  audit_events: AuditEventsTable
  usage_api_calls: UsageApiCallsTable
  usage_identities: UsageIdentitiesTable
  consumer_positions: ConsumerPositionsTable
}

export const toIso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString()
export const toIsoOrNull = (v: Date | string | null): string | null => (v === null ? null : toIso(v))
export const toBool = (v: number | boolean): boolean => v === true || v === 1
export const fromBool = (v: boolean): number => (v ? 1 : 0)

/** A row as read back (timestamps may be `Date`, flags may be numbers). */
export type Row<T> = Selectable<T>
/** A row as written. */
export type NewRow<T> = Insertable<T>
