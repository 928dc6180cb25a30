/**
 * The warehouse catalog, as data: one entry per kind of warehouse Switchyard loads into, each with
 * Segment's catalog metadata (the `WarehouseMetadataV1` shape of the Public API), its settings as a
 * JSON Schema, which settings are secrets, and a validator whose errors name the setting. Pure.
 *
 * - **Postgres** keeps Segment's metadata id (`55d3d3aea3c`) and setting names (`hostname`, `port`,
 *   `database`, `username`, `password`), so a `createWarehouse` call written for Segment works unchanged.
 * - **DuckDB** is Switchyard's own (Segment has no such warehouse): a file in the data directory, the
 *   warehouse of a fresh install. Its metadata id `switchyard-duckdb` is stable.
 */
import { join } from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import { DUCKDB_WAREHOUSE_FILE } from './loaders/duckdb/duckdb-config.ts'
import type { PostgresSsl, WarehouseConnection, WarehouseEngine } from './loaders/index.ts'

export type { WarehouseEngine }

/** What serves a warehouse kind: a loader engine, or the Parquet data lake export. */
export type WarehouseKind = WarehouseEngine | 'lake'

/** Segment's `IntegrationOptionBeta`: one setting as the catalog lists it. */
export interface WarehouseOption {
  name: string
  type: string
  required: boolean
  description?: string
  defaultValue?: unknown
  label?: string
}

/** Segment's `WarehouseMetadataV1`, with logo paths relative to the control port. */
export interface WarehouseMetadata {
  id: string
  name: string
  slug: string
  description: string
  logos: { default: string; mark?: string | null; alt?: string | null }
  options: WarehouseOption[]
}

/** One setting that is wrong: `field` is its name inside `settings`. */
export interface WarehouseSettingsError {
  field: string
  message: string
}

export type WarehouseSettingsResult =
  { ok: true; settings: Record<string, unknown> } | { ok: false; errors: WarehouseSettingsError[] }

export interface WarehouseCatalogEntry {
  /** Which loader serves it, or `lake` for the Parquet export. */
  readonly engine: WarehouseKind
  readonly metadata: Readonly<WarehouseMetadata>
  /** The settings as JSON Schema (draft 7): for forms, docs and validation. */
  readonly settingsSchema: Readonly<SettingsSchema>
  /** Settings that are secrets (top-level names): stored encrypted, never shown in full. */
  readonly secrets: readonly string[]
  /**
   * Checks settings and fills in defaults; every error names its setting. A copy is returned, the
   * argument is never changed.
   */
  validateSettings(settings: unknown): WarehouseSettingsResult
}

/** Segment's metadata id for Postgres. */
export const POSTGRES_METADATA_ID = '55d3d3aea3c'
/** Switchyard's metadata id for the embedded DuckDB warehouse (Segment has none). */
export const DUCKDB_METADATA_ID = 'switchyard-duckdb'
/** Switchyard's metadata id for the Parquet data lake (Segment Data Lakes' layout in a directory). */
export const DATA_LAKE_METADATA_ID = 'switchyard-data-lake'

export const warehouseLogoPath = (slug: string): string => `/logos/warehouses/${slug}.svg`

/** PostgreSQL's `sslmode`, the values `pg` can honour. */
export const POSTGRES_SSL_MODES = ['disable', 'require', 'verify-full'] as const
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number]

export interface PostgresWarehouseSettings {
  hostname: string
  /** Segment sends the port as a string (`"5432"`); both forms are accepted and kept as sent. */
  port: number | string
  database: string
  username: string
  /** Optional: a server that trusts the connection (`trust` in `pg_hba.conf`) needs none. */
  password?: string
  sslMode: PostgresSslMode
}

export interface DataLakeSettings {
  /** The lake's root directory, relative to the data directory. */
  directory: string
}

export interface DuckDbWarehouseSettings {
  /** The database file, relative to the data directory. */
  file: string
}

export const DEFAULT_DUCKDB_FILE = DUCKDB_WAREHOUSE_FILE

/** The warehouse a fresh install gets: DuckDB in the data directory. */
export const DEFAULT_WAREHOUSE = Object.freeze({
  metadataId: DUCKDB_METADATA_ID,
  name: 'DuckDB',
  settings: Object.freeze({ file: DEFAULT_DUCKDB_FILE }),
})

