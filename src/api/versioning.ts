import { SwitchyardError } from '../errors/index.ts'

/** Segment's endpoint maturity versions, as named in `application/vnd.segment.<v>+json`. */
export type ApiVersion = 'v1' | 'v1beta' | 'v1alpha'
export const ALL_VERSIONS: readonly ApiVersion[] = ['v1', 'v1beta', 'v1alpha']

const ALIASES: Record<string, ApiVersion> = {
  v1: 'v1',
  stable: 'v1',
  v1beta: 'v1beta',
  beta: 'v1beta',
  v1alpha: 'v1alpha',
  alpha: 'v1alpha',
}

export interface Negotiation {
  /** The version that serves the request. */
  version: ApiVersion
  /** Content-Type of the response. */
  contentType: string
}

/**
 * Picks the version for a request from its `Accept` header and the versions the operation has.
 * Plain JSON (or no header) gets the most stable version available; a vendor media type asks for
 * one version, and when the operation lacks it, the most stable one it has answers (as Segment falls
 * back stable → beta → alpha). Media types we don't serve at all are refused with 406.
 */
export function negotiateVersion(accept: string | undefined, available: readonly ApiVersion[]): Negotiation {
  const fallback = available[0] ?? 'v1'
  if (accept === undefined || accept.trim() === '')
    return { version: fallback, contentType: 'application/json' }
  let plainJson = false
  const asked: ApiVersion[] = []
  for (const part of accept.split(',')) {
    const mediaType = part.split(';')[0]!.trim().toLowerCase()
    if (mediaType === 'application/json' || mediaType === '*/*' || mediaType === 'application/*') {
      plainJson = true
      continue
    }
    const vendor = /^application\/vnd\.segment\.([a-z0-9]+)\+json$/.exec(mediaType)
    const version = vendor ? ALIASES[vendor[1]!] : undefined
    if (version) asked.push(version)
  }
  const match = asked.find((v) => available.includes(v))
  if (match) return { version: match, contentType: `application/vnd.segment.${match}+json` }
  if (asked.length > 0) return { version: fallback, contentType: `application/vnd.segment.${fallback}+json` }
  if (plainJson) return { version: fallback, contentType: 'application/json' }
  throw new SwitchyardError(
    'SY_API_NOT_ACCEPTABLE',
    `Accept "${accept}" names no media type this API serves: use application/json or application/vnd.segment.v1+json (v1beta, v1alpha)`,
    { field: 'Accept' },
  )
}
