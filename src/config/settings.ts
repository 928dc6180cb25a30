/**
 * Every setting Switchyard reads, declared once: environment variable, CLI flag, default and
 * description. The README's configuration table is checked against this list by a test.
 */
export const ROLES = ['ingest', 'worker', 'control'] as const
export type Role = (typeof ROLES)[number]

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface SettingSpec<T> {
  readonly env: string
  readonly flag: string
  readonly default: T
  readonly description: string
  /** Secret settings never appear in error messages or logs (prefer the environment to flags for them). */
  readonly secret?: boolean
  /** Turns the raw text into the value, or throws `Error` with a message that states the rule. */
  parse(raw: string): T
}

const setting = <T>(spec: SettingSpec<T>): SettingSpec<T> => Object.freeze(spec)

const text = (raw: string): string => raw

const port = (raw: string): number => {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n > 65535) throw new Error('must be a port number from 0 to 65535')
  return n
}

const positiveInt = (raw: string): number => {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < 1 || !Number.isSafeInteger(n))
    throw new Error('must be a whole number above 0')
  return n
}

const nonNegativeInt = (raw: string): number => {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error('must be a whole number, 0 or more')
  return n
}

const nonNegativeNumber = (raw: string): number => {
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new Error('must be a number, 0 or more (such as 240 or 0.5)')
  return Number(raw)
}

const positiveNumber = (raw: string): number => {
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0)
    throw new Error('must be a number above 0 (such as 12 or 0.5)')
  return Number(raw)
}

const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (raw: string): T => {
    if (!(allowed as readonly string[]).includes(raw)) throw new Error(`must be one of ${allowed.join(', ')}`)
    return raw as T
  }

const roles = (raw: string): readonly Role[] => {
  const list = raw
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  if (list.length === 0) throw new Error(`must name at least one of ${ROLES.join(', ')}`)
  const parseRole = oneOf(ROLES)
  return Object.freeze([...new Set(list.map(parseRole))])
}

