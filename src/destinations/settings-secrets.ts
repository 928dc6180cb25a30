/**
 * Secrets in destination settings and in delivery samples: which values are secret, how they are
 * masked when shown, and how a masked value sent back (a client that reads settings, changes one field
 * and writes them all back) is replaced by the stored secret. Pure.
 *
 * A mask is `••••••••` followed by the last four characters for secrets of 16 characters or more,
 * `••••••••` alone for shorter ones (showing the end of a short secret gives too much of it away).
 */

/** A secret setting: a dotted path into the settings, and whether it is a whole value or a URL. */
export interface SecretSetting {
  /** Dotted path (`sharedSecret`, `hooks.0.headers.1.value`). */
  path: string
  /** `value`: the whole string is secret. `url`: only its password and secret-looking query values. */
  kind: 'value' | 'url'
}

export const MASK = '••••••••'

/** The masked form of a secret. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `${MASK}${value.slice(-4)}` : MASK
}

const containsMask = (value: string) => value.includes('•') || value.includes('%E2%80%A2')

/** Header names whose values are credentials (case-insensitive). */
const SECRET_NAME =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-signature)$|token|secret|passw|api[-_]?key|apikey|(^|[-_])key($|[-_])|auth|signature|session|credential|private/i

export const isSecretName = (name: string): boolean => SECRET_NAME.test(name.trim())

/** Headers with the values of secret ones masked. */
export function maskHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, isSecretName(name) ? maskSecret(value) : value]),
  )
}

/** A URL with its password and the values of secret-looking query parameters masked; other text as is. */
export function maskUrl(text: string): string {
  if (!URL.canParse(text)) return text
  const url = new URL(text)
  let changed = false
  if (url.password !== '') {
    url.password = 'MASKED'
    changed = true
  }
  for (const [name, value] of [...url.searchParams]) {
    if (isSecretName(name) && value !== '') {
      url.searchParams.set(name, 'MASKED')
      changed = true
    }
  }
  return changed ? url.href.replaceAll('MASKED', MASK) : text
}

/**
 * The secret settings declared by a JSON Schema: top-level properties marked `writeOnly` or with
 * `format: "password"` (how Actions definitions mark theirs once converted).
 */
export function schemaSecrets(schema: { properties: Readonly<Record<string, object>> }): SecretSetting[] {
  return Object.entries(schema.properties)
    .map(([path, p]) => [path, p as { writeOnly?: boolean; format?: string }] as const)
    .filter(([, p]) => p.writeOnly === true || p.format === 'password')
    .map(([path]) => ({ path, kind: 'value' as const }))
}

/**
 * Secrets found in the settings themselves: in each list of `{key, value}` headers named by
 * `headerLists`, the values of secret headers; each string at `urls` that is a URL (its password and
 * secret query values). Paths may use `*` for any array index or key.
 */
export function settingsSecrets(
  settings: Readonly<Record<string, unknown>>,
  where: { headerLists?: readonly string[]; urls?: readonly string[] },
): SecretSetting[] {
  const found: SecretSetting[] = []
  for (const pattern of where.headerLists ?? []) {
    for (const [path, list] of expand(settings, pattern)) {
      if (!Array.isArray(list)) continue
      list.forEach((header: unknown, i) => {
        const key = isObject(header) ? header.key : undefined
        if (typeof key === 'string' && isSecretName(key))
          found.push({ path: `${path}.${i}.value`, kind: 'value' })
      })
    }
  }
  for (const pattern of where.urls ?? []) {
    for (const [path, value] of expand(settings, pattern)) {
      if (typeof value === 'string' && (maskUrl(value) !== value || containsMask(value)))
        found.push({ path, kind: 'url' })
    }
  }
  return found
}

const maskOf = (secret: SecretSetting, value: string) =>
  secret.kind === 'url' ? maskUrl(value) : maskSecret(value)

/** A copy of `settings` with every secret masked. */
export function maskSettings(
  settings: Readonly<Record<string, unknown>>,
  secrets: readonly SecretSetting[],
): Record<string, unknown> {
  const copy = structuredClone(settings) as Record<string, unknown>
  for (const secret of secrets) {
    const value = getAt(copy, secret.path)
    if (typeof value === 'string' && value !== '') setAt(copy, secret.path, maskOf(secret, value))
  }
  return copy
}

export type RestoreResult =
  | { ok: true; settings: Record<string, unknown> }
  | { ok: false; errors: { field: string; message: string }[] }

/**
 * Puts the stored secrets back where `incoming` carries their masks. `secrets` are the secret settings
 * of `incoming`. A masked value that is not the mask of what is stored at the same place is refused:
 * the client must send the secret itself.
 */
export function restoreSecrets(
  incoming: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
  secrets: readonly SecretSetting[],
): RestoreResult {
  const settings = structuredClone(incoming) as Record<string, unknown>
  const errors: { field: string; message: string }[] = []
  for (const secret of secrets) {
    const value = getAt(settings, secret.path)
    if (typeof value !== 'string' || !containsMask(value)) continue
    const before = getAt(stored, secret.path)
    if (typeof before === 'string' && maskOf(secret, before) === value) setAt(settings, secret.path, before)
    else
      errors.push({
        field: secret.path,
        message: 'is a masked value that does not match the stored secret; send the secret itself',
      })
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings }
}

function expand(root: unknown, pattern: string): [string, unknown][] {
  let found: [string, unknown][] = [['', root]]
  for (const part of pattern.split('.')) {
    const next: [string, unknown][] = []
    for (const [path, value] of found) {
      const join = (key: string) => (path === '' ? key : `${path}.${key}`)
      if (part === '*') {
        if (Array.isArray(value)) value.forEach((v, i) => next.push([join(String(i)), v]))
        else if (isObject(value)) for (const [k, v] of Object.entries(value)) next.push([join(k), v])
      } else if (isObject(value) && Object.hasOwn(value, part)) {
        next.push([join(part), value[part]])
      }
    }
    found = next
  }
  return found
}

function getAt(root: unknown, path: string): unknown {
  let value = root
  for (const part of path.split('.')) {
    if (Array.isArray(value)) value = value[Number(part)]
    else if (isObject(value) && Object.hasOwn(value, part)) value = value[part]
    else return undefined
  }
  return value
}

function setAt(root: Record<string, unknown>, path: string, replacement: unknown): void {
  const parts = path.split('.')
  let value: unknown = root
  for (const part of parts.slice(0, -1)) value = (value as Record<string, unknown>)[part]
  ;(value as Record<string, unknown>)[parts.at(-1)!] = replacement
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
