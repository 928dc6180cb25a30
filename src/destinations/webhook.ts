/**
 * The classic Webhooks destination (Segment catalog id `54521fdc25e721e32a72ef04`), as data plus request
 * building. Segment's behaviour (its "Webhooks Destination" page):
 *
 * - every message is POSTed as JSON to each configured webhook, up to five, each with its own headers;
 *   `User-Agent: Segment.io/1.0`, `Content-Type: application/json`;
 * - with a `sharedSecret`, `X-Signature` is the hex HMAC-SHA1 of the body with that secret;
 * - the endpoint must answer within 5 seconds, or the attempt times out and is retried;
 * - a message is delivered once any webhook accepts it; the others are not retried;
 * - deletion requests are forwarded as `{"type": "delete", "userId", "timestamp"}`;
 * - the integrations object calls it "Webhooks".
 *
 * Settings keep Segment's names (`hooks[].hook`, `hooks[].headers[].key/value`, `sharedSecret`, and the
 * legacy single `globalHook`), so settings exported from Segment load unchanged. `enableBatching` and
 * `batchSize` are Switchyard's: with batching on, one request carries a JSON array of messages.
 */
import { createHmac } from 'node:crypto'
import { Ajv, type ErrorObject } from 'ajv'
import { MESSAGE_TYPES, type StoredMessage } from '../spec/index.ts'
import { isToken, withHeader, type HttpRequest } from './http.ts'
import type { AttemptOutcome } from './retry-policy.ts'

export interface WebhookHeader {
  key: string
  value: string
}

export interface WebhookHook {
  /** The webhook URL; an empty one is ignored (Segment's form stores empty rows). */
  hook: string
  /** Extra headers; rows with an empty key are ignored. */
  headers?: WebhookHeader[]
}

export interface WebhookSettings {
  /** Up to five webhooks. */
  hooks?: WebhookHook[]
  /** Segment's older single URL, used only when no hook has a URL. */
  globalHook?: string
  /** Signs every request: `X-Signature` = hex HMAC-SHA1 of the body. Empty means unsigned. */
  sharedSecret?: string
  /** Send several messages per request, as a JSON array. Default false. */
  enableBatching?: boolean
  /** Messages per request when batching, 1–1000. Default 100. */
  batchSize?: number
}

/** Headers that Switchyard sets itself or that would break the request if a user set them. */
const RESERVED_HEADERS = [
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'x-signature',
  'x-switchyard-original-url',
]

const MAX_HOOKS = 5
const MAX_BATCH_SIZE = 1000
const DEFAULT_BATCH_SIZE = 100

/** The settings as JSON Schema: validation here, and the settings form (titles, descriptions, defaults). */
export const WEBHOOK_SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hooks: {
      title: 'Webhooks (max 5)',
      description: 'Each message is sent to every webhook URL here, with that webhook’s headers.',
      type: 'array',
      maxItems: MAX_HOOKS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['hook'],
        properties: {
          hook: { title: 'Webhook URL', type: 'string', maxLength: 2048 },
          headers: {
            title: 'Headers',
            type: 'array',
            maxItems: 50,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['key', 'value'],
              properties: {
                key: { title: 'Header name', type: 'string', maxLength: 256 },
                value: { title: 'Header value', type: 'string', maxLength: 8192 },
              },
            },
          },
        },
      },
    },
    globalHook: {
      title: 'Webhook URL (legacy)',
      description: 'A single webhook URL, used only when no webhook above has a URL.',
      type: 'string',
      maxLength: 2048,
    },
    sharedSecret: {
      title: 'Shared Secret',
      description:
        'When set, each request carries X-Signature: the hex HMAC-SHA1 of its body with this secret.',
      type: 'string',
      maxLength: 1024,
      writeOnly: true,
    },
    enableBatching: {
      title: 'Batch messages',
      description: 'Send up to "Batch size" messages per request, as a JSON array.',
      type: 'boolean',
      default: false,
    },
    batchSize: {
      title: 'Batch size',
      type: 'integer',
      minimum: 1,
      maximum: MAX_BATCH_SIZE,
      default: DEFAULT_BATCH_SIZE,
    },
  },
} as const

