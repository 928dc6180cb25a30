/**
 * Segment's checks before a message is sent to one destination, in Segment's order:
 *
 * 1. **Consent** (`context.consent.categoryPreferences` against the destination's consent categories).
 *    "Segment will look at the consent object first, and then take into account the integrations object"
 *    (Privacy digest §12.2, seed `privacy/consent-management/consent-in-segment-connections`).
 * 2. **The `integrations` object** (Sources digest §2.3, seed `guides/filtering-data`).
 * 3. **Unsupported event type.** It runs after the integrations object, because Segment tells users to
 *    silence "unsupported event type" errors with the integrations object (seed
 *    `connections/destinations/destination-filters`, FAQ), and before destination filters (Destinations
 *    digest §5.2), which the runtime applies next.
 *
 * Pure: the caller gives the message and what it knows about the destination instance.
 */
import { CONSENT_PREFERENCE_UPDATED_EVENT, type MessageType, type StoredMessage } from '../spec/index.ts'

/** What the checks need to know about one destination instance. */
export interface DeliveryTarget {
  /**
   * The name the `integrations` object uses for the destination (case-sensitive): the catalog name for a
   * classic destination (`"Webhooks"`), the definition name for an Actions destination (`"Actions
   * Amplitude"`), `"<function name> (<workspace name>)"` for a destination function. Every instance of a
   * destination shares it: the integrations object cannot address one instance.
   */
  name: string
  /**
   * Other names the `integrations` object may use for the same destination. Segment accepts an Actions
   * destination under its definition name or its catalog name ("Refer to it as Actions Amplitude, or
   * Amplitude (Actions) in the Integrations object").
   */
  aliases?: readonly string[]
  /** Message types the destination accepts. */
  supportedTypes: readonly MessageType[]
  /** Ids of the consent categories the destination is mapped to; empty when it is not mapped to any. */
  consentCategories: readonly string[]
}

/** Metadata of one drop reason: how Delivery Overview shows it, and what it means. */
export interface DropReasonInfo {
  /** Segment's spelling of the reason in Delivery Overview ("Filtered at destination"). */
  segmentReason: string
  /** The label shown to users. */
  label: string
  /** What happened and what the user can do about it. */
  description: string
}

/**
 * Why `checkMessage` keeps a message from a destination. Codes are stable (they are stored with delivery
 * metrics and shown in Delivery Overview): Segment's reason names in Switchyard's snake_case. Each is
 * counted at Delivery Overview's "Filtered at destination" step.
 */
export const DROP_REASONS = {
  /**
   * The message carries a consent object, the destination is mapped to consent categories, and at least
   * one of them is not `true` in `context.consent.categoryPreferences` (a category missing there counts as
   * not consented).
   */
  filtered_by_end_user_consent: {
    segmentReason: 'FILTERED_BY_END_USER_CONSENT',
    label: 'Filtered by end user consent',
    description:
      'The end user did not consent to every category this destination is mapped to. ' +
      'Change the mapping under consent settings, or fix the consent object the source sends.',
  },
  /**
   * The `integrations` object turns the destination off: its name (or an alias) is `false`, or `All` is
   * `false` and the destination is not named with `true` or an options object.
   */
  filtered_by_integrations_object: {
    segmentReason: 'FILTERED_BY_INTEGRATIONS_OBJECT',
    label: 'Filtered by integrations object',
    description:
      'The message\'s integrations object turns this destination off (its name set to false, or "All": false ' +
      'without naming it). Names are case-sensitive.',
  },
  /** A destination filter dropped the message (or sampled it out). */
  filtered_by_destination_filter: {
    segmentReason: 'FILTERED_BY_DESTINATION_FILTER',
    label: 'Filtered by destination filter',
    description:
      "One of the destination's filters dropped the message. Preview the filter against the message " +
      'with the filter preview endpoint to see which condition matched.',
  },
  /** An Actions destination has no enabled mapping whose trigger matches the message. */
  no_matching_mapping: {
    segmentReason: 'NO_MATCHING_MAPPING',
    label: 'No matching mapping',
    description:
      'No enabled mapping of this Actions destination has a trigger that matches the message. ' +
      'Add or enable a mapping, or widen its trigger.',
  },
  /** The destination does not accept this message type (for example an Alias for a Track-only tool). */
  unsupported_event_type: {
    segmentReason: 'UNSUPPORTED_EVENT_TYPE',
    label: 'Unsupported event type',
    description:
      'The destination does not accept this type of call. To stop such messages reaching it, ' +
      'use the integrations object; destination filters run after this check.',
  },
} as const satisfies Record<string, DropReasonInfo>

