/**
 * The little of RFC 6265 the web session needs: reading one request's `Cookie` header and writing
 * `Set-Cookie`. Pure functions (no Fastify cookie plugin is installed).
 */

/**
 * The cookies of a `Cookie` header by name. Pairs without `=` are skipped, values keep their
 * bytes (surrounding double quotes removed; no percent-decoding: our values are base64url), and
 * the first of a repeated name wins, as browsers send the most specific cookie first.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const name = part.slice(0, eq).trim()
    let value = part.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    if (name && !cookies.has(name)) cookies.set(name, value)
  }
  return cookies
}

export interface CookieAttributes {
  /** Seconds until the browser drops it; 0 deletes it now. Omitted: a browser-session cookie. */
  maxAge?: number
  path?: string
  httpOnly?: boolean
  secure?: boolean
  sameSite?: 'Strict' | 'Lax' | 'None'
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/

/** One `Set-Cookie` header value. Throws on a name or value that the header can't carry. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  if (!TOKEN.test(name)) throw new Error(`invalid cookie name ${JSON.stringify(name)}`)
  if (!VALUE.test(value)) throw new Error(`invalid value for cookie ${name}`)
  const parts = [`${name}=${value}`]
  if (attributes.maxAge !== undefined) {
    const maxAge = Math.max(0, Math.floor(attributes.maxAge))
    parts.push(`Max-Age=${maxAge}`)
    if (maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT')
  }
  if (attributes.path) parts.push(`Path=${attributes.path}`)
  if (attributes.httpOnly) parts.push('HttpOnly')
  if (attributes.secure) parts.push('Secure')
  if (attributes.sameSite) parts.push(`SameSite=${attributes.sameSite}`)
  return parts.join('; ')
}