/** The destination as data, for the catalog and the delivery runtime. */
export const WEBHOOK_DESTINATION = Object.freeze({
  /** The name in the integrations object (and the catalog). */
  name: 'Webhooks',
  slug: 'webhooks',
  /** Segment's catalog id, so Public API clients find the same destination. */
  metadataId: '54521fdc25e721e32a72ef04',
  supportedTypes: MESSAGE_TYPES,
  maxHooks: MAX_HOOKS,
  /** Segment's documented limit for a webhook's answer. */
  timeoutMs: 5_000,
  userAgent: 'Segment.io/1.0',
  settingsSchema: WEBHOOK_SETTINGS_SCHEMA,
})

export interface SettingsError {
  /** Dotted path of the setting (`hooks.0.headers.1.key`). */
  field: string
  message: string
}

export type WebhookSettingsResult =
  { ok: true; settings: WebhookSettings } | { ok: false; errors: SettingsError[] }

const validateSchema = new Ajv({ allErrors: true, strict: true }).compile(WEBHOOK_SETTINGS_SCHEMA)

/** Checks settings against the schema and the rules it cannot express; every error names its field. */
export function validateWebhookSettings(value: unknown): WebhookSettingsResult {
  if (!validateSchema(value)) return { ok: false, errors: (validateSchema.errors ?? []).map(schemaError) }
  const settings = value as WebhookSettings
  const errors: SettingsError[] = []
  const hooks = settings.hooks ?? []
  hooks.forEach((hook, i) => {
    if (hook.hook.trim() !== '') checkUrl(hook.hook, `hooks.${i}.hook`, errors)
    checkHeaders(hook.headers ?? [], `hooks.${i}.headers`, errors)
  })
  if (settings.globalHook !== undefined && settings.globalHook.trim() !== '') {
    checkUrl(settings.globalHook, 'globalHook', errors)
  }
  if (resolveHooks(settings).length === 0) {
    errors.push({ field: 'hooks', message: 'needs at least one webhook URL' })
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings }
}

function schemaError(error: ErrorObject): SettingsError {
  const path = error.instancePath.split('/').filter(Boolean)
  const { missingProperty, additionalProperty } = error.params as Record<string, unknown>
  if (typeof missingProperty === 'string') path.push(missingProperty)
  if (typeof additionalProperty === 'string') {
    path.push(additionalProperty)
    return { field: path.join('.'), message: 'is not a setting of this destination' }
  }
  return { field: path.join('.'), message: error.message ?? 'is invalid' }
}

function checkUrl(value: string, field: string, errors: SettingsError[]) {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    errors.push({ field, message: 'must be an absolute URL' })
    return
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    errors.push({ field, message: 'must be an http or https URL' })
  }
}

function checkHeaders(headers: WebhookHeader[], field: string, errors: SettingsError[]) {
  const seen = new Set<string>()
  headers.forEach(({ key, value }, i) => {
    const name = key.trim()
    if (name === '') return
    const problem = headerNameProblem(name, seen)
    if (problem !== undefined) errors.push({ field: `${field}.${i}.key`, message: problem })
    seen.add(name.toLowerCase())
    if (/[\r\n\0]/.test(value)) {
      errors.push({ field: `${field}.${i}.value`, message: 'must not contain line breaks or NUL' })
    }
  })
}

function headerNameProblem(name: string, seen: Set<string>): string | undefined {
  if (!isToken(name)) return 'is not a valid header name'
  if (RESERVED_HEADERS.includes(name.toLowerCase()))
    return `${name} is set by Switchyard and cannot be changed`
  if (seen.has(name.toLowerCase())) return `${name} is given twice`
  return undefined
}

/** One webhook to call: where, and the headers it adds (already cleaned). */
interface ResolvedHook {
  /** Position in `hooks` (0 for `globalHook`). */
  index: number
  url: string
  headers: Record<string, string>
}

/**
 * The webhooks to call: those in `hooks` with a URL, else `globalHook`. Reserved headers are skipped even
 * when the settings were not validated. Credentials in a URL
 * (`https://user:pass@host/…`) become a Basic `Authorization` header (fetch refuses them in the URL)
 * unless the webhook sets its own `Authorization`.
 */
