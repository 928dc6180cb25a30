/**
 * The one way destinations talk HTTP: `sendHttp` sends a fully built `HttpRequest` with Node's fetch and
 * answers with the status, headers and (a bounded sample of) the body, or throws one of the typed errors
 * below, which `retry-policy.ts` classifies with `instanceof`.
 *
 * Redirects are not followed: a 3xx is returned as it is. Following one would let a destination send
 * the request (with its credentials) to a host nobody configured, past any egress proxy.
 */

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

export async function sendHttp(request: HttpRequest, options: SendOptions): Promise<HttpResponse> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`)
  const url = checkRequest(request)
  if (options.signal?.aborted) throw new AbortedError('send aborted before it started', 'ABORTED', 0)

  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, options.timeoutMs)
  const onAbort = () => controller.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const failure = (error: unknown): HttpSendError => {
    if (timedOut) return new TimeoutError(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT', elapsed())
    if (options.signal?.aborted) {
      return new AbortedError('send aborted', 'ABORTED', elapsed(), { cause: error })
    }
    const code = errorCode(error)
    if (code?.startsWith('UND_ERR_') && code.endsWith('TIMEOUT')) {
      return new TimeoutError(`timed out (${code})`, 'ETIMEDOUT', elapsed(), { cause: error })
    }
    return new NetworkError(describe(error, code), code ?? 'ENETWORK', elapsed(), { cause: error })
  }

  try {
    let response: Response
    try {
      response = await fetch(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === '' && isBodiless(request.method) ? {} : { body: request.body }),
        redirect: 'manual',
        signal: controller.signal,
      })
    } catch (error) {
      throw failure(error)
    }
    const { text, truncated } = await readSample(response, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: text,
      bodyTruncated: truncated,
      durationMs: elapsed(),
    }
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  }
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

/**
 * Reads at most `max` bytes of the body. The status is what counts, so a body that breaks off (reset,
 * timeout) after the headers arrived leaves the sample short instead of failing the send.
 */
async function readSample(response: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
      if (size > max) {
        truncated = true
        break
      }
    }
  } catch {
    truncated = true
  } finally {
    reader.cancel().catch(() => undefined)
  }
  const bytes = Buffer.concat(chunks).subarray(0, max)
  return { text: new TextDecoder().decode(bytes), truncated }
}

/** The first `code` string on the error or its causes (fetch wraps socket errors as `TypeError: fetch failed`). */
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
