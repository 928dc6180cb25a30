import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats'
import type { JetStreamConfig } from '../stream-config.ts'
import { JetStreamNames } from './jetstream-names.ts'
import { describeNatsTarget, parseNatsUrl } from './jetstream-url.ts'

/** What every part of the adapter shares: one connection, its JetStream handles, names and settings. */
export interface JetStreamContext {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly names: JetStreamNames
  readonly replicas: number
  /** For publish acknowledgements, API calls, and as the grace after a pull's own expiry. */
  readonly timeoutMs: number
  /** Where, without credentials, for messages. */
  readonly where: string
}

export const DEFAULT_TIMEOUT_MS = 5000

/**
 * Connects and checks that JetStream answers. The connection reconnects on its own for as long as
 * the stream is open; calls made while it is down fail after `timeoutMs`.
 */
export async function connectJetStream(config: JetStreamConfig): Promise<JetStreamContext> {
  const target = parseNatsUrl(config.url)
  const replicas = config.replicas ?? target.replicas ?? 1
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > 5)
    throw new RangeError(`stream replicas must be an integer from 1 to 5: ${replicas}`)
  if (!(timeoutMs >= 1)) throw new RangeError(`stream timeoutMs must be ≥ 1: ${timeoutMs}`)
  const where = describeNatsTarget(target)
  let nc: NatsConnection
  try {
    nc = await connect({
      servers: [...target.servers],
      name: `switchyard stream ${target.namespace}`,
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
      ...(target.user !== undefined && { user: target.user, pass: target.pass }),
      ...(target.token !== undefined && { token: target.token }),
    })
  } catch (e) {
    throw new Error(`cannot connect to NATS at ${where}: ${(e as Error).message}`, { cause: e })
  }
  try {
    const jsm = await nc.jetstreamManager({ timeout: timeoutMs })
    const js = nc.jetstream({ timeout: timeoutMs })
    return { nc, js, jsm, names: new JetStreamNames(target.namespace), replicas, timeoutMs, where }
  } catch (e) {
    await nc.close().catch(() => {})
    throw new Error(
      `NATS at ${where} has no JetStream (start nats-server with -js): ${(e as Error).message}`,
      {
        cause: e,
      },
    )
  }
}

/** The JetStream API error code of a failed call (10059 stream not found, 10071 wrong last sequence…). */
export function apiErrorCode(error: unknown): number | undefined {
  const apiError = (error as { api_error?: { err_code?: unknown } } | undefined)?.api_error
  return typeof apiError?.err_code === 'number' ? apiError.err_code : undefined
}

export const STREAM_NOT_FOUND = 10059
export const STREAM_NAME_IN_USE = 10058
export const WRONG_LAST_SEQUENCE = 10071
export const NO_MESSAGE_FOUND = 10037
export const CONSUMER_NOT_FOUND = 10014
/** Deleting a message that is gone already. */
export const SEQUENCE_NOT_FOUND = 10043