interface SettingsProperty {
  type: string | readonly string[]
  title: string
  description: string
  default?: unknown
  enum?: readonly string[]
  writeOnly?: boolean
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
}

export interface SettingsSchema {
  type: 'object'
  additionalProperties: false
  required: readonly string[]
  properties: Readonly<Record<string, SettingsProperty>>
}

/** Every kind's schedule setting (a Switchyard addition: Segment sets schedules by plan). */
const SYNC_INTERVAL: SettingsProperty = {
  type: 'integer',
  title: 'Sync every (minutes)',
  description:
    'How often the warehouse syncs, in minutes: from 1 to 10080 (a week). Syncs run on slots aligned to the clock, so 60 syncs on the hour (UTC). An advanced sync schedule, when on, replaces it.',
  default: 60,
  minimum: 1,
  maximum: 10080,
}

const POSTGRES_SCHEMA: SettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hostname', 'database', 'username'],
  properties: {
    hostname: {
      type: 'string',
      title: 'Host',
      description: 'Host name or IP address of the PostgreSQL server, as Switchyard reaches it.',
      minLength: 1,
      maxLength: 253,
    },
    port: {
      type: ['integer', 'string'],
      title: 'Port',
      description: 'TCP port of the server.',
      default: 5432,
    },
    database: {
      type: 'string',
      title: 'Database',
      description: 'The database to load into; Switchyard creates one schema in it per source.',
      minLength: 1,
      maxLength: 63,
    },
    username: {
      type: 'string',
      title: 'User',
      description: 'A user that may create schemas in the database (CREATE on the database).',
      minLength: 1,
      maxLength: 63,
    },
    password: {
      type: 'string',
      title: 'Password',
      description:
        "The user's password. Stored encrypted and never shown again; omit it for a trusted connection.",
      writeOnly: true,
      maxLength: 1000,
    },
    sslMode: {
      type: 'string',
      title: 'SSL mode',
      description:
        '`disable`: plain TCP. `require`: TLS without checking the certificate. `verify-full`: TLS, with the certificate checked against the system CAs and the host name.',
      enum: POSTGRES_SSL_MODES,
      default: 'disable',
    },
    syncIntervalMinutes: SYNC_INTERVAL,
  },
}

const DATA_LAKE_SCHEMA: SettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: {
    directory: {
      type: 'string',
      title: 'Directory',
      description:
        "The lake's root directory, relative to the data directory (letters, digits, `.`, `_`, `-`, sub-folders with `/`). Parquet files go under `data/<source id>/segment_type=…/day=…/hr=…`, a report per run under `reports/`.",
      default: 'lake',
      minLength: 1,
      maxLength: 200,
    },
    syncIntervalMinutes: SYNC_INTERVAL,
  },
}

const DUCKDB_SCHEMA: SettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: {
    file: {
      type: 'string',
      title: 'Database file',
      description:
        'The DuckDB file, relative to the data directory (letters, digits, `.`, `_`, `-`, sub-folders with `/`), ending in `.duckdb`. Created on the first sync.',
      default: DEFAULT_DUCKDB_FILE,
      minLength: 1,
      maxLength: 200,
    },
    syncIntervalMinutes: SYNC_INTERVAL,
  },
}

/** Segment's `options` from a settings schema: one per property, in schema order. */
function optionsFrom(schema: SettingsSchema): WarehouseOption[] {
  return Object.entries(schema.properties).map(([name, p]) => ({
    name,
    // As Segment lists them: a password is a string option, and so is a port (ours takes both forms).
    type: typeof p.type === 'string' ? p.type : 'string',
    required: schema.required.includes(name),
    description: p.description,
    ...(p.default !== undefined && { defaultValue: p.default }),
    label: p.title,
  }))
}

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, allowUnionTypes: true })

