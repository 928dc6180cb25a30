/**
 * Masking of personal data for principals without PII access (spec 60 §6.5: "without it, detected
 * PII in the app (e.g. debugger) is masked"). Modelled on the Privacy Portal's default matchers:
 * fields are masked by name anywhere under `traits`, `properties` and `context` (at any depth), and
 * string values that look like an email, a phone number, a card number or a US SSN are masked
 * wherever they are. `context.ip` is masked. Ids (`userId`, `anonymousId`, `messageId`) are kept:
 * the debugger is useless without them, and they are pseudonymous.
 */

export const MASK = '[masked]'

/** Field names (lower case, without `_`, `-` and spaces) whose values are personal data. */
const PII_KEYS = new Set([
  'email',
  'emailaddress',
  'phone',
  'phonenumber',
  'mobile',
  'mobilephone',
  'firstname',
  'lastname',
  'fullname',
  'address',
  'street',
  'streetaddress',
  'addressline1',
  'addressline2',
  'postalcode',
  'zip',
  'zipcode',
  'ssn',
  'socialsecuritynumber',
  'birthday',
  'birthdate',
  'dateofbirth',
  'dob',
  'creditcard',
  'creditcardnumber',
  'cardnumber',
  'cvv',
  'password',
  'passport',
  'passportnumber',
  'driverslicense',
  'ip',
  'ipaddress',
])

/** Only in traits: `name` of a person (in `properties`, `name` is usually a page or product name). */
const TRAIT_ONLY_KEYS = new Set(['name'])

const normaliseKey = (key: string) => key.toLowerCase().replace(/[\s_-]/g, '')

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g
const CARD = /\b(?:\d[ -]?){13,19}\b/g
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g
const PHONE = /\+?\(?\d{1,4}\)?[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b/g

/** Masks PII-looking runs inside a string (emails, card numbers, SSNs, phone numbers). */
export function maskString(value: string): string {
  return value.replace(EMAIL, MASK).replace(SSN, MASK).replace(CARD, MASK).replace(PHONE, MASK)
}

function maskValue(value: unknown, inTraits: boolean): unknown {
  if (typeof value === 'string') return maskString(value)
  if (Array.isArray(value)) return value.map((v) => maskValue(v, inTraits))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      const k = normaliseKey(key)
      const traits = inTraits || k === 'traits'
      out[key] = PII_KEYS.has(k) || (traits && TRAIT_ONLY_KEYS.has(k)) ? MASK : maskValue(v, traits)
    }
    return out
  }
  return value
}

/** A copy of a Segment message with its personal data masked (the message itself is untouched). */
export function maskMessage<T>(message: T): T {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return message
  const out: Record<string, unknown> = { ...(message as Record<string, unknown>) }
  for (const field of ['traits', 'properties', 'context']) {
    if (field in out) out[field] = maskValue(out[field], field === 'traits')
  }
  // Ids are kept, unless they are personal data themselves (an email as userId).
  for (const field of ['userId', 'anonymousId', 'previousId', 'groupId']) {
    if (typeof out[field] === 'string') out[field] = maskString(out[field])
  }
  return out as T
}

/**
 * Masks JSON text (possibly cut short): parsed and masked when it parses (as a Segment message, or
 * with `any`, as any JSON, every field by name), otherwise masked as text, PII-named fields'
 * string values included.
 */
export function maskJsonText(text: string, kind: 'message' | 'any' = 'message'): string {
  try {
    const parsed: unknown = JSON.parse(text)
    const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    return JSON.stringify(kind === 'message' && isObject ? maskMessage(parsed) : maskValue(parsed, false))
  } catch {
    return maskString(
      text.replace(/"([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.)*)"/g, (whole, key: string) =>
        PII_KEYS.has(normaliseKey(key)) ? `"${key}":"${MASK}"` : whole,
      ),
    )
  }
}

/** A delivery sample's request or answer with its body (and URL) masked. */
export function maskExchange<T extends { body: string; url?: string }>(
  exchange: T | undefined,
): T | undefined {
  if (!exchange) return exchange
  return {
    ...exchange,
    body: maskJsonText(exchange.body, 'any'),
    ...(typeof exchange.url === 'string' && { url: maskString(exchange.url) }),
  }
}