const databaseUrl = (raw: string): string | undefined => {
  if (raw === '') return undefined
  if (!/^postgres(ql)?:\/\//.test(raw))
    throw new Error('must start with postgres:// (leave unset for SQLite)')
  return raw
}

const streamUrl = (raw: string): string | undefined => {
  if (raw === '') return undefined
  if (!/^nats:\/\//.test(raw))
    throw new Error('must start with nats:// (leave unset for the embedded stream)')
  return raw
}

const bootstrapToken = (raw: string): string | undefined => {
  if (raw === '') return undefined
  if (raw.length < 20) throw new Error('must be at least 20 characters long')
  if (!/^[\x21-\x7e]+$/.test(raw)) throw new Error('must be printable ASCII without spaces')
  return raw
}

const optionalText = (raw: string): string | undefined => (raw === '' ? undefined : raw)

export const SETTINGS = {
  dataDir: setting({
    env: 'SWITCHYARD_DATA_DIR',
    flag: 'data-dir',
    default: './data',
    description: 'Directory for embedded storage (SQLite, stream, DuckDB) and the generated secret key.',
    parse: text,
  }),
  host: setting({
    env: 'SWITCHYARD_HOST',
    flag: 'host',
    default: '127.0.0.1',
    description: 'Address both ports listen on. Use 0.0.0.0 to accept connections from other machines.',
    parse: text,
  }),
  ingestPort: setting({
    env: 'SWITCHYARD_INGEST_PORT',
    flag: 'ingest-port',
    default: 8080,
    description: 'Port of the collector: Tracking API, pixel, analytics.js settings and bundle.',
    parse: port,
  }),
  controlPort: setting({
    env: 'SWITCHYARD_CONTROL_PORT',
    flag: 'control-port',
    default: 8081,
    description: 'Port of the web app, the Public API (`/api`) and `/metrics`. Keep it off the internet.',
    parse: port,
  }),
  databaseUrl: setting<string | undefined>({
    env: 'SWITCHYARD_DATABASE_URL',
    flag: 'database-url',
    default: undefined,
    description:
      'Control-plane database. `postgres://…` selects PostgreSQL; unset means SQLite in the data dir.',
    secret: true,
    parse: databaseUrl,
  }),
  streamUrl: setting<string | undefined>({
    env: 'SWITCHYARD_STREAM_URL',
    flag: 'stream-url',
    default: undefined,
    description:
      'Event stream. `nats://host:4222[/namespace]` selects NATS JetStream, shared by all processes naming that namespace; unset means embedded.',
    secret: true,
    parse: streamUrl,
  }),
  streamDurability: setting<'full' | 'normal'>({
    env: 'SWITCHYARD_STREAM_DURABILITY',
    flag: 'stream-durability',
    default: 'full',
    description:
      'Embedded stream: `full` makes every acknowledged event survive power loss (fsync per group commit); `normal` survives a process crash only.',
    parse: oneOf(['full', 'normal'] as const),
  }),
  streamMaxBacklog: setting({
    env: 'SWITCHYARD_STREAM_MAX_BACKLOG',
    flag: 'stream-max-backlog',
    default: 5_000_000,
    description:
      'Events waiting in the stream above which ingest answers 503 with `Retry-After` instead of accepting more.',
    parse: positiveInt,
  }),
  streamMinFreeDiskMb: setting({
    env: 'SWITCHYARD_STREAM_MIN_FREE_DISK_MB',
    flag: 'stream-min-free-disk-mb',
    default: 1024,
    description: 'Free space (MB) that must remain on the data dir’s disk; below it ingest answers 503.',
    parse: positiveInt,
  }),
  bootstrapToken: setting<string | undefined>({
    env: 'SWITCHYARD_BOOTSTRAP_TOKEN',
    flag: 'bootstrap-token',
    default: undefined,
    description:
      "On first start, the secret of the default workspace's owner API token (at least 20 characters). Unset: a random token is printed once.",
    secret: true,
    parse: bootstrapToken,
  }),
  secretKey: setting<string | undefined>({
    env: 'SWITCHYARD_SECRET_KEY',
    flag: 'secret-key',
    default: undefined,
    description:
      'Key that encrypts stored credentials (any string of 32+ characters). Unset: generated once into `<data dir>/secret.key`.',
    secret: true,
    parse: (raw) => {
      if (raw !== '' && raw.length < 32) throw new Error('must be at least 32 characters long')
      return optionalText(raw)
    },
  }),
  roles: setting<readonly Role[]>({
    env: 'SWITCHYARD_ROLES',
    flag: 'roles',
    default: ROLES,
    description: 'Comma-separated roles this process runs: ingest, worker, control.',
    parse: roles,
  }),
  trustedProxies: setting<string | undefined>({
    env: 'SWITCHYARD_TRUSTED_PROXIES',
    flag: 'trusted-proxies',
    default: undefined,
    description:
      'Comma-separated addresses or CIDR ranges of proxies in front of the ingest port. Only then is `X-Forwarded-For` used for `context.ip`.',
    parse: optionalText,
  }),
  logLevel: setting<LogLevel>({
    env: 'SWITCHYARD_LOG_LEVEL',
    flag: 'log-level',
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    parse: oneOf(LOG_LEVELS),
  }),
  apiRateLimit: setting({
    env: 'SWITCHYARD_API_RATE_LIMIT',
    flag: 'api-rate-limit',
    default: 3000,
    description: 'Public API requests per minute allowed per token (per address before authentication).',
    parse: positiveInt,
  }),
  shutdownTimeoutMs: setting({
    env: 'SWITCHYARD_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    default: 10_000,
    description: 'How long a stop may wait for in-flight work before the process exits anyway.',
    parse: positiveInt,
  }),
  deliveryRetryWindowMinutes: setting({
    env: 'SWITCHYARD_DELIVERY_RETRY_WINDOW_MINUTES',
    flag: 'delivery-retry-window-minutes',
    default: 240,
    description:
      'How long failed deliveries are retried before the message is dead-lettered (decimals allowed; 0 dead-letters at the first retryable failure).',
    parse: nonNegativeNumber,
  }),
  deliveryRetryBaseMs: setting({
    env: 'SWITCHYARD_DELIVERY_RETRY_BASE_MS',
    flag: 'delivery-retry-base-ms',
    default: 5000,
    description: 'First back-off step of delivery retries; each later step doubles, up to 20 minutes.',
    parse: positiveInt,
  }),
  lineageRetentionDays: setting({
    env: 'SWITCHYARD_LINEAGE_RETENTION_DAYS',
    flag: 'lineage-retention-days',
    default: 7,
    description: 'Days the per-message lineage (stages and delivery outcomes) is kept; 0 records none.',
    parse: nonNegativeInt,
  }),
  archiveRetentionDays: setting({
    env: 'SWITCHYARD_ARCHIVE_RETENTION_DAYS',
    flag: 'archive-retention-days',
    default: 30,
    description:
      'Days archived messages are kept for the debugger, lookups and replay; older ones are pruned. 0 keeps them forever.',
    parse: nonNegativeInt,
  }),
  auditRetentionDays: setting({
    env: 'SWITCHYARD_AUDIT_RETENTION_DAYS',
    flag: 'audit-retention-days',
    default: 90,
    description: 'Days audit trail events are kept; older ones are pruned. 0 keeps them forever.',
    parse: nonNegativeInt,
  }),
  auditForwardSourceId: setting<string | undefined>({
    env: 'SWITCHYARD_AUDIT_FORWARD_SOURCE_ID',
    flag: 'audit-forward-source-id',
    default: undefined,
    description:
      "Id of a source that receives its workspace's audit trail as Track calls (docs/audit-trail.md). Unset: nothing is forwarded.",
    parse: optionalText,
  }),
  sessionHours: setting({
    env: 'SWITCHYARD_SESSION_HOURS',
    flag: 'session-hours',
    default: 12,
    description:
      'How long a web app login lasts, however busy (decimals allowed). Log out and log out everywhere end sessions sooner.',
    parse: positiveNumber,
  }),
  sessionIdleMinutes: setting({
    env: 'SWITCHYARD_SESSION_IDLE_MINUTES',
    flag: 'session-idle-minutes',
    default: 120,
    description: 'A web session unused this long ends (decimals allowed); 0 turns the idle timeout off.',
    parse: nonNegativeNumber,
  }),
  sessionCookieSecure: setting({
    env: 'SWITCHYARD_SESSION_COOKIE_SECURE',
    flag: 'session-cookie-secure',
    default: 'auto' as 'auto' | 'always',
    description:
      '`auto` marks the session cookie `Secure` when the request came over HTTPS; `always` marks it so every time (set it behind a TLS-terminating proxy).',
    parse: oneOf(['auto', 'always'] as const),
  }),
  loginLockoutAttempts: setting({
    env: 'SWITCHYARD_LOGIN_LOCKOUT_ATTEMPTS',
    flag: 'login-lockout-attempts',
    default: 10,
    description:
      'Failed logins in a row after which an account is locked (an address: five times as many); docs/iam.md.',
    parse: positiveInt,
  }),
  loginLockoutMinutes: setting({
    env: 'SWITCHYARD_LOGIN_LOCKOUT_MINUTES',
    flag: 'login-lockout-minutes',
    default: 15,
    description: 'How long a locked account or address must wait before logging in again (decimals allowed).',
    parse: positiveNumber,
  }),
  loginDelayMs: setting({
    env: 'SWITCHYARD_LOGIN_DELAY_MS',
    flag: 'login-delay-ms',
    default: 1000,
    description:
      'Wait imposed after the third failed login in a row; it doubles with each further failure until the lock-out.',
    parse: nonNegativeInt,
  }),
  defaultWarehouse: setting({
    env: 'SWITCHYARD_DEFAULT_WAREHOUSE',
    flag: 'default-warehouse',
    default: 'duckdb' as 'duckdb' | 'none',
    description:
      'The warehouse a fresh install creates: `duckdb` (data/warehouse.duckdb, every source connected) or `none`. Read on the very first start only.',
    parse: oneOf(['duckdb', 'none'] as const),
  }),
} as const

export type SettingName = keyof typeof SETTINGS
