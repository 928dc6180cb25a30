/**
 * The one way destinations talk HTTP: `sendHttp` sends a fully built `HttpRequest` with `node:http(s)` and
 * answers with the status, headers and (a bounded sample of) the body, or throws one of the typed errors
 * below, which `retry-policy.ts` classifies with `instanceof`.
 *
 * Redirects are not followed: a 3xx is returned as it is. Following one would let a destination send
 * the request (with its credentials) to a host nobody configured, past any egress proxy.
 */

import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/** A request ready to send. Headers are sent as given; at most one entry per name, whatever its case. */
export interface HttpRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

export interface HttpResponse {
  status: number
  /** Response headers, names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>
  /** The body as UTF-8 text, cut after `maxBodyBytes` (a sample for Delivery Overview, not the payload). */
  body: string
  bodyTruncated: boolean
  /** From the start of the send until the body sample was read. */
  durationMs: number
}

export interface SendOptions {
  /** Gives up on the whole exchange (connect, send, response headers, body sample) after this long. */
  timeoutMs: number
  /** Aborts the send from outside (shutdown); the send then throws `AbortedError`. */
  signal?: AbortSignal
  /** Bytes of response body kept; default `DEFAULT_MAX_BODY_BYTES`. */
  maxBodyBytes?: number
}

/** Response body kept for samples: 16 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024

/** A send that produced no HTTP response. `code` is what Delivery Overview shows (`ECONNREFUSED`, …). */
export class HttpSendError extends Error {
  readonly code: string
  readonly durationMs: number
  constructor(message: string, code: string, durationMs: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.durationMs = durationMs
  }
}

/**
 * The connection failed or broke: DNS, refused, reset, TLS. `code` is the system, TLS or undici error code
 * (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, `UND_ERR_SOCKET`, …), `ENETWORK` when there is none.
 */
export class NetworkError extends HttpSendError {}

/** No complete answer within `timeoutMs` (code `ETIMEDOUT`). */
export class TimeoutError extends HttpSendError {}

/** The caller's `signal` aborted the send (code `ABORTED`); says nothing about the destination. */
export class AbortedError extends HttpSendError {}

/**
 * The request cannot be sent at all (code `INVALID_REQUEST`): not an absolute http(s) URL, credentials in
 * the URL, a malformed method or header, or a body on GET/HEAD.
 */
export class InvalidRequestError extends HttpSendError {}

/** Sets a header, replacing any entry with the same name in another case. Returns a new object. */
export function withHeader(
  headers: Record<string, string>,
  name: string,
  value: string,
): Record<string, string> {
  const lower = name.toLowerCase()
  const kept = Object.entries(headers).filter(([key]) => key.toLowerCase() !== lower)
  return Object.fromEntries([...kept, [name, value]])
}

/** The value of a header, whatever the case of its name. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase()
  return Object.entries(headers).find(([key]) => key.toLowerCase() === lower)?.[1]
}

/**
 * Connections are kept alive and reused per host: a destination receiving a steady flow pays for
 * connecting once, not per message. Node's `fetch` costs about three times as much CPU per request
 * (its web-streams body handling), which matters at thousands of deliveries a second.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, scheduling: 'lifo' } as const
const httpAgent = new HttpAgent(AGENT_OPTIONS)
const httpsAgent = new HttpsAgent(AGENT_OPTIONS)

export async function sendHttp(request: HttpRequest, options: SendOptions): Promise<HttpResponse> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`)
  const url = checkRequest(request)
  if (options.signal?.aborted) throw new AbortedError('send aborted before it started', 'ABORTED', 0)
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const body = Buffer.from(request.body, 'utf8')
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      outcome()
    }
    const fail = (error: HttpSendError) => {
      finish(() => reject(error))
      req.destroy()
    }
    const req = send(url, {
      method: request.method,
      headers: {
        ...request.headers,
        ...(body.length > 0 || !isBodiless(request.method) ? { 'Content-Length': String(body.length) } : {}),
      },
      agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
    })
    // Until the headers arrive a timeout fails the send; after that it ends the body sample early.
    let onTimeout = () =>
      fail(new TimeoutError(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT', elapsed()))
    const timer = setTimeout(() => onTimeout(), options.timeoutMs)
    const onAbort = () => fail(new AbortedError('send aborted', 'ABORTED', elapsed()))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    req.on('error', (error) => {
      const code = errorCode(error)
      fail(new NetworkError(describe(error, code), code ?? 'ENETWORK', elapsed(), { cause: error }))
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      let truncated = false
      const answer = () =>
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            headers: responseHeaders(res.headers),
            body: new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max)),
            bodyTruncated: truncated,
            durationMs: elapsed(),
          }),
        )
      res.on('data', (chunk: Buffer) => {
        if (truncated) return
        chunks.push(chunk)
        size += chunk.length
        if (size > max) {
          truncated = true
          // The status is what counts: answer now and drop the rest (and the connection with it).
          answer()
          res.destroy()
        }
      })
      onTimeout = () => {
        truncated = true
        answer()
        res.destroy()
      }
      res.on('end', answer)
      // A body that breaks off after the headers leaves the sample short instead of failing the send.
      res.on('error', () => {
        truncated = true
        answer()
      })
      res.on('aborted', () => {
        truncated = true
        answer()
      })
    })
    req.end(body)
  })
}

/** Names in lower case (Node gives them so), repeated headers joined with `, `. */
function responseHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return result
}

function checkRequest(request: HttpRequest): URL {
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    throw new InvalidRequestError(`not an absolute URL: ${request.url}`, 'INVALID_REQUEST', 0)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidRequestError(`not an http(s) URL: ${url.protocol}`, 'INVALID_REQUEST', 0)
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidRequestError('credentials in the URL are not sent; use a header', 'INVALID_REQUEST', 0)
  }
  if (!TOKEN.test(request.method)) {
    throw new InvalidRequestError(`not an HTTP method: ${request.method}`, 'INVALID_REQUEST', 0)
  }
  for (const [name, value] of Object.entries(request.headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw new InvalidRequestError(`invalid header ${JSON.stringify(name)}`, 'INVALID_REQUEST', 0)
    }
  }
  if (request.body !== '' && isBodiless(request.method)) {
    throw new InvalidRequestError(`a ${request.method} request cannot have a body`, 'INVALID_REQUEST', 0)
  }
  return url
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Whether `value` is an RFC 9110 token, as header names and methods must be. */
export const isToken = (value: string): boolean => TOKEN.test(value)

const isBodiless = (method: string) => ['GET', 'HEAD'].includes(method.toUpperCase())

/** The first `code` string on the error or its causes. */
function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>()
  let current: unknown = error
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current)
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown }
    if (typeof code === 'string') return code
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errorCode(errors[0])
      if (inner !== undefined) return inner
    }
    current = cause
  }
  return undefined
}

function describe(error: unknown, code: string | undefined): string {
  let current: unknown = error
  let message = error instanceof Error ? error.message : String(error)
  while (current instanceof Error && current.cause instanceof Error) {
    current = current.cause
    message = (current as Error).message || message
  }
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message
}
