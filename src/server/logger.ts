import pino, { type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from '../config/index.ts'

/** Paths whose values never reach a log line, whatever logs them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.bootstrapToken',
  '*.ownerTokenSecret',
  'config.secretKey',
  'config.bootstrapToken',
  'config.databaseUrl',
]

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}
