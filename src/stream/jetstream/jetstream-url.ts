/** How to reach NATS and which namespace to use, read from a `JetStreamConfig.url`. */
export interface NatsTarget {
  /** `nats://host:port` of each server, without credentials. */
  readonly servers: readonly string[]
  readonly user?: string
  readonly pass?: string
  /** A user name given without a password. */
  readonly token?: string
  /** Prefix of every stream and bucket name. */
  readonly namespace: string
  /** From `?replicas=`, when given. */
  readonly replicas?: number
}

export const DEFAULT_NAMESPACE = 'switchyard'

/** Letters, digits and `-`: no `_` (the separator in stream names), `.` or wildcards. */
const NAMESPACE = /^[A-Za-z0-9-]{1,32}$/

/**
 * Parses `nats://[user:password@]host:port[/namespace][?replicas=3]`, several separated by commas.
 * Throws a `TypeError` that never repeats a password.
 */
export function parseNatsUrl(url: string): NatsTarget {
  const parts = String(url)
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  if (parts.length === 0) throw new TypeError('NATS url is empty')
  const servers: string[] = []
  const namespaces = new Set<string>()
  const replicas = new Set<number>()
  let credentials: { user: string; pass: string } | undefined
  for (const part of parts) {
    let parsed: URL
    try {
      parsed = new URL(part)
    } catch {
      throw new TypeError('NATS url must look like nats://host:4222[/namespace]')
    }
    if (parsed.protocol !== 'nats:') throw new TypeError('NATS url must start with nats://')
    if (parsed.hostname === '') throw new TypeError('NATS url must name a host')
    servers.push(`nats://${parsed.host}`)
    if (parsed.username !== '') {
      credentials ??= {
        user: decodeURIComponent(parsed.username),
        pass: decodeURIComponent(parsed.password),
      }
    }
    const path = parsed.pathname.replace(/^\/+|\/+$/g, '')
    if (path !== '') namespaces.add(path)
    if (parsed.hash !== '') throw new TypeError('NATS url takes no fragment')
    for (const [name, value] of parsed.searchParams) {
      if (name !== 'replicas') throw new TypeError(`NATS url takes only ?replicas=, not ?${name}=`)
      const count = Number(value)
      if (!Number.isSafeInteger(count) || count < 1 || count > 5)
        throw new TypeError(`NATS url ?replicas= must be an integer from 1 to 5: ${value}`)
      replicas.add(count)
    }
  }
  if (replicas.size > 1) throw new TypeError('NATS urls name different replicas')
  if (namespaces.size > 1) throw new TypeError('NATS urls name different namespaces')
  const namespace = [...namespaces][0] ?? DEFAULT_NAMESPACE
  if (!NAMESPACE.test(namespace))
    throw new TypeError(`NATS namespace (the url's path) must match ${NAMESPACE.source}: ${namespace}`)
  const target = { servers, namespace, ...(replicas.size === 1 && { replicas: [...replicas][0]! }) }
  if (credentials === undefined) return target
  if (credentials.pass === '') return { ...target, token: credentials.user }
  return { ...target, user: credentials.user, pass: credentials.pass }
}

/** The url without its credentials, for messages and logs. */
export function describeNatsTarget(target: NatsTarget): string {
  return `${target.servers.join(',')}/${target.namespace}`
}