export type DropReason = keyof typeof DROP_REASONS

export type CheckResult = { send: true } | { send: false; reason: DropReason; detail: string }

const SEND: CheckResult = Object.freeze({ send: true })

/** Runs the checks in Segment's order and returns the first that drops the message, or `{ send: true }`. */
export function checkMessage(message: StoredMessage, target: DeliveryTarget): CheckResult {
  return (
    checkConsent(message, target) ??
    checkIntegrations(message, target) ??
    checkEventType(message, target) ??
    SEND
  )
}

type Drop = Extract<CheckResult, { send: false }>

const drop = (reason: DropReason, detail: string): Drop => ({ send: false, reason, detail })

/**
 * Consent (Privacy digest §12.2, §12.4):
 * - a destination mapped to no category receives everything, with or without a consent object;
 * - a message without a consent object is not enforced;
 * - a mapped destination receives the message only if every one of its categories is `true`; a category
 *   missing from `categoryPreferences` counts as `false`, so `categoryPreferences: {}` reaches no mapped
 *   destination;
 * - "Segment Consent Preference Updated" is delivered regardless of consent: it carries the change itself.
 */
function checkConsent(message: StoredMessage, target: DeliveryTarget): Drop | undefined {
  if (target.consentCategories.length === 0) return undefined
  if (message.type === 'track' && message.event === CONSENT_PREFERENCE_UPDATED_EVENT) return undefined
  const preferences = readCategoryPreferences(message)
  if (preferences === undefined) return undefined
  const refused = target.consentCategories.filter((category) => preferences[category] !== true)
  if (refused.length === 0) return undefined
  const list = refused.map((category) => `"${category}"`).join(', ')
  return drop('filtered_by_end_user_consent', `no consent for ${list}`)
}

/**
 * The message's category preferences, or `undefined` when consent is not enforced for it.
 *
 * - No `context.consent` (absent or `null`): not enforced.
 * - `context.consent` without `categoryPreferences` (`consent: {}`): not enforced when the message has no
 *   (or an empty) integrations object, but counts as all categories refused when it has one. This is the
 *   inconsistency in Segment's reconciliation table (rows 1 and 4), replicated as documented.
 * - A `consent` or `categoryPreferences` that is not an object: all categories refused (fail closed; ingest
 *   validates the consent object strictly only on "Segment Consent Preference Updated").
 */
function readCategoryPreferences(message: StoredMessage): Record<string, unknown> | undefined {
  const consent = isObject(message.context) ? message.context.consent : undefined
  if (consent === undefined || consent === null) return undefined
  if (!isObject(consent)) return {}
  const preferences = consent.categoryPreferences
  if (preferences === undefined || preferences === null) {
    return isObject(message.integrations) && Object.keys(message.integrations).length > 0 ? {} : undefined
  }
  return isObject(preferences) ? preferences : {}
}

/**
 * The integrations object (Sources digest §2.3; seed `guides/filtering-data`):
 * - `All` is the default for destinations it does not name, and defaults to `true`;
 * - a destination's own key overrides `All`: `false` turns it off, `true` or an options object turns it on;
 * - keys are case-sensitive;
 * - a destination known under several names (Actions: definition and catalog name) is off if any of its
 *   names is `false`, else on if any is named, else `All` decides (analytics.js's rule for Actions
 *   destinations, which fails closed).
 *
 * Only a JSON `false` turns a destination off; `null` counts as not named.
 */
function checkIntegrations(message: StoredMessage, target: DeliveryTarget): Drop | undefined {
  const integrations = message.integrations
  if (!isObject(integrations)) return undefined
  const names = [target.name, ...(target.aliases ?? [])]
  const values = names.map((name) => (Object.hasOwn(integrations, name) ? integrations[name] : undefined))
  const off = names.find((_, i) => values[i] === false)
  if (off !== undefined) return drop('filtered_by_integrations_object', `integrations["${off}"] is false`)
  if (values.some((value) => value !== undefined && value !== null)) return undefined
  if (integrations.All === false) {
    return drop(
      'filtered_by_integrations_object',
      `integrations.All is false and "${target.name}" is not named`,
    )
  }
  return undefined
}

function checkEventType(message: StoredMessage, target: DeliveryTarget): Drop | undefined {
  if (target.supportedTypes.includes(message.type)) return undefined
  return drop('unsupported_event_type', `"${target.name}" does not accept ${message.type} calls`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
