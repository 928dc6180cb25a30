/**
 * Sandbox egress: in a sandboxed deployment, outbound delivery goes through one egress proxy instead of
 * straight to the destination (Destinations digest §3.5, "a configurable egress proxy"). `applyEgress`
 * rewrites a request for it: the proxy's origin and path prefix, then the original path and query; method,
 * headers and body unchanged; and `X-Switchyard-Original-Url` naming where the request was meant to go.
 *
 *   https://hooks.example.com/in/segment?key=1  via  http://egress.internal:8080/out
 *   → POST http://egress.internal:8080/out/in/segment?key=1
 *     X-Switchyard-Original-Url: https://hooks.example.com/in/segment?key=1
 */
import { withHeader, type HttpRequest } from './http.ts'

/** Names the request's real target (without its fragment) for the egress proxy. */
export const ORIGINAL_URL_HEADER = 'X-Switchyard-Original-Url'

/**
 * Why `egressUrl` cannot be used, or `undefined` when it can: an absolute http(s) URL without credentials,
 * query or fragment (they would be ambiguous beside the original request's).
 */
export function egressUrlProblem(egressUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(egressUrl)
  } catch {
    return 'egress URL must be an absolute URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'egress URL must use http or https'
  if (url.username !== '' || url.password !== '') return 'egress URL must not contain credentials'
  if (url.search !== '' || egressUrl.includes('?')) return 'egress URL must not have a query'
  if (url.hash !== '' || egressUrl.includes('#')) return 'egress URL must not have a fragment'
  return undefined
}

/** The request as sent through the egress proxy. Throws `TypeError` for an unusable egress or request URL. */
export function applyEgress(request: HttpRequest, egressUrl: string): HttpRequest {
  const problem = egressUrlProblem(egressUrl)
  if (problem !== undefined) throw new TypeError(`${problem}: ${egressUrl}`)
  const egress = new URL(egressUrl)
  let original: URL
  try {
    original = new URL(request.url)
  } catch {
    throw new TypeError(`request URL must be an absolute URL: ${request.url}`)
  }
  original.hash = ''
  const prefix = egress.pathname.replace(/\/+$/, '')
  return {
    method: request.method,
    url: `${egress.origin}${prefix}${original.pathname}${original.search}`,
    headers: withHeader(request.headers, ORIGINAL_URL_HEADER, original.href),
    body: request.body,
  }
}
