/**
 * Every HTTP request an Actions definition makes goes through actions-core's request client, which
 * calls the `fetch` of its own `fetch` module. The bridge puts Switchyard's sender there, so that an
 * Actions destination's requests get what the classic Webhook's get: sandbox egress, the keep-alive
 * agents of `http.ts`, and every request and answer captured for Delivery Overview samples and the
 * event tester.
 *
 * Which delivery a request belongs to travels in a header (`x-switchyard-call`) that each driver's
 * `extendRequest` adds and the bridge removes before sending. Requests without it (none are expected)
 * are sent as they are.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { applyEgress } from '../egress.ts'
import { sendHttp, type HttpRequest } from '../http.ts'
import { classifyError, classifyResponse } from '../retry-policy.ts'
import { maskSecret } from '../settings-secrets.ts'
import type { Exchange } from '../driver.ts'

const require = createRequire(import.meta.url)

export const CALL_HEADER = 'x-switchyard-call'

/** Bytes of an answer handed to the definition (which may parse it); samples keep less. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024
/** A sample keeps this much of an answer's body. */
const SAMPLE_BYTES = 16 * 1024
/**
 * Actions requests time out after `ACTIONS_REQUEST_TIMEOUT_MS` (set by the driver through
 * actions-core); this only catches a sender that never ends, well inside a delivery's lease.
 */
const BACKSTOP_TIMEOUT_MS = 14_000

/** Where a call's requests go and where their exchanges are kept. */
export interface CallScope {
  egressUrl?: string
  readonly exchanges: Exchange[]
  now: () => number
  /** Secret values (API keys, tokens), read when an exchange is captured and masked wherever they appear. */
  redact?: () => readonly string[]
}

/** The forms a secret takes in a URL, a form body or a JSON string, besides its own. */
function secretForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])]
}

/** Token fields in an OAuth token endpoint's answer (their values are new, so no list knows them). */
const TOKEN_FIELDS = /("(?:access_token|refresh_token|id_token)"\s*:\s*")([^"]*)(")/g

/** Text with every form of every secret masked, and OAuth token fields masked. */
export function maskSecretsIn(text: string, secrets: readonly string[]): string {
  let masked = text
  for (const secret of secrets) {
    if (secret.length < 4) continue
    for (const form of secretForms(secret)) masked = masked.replaceAll(form, maskSecret(secret))
  }
  return masked.replace(
    TOKEN_FIELDS,
    (_, open: string, value: string, close: string) => `${open}${maskSecret(value)}${close}`,
  )
}

/** A captured request with every secret value in its URL, headers and body masked. */
export function redactRequest(request: HttpRequest, secrets: readonly string[]): HttpRequest {
  const mask = (text: string) => maskSecretsIn(text, secrets)
  return {
    method: request.method,
    url: mask(request.url),
    headers: Object.fromEntries(Object.entries(request.headers).map(([n, v]) => [n, mask(v)])),
    body: mask(request.body),
  }
}

const scopes = new Map<string, CallScope>()
let nextScope = 0

/** Opens a scope for one call; close it with `closeScope` when the call is over. */
export function openScope(scope: CallScope): string {
  const id = `c${++nextScope}`
  scopes.set(id, scope)
  return id
}

export const closeScope = (id: string): void => void scopes.delete(id)

interface FetchModule {
  default: (request: NodeFetchRequest) => Promise<unknown>
  Response: new (
    body: string,
    init: { status: number; statusText?: string; headers: Record<string, string>; url: string },
  ) => unknown
}

interface NodeFetchRequest {
  url: string
  method: string
  headers: { forEach(fn: (value: string, name: string) => void): void }
  signal?: AbortSignal | null
  text(): Promise<string>
}

let installed = false

/** Puts the bridge in place (idempotent). Call before any Actions definition runs. */
export function installFetchBridge(): void {
  if (installed) return
  installed = true
  const fetchModule = require(
    join(dirname(require.resolve('@segment/actions-core')), 'fetch.js'),
  ) as FetchModule
  const { Response } = fetchModule
  fetchModule.default = async (original: NodeFetchRequest) => {
    const headers: Record<string, string> = {}
    let scopeId: string | undefined
    original.headers.forEach((value, name) => {
      if (name === CALL_HEADER) scopeId = value
      else headers[name] = value
    })
    const scope = scopeId === undefined ? undefined : scopes.get(scopeId)
    const method = original.method.toUpperCase()
    const body = method === 'GET' || method === 'HEAD' ? '' : await original.text()
    const request: HttpRequest = { method, url: original.url, headers, body }
    const sent = scope?.egressUrl !== undefined ? applyEgress(request, scope.egressUrl) : request
    const signal = original.signal ?? undefined
    try {
      const response = await sendHttp(sent, {
        timeoutMs: BACKSTOP_TIMEOUT_MS,
        maxBodyBytes: MAX_RESPONSE_BYTES,
        ...(signal && { signal }),
      })
      if (scope) {
        const secrets = scope.redact?.() ?? []
        const sample = response.body.slice(0, SAMPLE_BYTES)
        scope.exchanges.push({
          request: redactRequest(sent, secrets),
          response: {
            ...response,
            body: maskSecretsIn(sample, secrets),
            bodyTruncated: response.bodyTruncated || response.body.length > SAMPLE_BYTES,
          },
          outcome: classifyResponse(response, scope.now()),
        })
      }
      return new Response(response.body, {
        status: response.status,
        headers: response.headers,
        // The definition sees the URL it asked for, whatever egress did.
        url: original.url,
      })
    } catch (error) {
      scope?.exchanges.push({
        request: redactRequest(sent, scope.redact?.() ?? []),
        response: undefined,
        outcome: classifyError(error),
      })
      throw error
    }
  }
}
