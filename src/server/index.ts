export { startSwitchyard, openMigratedStore, databaseTarget, type Switchyard } from './runtime.ts'
export { createHttpServer, type HttpServerOptions, type ServerName } from './http-server.ts'
export { createMetrics, type Metrics } from './metrics.ts'
export { createLogger, REDACTED_PATHS } from './logger.ts'