function schemaError(error: ErrorObject, kindName: string, schema: SettingsSchema): WarehouseSettingsError {
  const path = error.instancePath.split('/').filter(Boolean)
  const params = error.params as Record<string, unknown>
  if (typeof params.missingProperty === 'string') {
    return { field: [...path, params.missingProperty].join('.'), message: 'is required' }
  }
  if (typeof params.additionalProperty === 'string') {
    return {
      field: [...path, params.additionalProperty].join('.'),
      message: `is not a setting of ${kindName} (its settings are ${Object.keys(schema.properties).join(', ')})`,
    }
  }
  if (Array.isArray(params.allowedValues)) {
    return { field: path.join('.'), message: `must be one of ${params.allowedValues.join(', ')}` }
  }
  const field = path.join('.')
  if (error.keyword === 'minLength') {
    return {
      field,
      message:
        params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`,
    }
  }
  if (error.keyword === 'maxLength') {
    return { field, message: `must be at most ${String(params.limit)} characters` }
  }
  if (error.keyword === 'minimum' || error.keyword === 'maximum') {
    const p = schema.properties[field]
    return { field, message: `must be a whole number from ${p?.minimum} to ${p?.maximum}` }
  }
  if (error.keyword === 'type') {
    const expected = schema.properties[field]?.type
    const types = Array.isArray(expected) ? expected.join(' or ') : String(params.type)
    return { field, message: `must be ${types === 'integer or string' ? 'a whole number' : `a ${types}`}` }
  }
  return { field, message: error.message ?? 'is invalid' }
}

/** An entry from its schema and the rules JSON Schema states badly (checked once the schema passes). */
function entry(
  engine: WarehouseKind,
  metadata: Omit<WarehouseMetadata, 'options' | 'logos'>,
  schema: SettingsSchema,
  rules: (settings: Record<string, unknown>) => WarehouseSettingsError[],
): WarehouseCatalogEntry {
  const validate = ajv.compile(schema)
  return Object.freeze({
    engine,
    metadata: Object.freeze({
      ...metadata,
      logos: { default: warehouseLogoPath(metadata.slug), mark: null, alt: null },
      options: optionsFrom(schema),
    }),
    settingsSchema: schema,
    secrets: Object.entries(schema.properties)
      .filter(([, p]) => p.writeOnly === true)
      .map(([name]) => name),
    validateSettings(value: unknown): WarehouseSettingsResult {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { ok: false, errors: [{ field: '', message: 'must be an object' }] }
      }
      const settings = structuredClone(value) as Record<string, unknown>
      if (!validate(settings)) {
        return {
          ok: false,
          errors: (validate.errors ?? []).map((e) => schemaError(e, metadata.name, schema)),
        }
      }
      const errors = rules(settings)
      return errors.length > 0 ? { ok: false, errors } : { ok: true, settings }
    },
  })
}

const HOST = /^[A-Za-z0-9._:%[\]-]+$/

function postgresRules(settings: Record<string, unknown>): WarehouseSettingsError[] {
  const s = settings as unknown as PostgresWarehouseSettings
  const errors: WarehouseSettingsError[] = []
  if (s.hostname.includes('://')) {
    errors.push({
      field: 'hostname',
      message: `must be a host name or IP address, not a URL (got "${s.hostname}"); put the port, database and user in their own settings`,
    })
  } else if (!HOST.test(s.hostname)) {
    errors.push({
      field: 'hostname',
      message: `must be a host name or IP address without spaces, "/" or "@" (got "${s.hostname}")`,
    })
  }
  if (postgresPort(s) === undefined) {
    errors.push({
      field: 'port',
      message: `must be a whole number from 1 to 65535 (got ${JSON.stringify(s.port)})`,
    })
  }
  for (const field of ['database', 'username'] as const) {
    if (Buffer.byteLength(s[field]) > 63 || s[field].includes('\0')) {
      errors.push({ field, message: 'must be at most 63 bytes, without NUL (PostgreSQL cuts longer names)' })
    }
  }
  return errors
}

/** The port as a number, or `undefined` when it is not one from 1 to 65535. */
export function postgresPort(settings: Pick<PostgresWarehouseSettings, 'port'>): number | undefined {
  const { port } = settings
  const n = typeof port === 'number' ? port : /^\d{1,5}$/.test(port) ? Number(port) : NaN
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined
}

const FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

function duckDbRules(settings: Record<string, unknown>): WarehouseSettingsError[] {
  const { file } = settings as unknown as DuckDbWarehouseSettings
  const segments = file.split('/')
  if (!segments.every((s) => FILE_SEGMENT.test(s)) || !file.endsWith('.duckdb')) {
    return [
      {
        field: 'file',
        message: `must be a path inside the data directory: names of letters, digits, ".", "_" and "-" (not starting with "."), separated by "/", ending in ".duckdb" (got "${file}")`,
      },
    ]
  }
  return []
}

function dataLakeRules(settings: Record<string, unknown>): WarehouseSettingsError[] {
  const { directory } = settings as unknown as DataLakeSettings
  if (!directory.split('/').every((s) => FILE_SEGMENT.test(s)))
    return [
      {
        field: 'directory',
        message: `must be a path inside the data directory: names of letters, digits, ".", "_" and "-" (not starting with "."), separated by "/" (got "${directory}")`,
      },
    ]
  return []
}

const POSTGRES = entry(
  'postgres',
  {
    id: POSTGRES_METADATA_ID,
    name: 'Postgres',
    slug: 'postgres',
    description:
      'Any PostgreSQL server Switchyard can reach (self-hosted, Amazon RDS, Heroku, Cloud SQL, …). Loaded in bulk with COPY.',
  },
  POSTGRES_SCHEMA,
  postgresRules,
)

const DUCKDB = entry(
  'duckdb',
  {
    id: DUCKDB_METADATA_ID,
    name: 'DuckDB',
    slug: 'duckdb',
    description:
      "An embedded DuckDB database file in Switchyard's data directory: a queryable warehouse with nothing else to install.",
  },
  DUCKDB_SCHEMA,
  duckDbRules,
)

/** The warehouse catalog, in the order it is listed. */
const DATA_LAKE = entry(
  'lake',
  {
    id: DATA_LAKE_METADATA_ID,
    name: 'Data Lake (Parquet)',
    slug: 'data-lake',
    description:
      'Parquet files in a directory, laid out as Segment Data Lakes lays out S3 (partitioned by source, event type, day and hour), with a JSON report per run. Read them with DuckDB, Spark, Athena or Trino.',
  },
  DATA_LAKE_SCHEMA,
  dataLakeRules,
)

export const WAREHOUSE_CATALOG: readonly WarehouseCatalogEntry[] = Object.freeze([
  POSTGRES,
  DUCKDB,
  DATA_LAKE,
])

export const findWarehouseEntry = (metadataId: string): WarehouseCatalogEntry | undefined =>
  WAREHOUSE_CATALOG.find((e) => e.metadata.id === metadataId)

export const findWarehouseEntryBySlug = (slug: string): WarehouseCatalogEntry | undefined =>
  WAREHOUSE_CATALOG.find((e) => e.metadata.slug === slug)

/** The loaders' TLS option for an SSL mode. */
function postgresSsl(mode: PostgresSslMode): PostgresSsl {
  switch (mode) {
    case 'require':
      return { rejectUnauthorized: false }
    case 'verify-full':
      return true
    default:
      return false
  }
}

/**
 * How the loaders reach a warehouse, from its type's engine and validated settings; DuckDB files are
 * resolved in `dataDir` (absolute). What a sync and a connection test open.
 */
export function warehouseConnection(
  engine: WarehouseEngine,
  settings: Readonly<Record<string, unknown>>,
  dataDir: string,
): WarehouseConnection {
  if (engine === 'duckdb') {
    return { engine, path: duckDbPath(settings as unknown as DuckDbWarehouseSettings, dataDir) }
  }
  const s = settings as unknown as PostgresWarehouseSettings
  return {
    engine,
    host: s.hostname,
    port: postgresPort(s) ?? 5432,
    database: s.database,
    user: s.username,
    ...(s.password !== undefined && { password: s.password }),
    ssl: postgresSsl(s.sslMode),
  }
}

/** Where a DuckDB warehouse's file is, for validated settings and the data directory (absolute). */
/** The lake's root directory (absolute). */
export function dataLakeRoot(settings: Readonly<Record<string, unknown>>, dataDir: string): string {
  return join(dataDir, (settings as unknown as DataLakeSettings).directory)
}

export function duckDbPath(settings: DuckDbWarehouseSettings, dataDir: string): string {
  return join(dataDir, settings.file)
}
