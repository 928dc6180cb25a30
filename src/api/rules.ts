import { SwitchyardError } from '../errors/index.ts'

/**
 * Field rules shared by resources, each throwing `SY_API_VALIDATION` with the field and the rule.
 * Structure and types are checked by the route's JSON schema; these are the rules a schema
 * message would state badly.
 */
const SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/

export function checkSlug(slug: string, field = 'slug'): string {
  if (!SLUG.test(slug)) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `${field} must be 1 to 100 lowercase letters, digits, "_" or "-", starting with a letter or digit (got "${slug}")`,
      { field },
    )
  }
  return slug
}

export function checkName(name: string, field = 'name'): string {
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new SwitchyardError('SY_API_VALIDATION', `${field} must be 1 to 200 characters, not only spaces`, {
      field,
    })
  }
  return trimmed
}