function resolveHooks(settings: WebhookSettings): ResolvedHook[] {
  const listed = (settings.hooks ?? [])
    .map((hook, index) => ({ index, hook }))
    .filter(({ hook }) => hook.hook.trim() !== '')
    .slice(0, MAX_HOOKS)
  const hooks =
    listed.length > 0
      ? listed
      : settings.globalHook !== undefined && settings.globalHook.trim() !== ''
        ? [{ index: 0, hook: { hook: settings.globalHook } }]
        : []
  return hooks.map(({ index, hook }) => {
    let headers: Record<string, string> = {}
    for (const { key, value } of hook.headers ?? []) {
      const name = key.trim()
      if (name !== '' && !RESERVED_HEADERS.includes(name.toLowerCase())) {
        headers = withHeader(headers, name, value)
      }
    }
    let url = hook.hook.trim()
    const parsed = URL.canParse(url) ? new URL(url) : undefined
    if (parsed !== undefined && (parsed.username !== '' || parsed.password !== '')) {
      const credentials = `${decodeComponent(parsed.username)}:${decodeComponent(parsed.password)}`
      parsed.username = ''
      parsed.password = ''
      url = parsed.href
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
        headers = withHeader(headers, 'Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
      }
    }
    return { index, url, headers }
  })
}

/** A webhook request, with what the runtime needs to map its outcome back. */
export interface WebhookRequest extends HttpRequest {
  /** Position of the webhook in `settings.hooks` (0 for `globalHook`). */
  hookIndex: number
  /** The messages the body carries, in order. */
  messageIds: string[]
}

/**
 * The requests for `messages`: for each webhook, one request per message, or with `enableBatching` one per
 * `batchSize` messages whose body is a JSON array of them. Bodies are `JSON.stringify` output, so a
 * receiver that re-serializes the parsed body (Segment's verification example) gets the signed bytes.
 */
export function buildWebhookRequests(
  messages: readonly StoredMessage[],
  settings: WebhookSettings,
): WebhookRequest[] {
  const groups = settings.enableBatching
    ? chunk(messages, clampBatchSize(settings.batchSize)).map((group) => ({
        body: JSON.stringify(group),
        messageIds: group.map((m) => m.messageId),
      }))
    : messages.map((m) => ({ body: JSON.stringify(m), messageIds: [m.messageId] }))
  return resolveHooks(settings).flatMap((hook) =>
    groups.map(({ body, messageIds }) => ({
      ...post(hook, body, settings.sharedSecret),
      hookIndex: hook.index,
      messageIds,
    })),
  )
}

/** A deletion request forwarded to every webhook (Privacy digest §8.3): `{type: "delete", userId, timestamp}`. */
export function buildWebhookDeleteRequests(
  deletion: { userId: string; timestamp: string },
  settings: WebhookSettings,
): HttpRequest[] {
  const body = JSON.stringify({ type: 'delete', userId: deletion.userId, timestamp: deletion.timestamp })
  return resolveHooks(settings).map((hook) => post(hook, body, settings.sharedSecret))
}

/** Hex HMAC-SHA1 of the body's UTF-8 bytes: the `X-Signature` header. */
export function webhookSignature(body: string, sharedSecret: string): string {
  return createHmac('sha1', sharedSecret).update(body, 'utf8').digest('hex')
}

/**
 * One message's outcome across its webhooks: delivered if any webhook accepted it (Segment does not retry
 * the others); else a retry if any webhook's failure is retryable (waiting the longest `Retry-After`), and
 * only the retryable webhooks need sending again; else the first permanent failure.
 */
export function combineHookOutcomes(outcomes: readonly AttemptOutcome[]): AttemptOutcome {
  const delivered = outcomes.find((o) => o.kind === 'delivered')
  if (delivered) return delivered
  const retries = outcomes.filter((o) => o.kind === 'retry')
  if (retries.length > 0) {
    const waits = retries.map((r) => r.retryAfterMs).filter((ms): ms is number => ms !== undefined)
    const first = retries[0]!
    return waits.length > 0 ? { ...first, retryAfterMs: Math.max(...waits) } : first
  }
  const drop = outcomes[0]
  if (drop === undefined) throw new RangeError('combineHookOutcomes needs at least one outcome')
  return drop
}

function post(hook: ResolvedHook, body: string, sharedSecret: string | undefined): HttpRequest {
  let headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': WEBHOOK_DESTINATION.userAgent,
  }
  for (const [name, value] of Object.entries(hook.headers)) headers = withHeader(headers, name, value)
  if (sharedSecret !== undefined && sharedSecret !== '') {
    headers = withHeader(headers, 'X-Signature', webhookSignature(body, sharedSecret))
  }
  return { method: 'POST', url: hook.url, headers, body }
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

const clampBatchSize = (size: number | undefined) =>
  size === undefined || !Number.isFinite(size)
    ? DEFAULT_BATCH_SIZE
    : Math.min(MAX_BATCH_SIZE, Math.max(1, Math.floor(size)))

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}
