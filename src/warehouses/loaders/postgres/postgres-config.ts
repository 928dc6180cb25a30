/**
 * Settings of a PostgreSQL warehouse: a connection URL (`postgres://user:pass@host:5432/db?sslmode=require`)
 * or the same as separate fields, as the warehouse form asks for them.
 */

/**
 * TLS: `false` for none (the default, unless the URL has `sslmode`); `true` to require TLS and verify the
 * server's certificate; an object to pass a CA certificate or to accept any certificate
 * (`{ rejectUnauthorized: false }`, for self-signed servers on a trusted network).
 */
export type PostgresSsl = boolean | { readonly rejectUnauthorized?: boolean; readonly ca?: string }

interface PostgresCommonConfig {
  readonly ssl?: PostgresSsl
  /** Connections kept open; each load uses one. Default 4. */
  readonly poolSize?: number
  /** How long to wait for a connection before failing with a network error. Default 10,000 ms. */
  readonly connectTimeoutMs?: number
  /** Seen in `pg_stat_activity`. Default `switchyard-warehouse`. */
  readonly applicationName?: string
  /**
   * How long a load waits for another loader's lock on its schema (one loader loads a schema at a time)
   * before failing as transient. Default 60,000 ms.
   */
  readonly schemaLockTimeoutMs?: number
}

export interface PostgresUrlConfig extends PostgresCommonConfig {
  readonly url: string
}

export interface PostgresFieldsConfig extends PostgresCommonConfig {
  readonly host: string
  /** Default 5432. */
  readonly port?: number
  readonly database: string
  readonly user: string
  readonly password?: string
}

export type PostgresWarehouseConfig = PostgresUrlConfig | PostgresFieldsConfig

export const POSTGRES_DEFAULTS = Object.freeze({
  port: 5432,
  poolSize: 4,
  connectTimeoutMs: 10_000,
  applicationName: 'switchyard-warehouse',
})

/** `host:port/database`, without credentials, for messages and logs. */
export function postgresLocation(config: PostgresWarehouseConfig): string {
  if ('url' in config) {
    try {
      const url = new URL(config.url)
      return `${url.hostname}:${url.port || POSTGRES_DEFAULTS.port}${url.pathname}`
    } catch {
      return '(an invalid URL)'
    }
  }
  return `${config.host}:${config.port ?? POSTGRES_DEFAULTS.port}/${config.database}`
}
