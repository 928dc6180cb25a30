/**
 * The strict checks on Segment's consent event (Spec §5): a Track named "Segment Consent Preference Updated"
 * must carry `context.consent.categoryPreferences`, an object of category id → boolean, and a consent
 * `version`, when given, must be a number. Other messages are not checked here: a malformed consent object
 * on them is treated as "no consent" where consent is enforced, not rejected at ingest.
 */
import { describeType, isAbsent, isPlainObject } from './json.ts'
import { CONSENT_PREFERENCE_UPDATED_EVENT, type JsonObject } from './messages.ts'
import { reject, type MessageRejection } from './reject-reasons.ts'

const PREFERENCES_FIELD = 'context.consent.categoryPreferences'

export function validateConsent(message: JsonObject): MessageRejection | undefined {
  if (message.event !== CONSENT_PREFERENCE_UPDATED_EVENT) return undefined
  const consent = isPlainObject(message.context) ? message.context.consent : undefined
  const preferences = isPlainObject(consent) ? consent.categoryPreferences : undefined
  if (isAbsent(preferences)) {
    return reject(
      'consent_categorypreferences_should_exist',
      PREFERENCES_FIELD,
      `"${CONSENT_PREFERENCE_UPDATED_EVENT}" needs ${PREFERENCES_FIELD}`,
    )
  }
  if (!isPlainObject(preferences)) {
    return reject(
      'consent_categorypreferences_fields_should_be_object',
      PREFERENCES_FIELD,
      `${PREFERENCES_FIELD} must be an object, got ${describeType(preferences)}`,
    )
  }
  for (const [category, value] of Object.entries(preferences)) {
    if (typeof value !== 'boolean') {
      return reject(
        'consent_categorypreferences_fields_should_be_bool',
        `${PREFERENCES_FIELD}.${category}`,
        `consent for "${category}" must be true or false, got ${describeType(value)}`,
      )
    }
  }
  const version = isPlainObject(consent) ? consent.version : undefined
  if (!isAbsent(version) && (typeof version !== 'number' || !Number.isFinite(version))) {
    return reject(
      'consent_version_should_be_number',
      'context.consent.version',
      `context.consent.version must be a number, got ${describeType(version)}`,
    )
  }
  return undefined
}
