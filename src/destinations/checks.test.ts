import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MESSAGE_TYPES, type StoredMessage } from '../spec/index.ts'
import { DROP_REASONS, checkMessage, type DeliveryTarget, type DropReason } from './checks.ts'

const base = {
  messageId: 'm1',
  anonymousId: 'a1',
  receivedAt: '2024-01-01T00:00:00.000Z',
  timestamp: '2024-01-01T00:00:00.000Z',
}
const track = (fields: Record<string, unknown> = {}) =>
  ({ ...base, type: 'track', event: 'Order Completed', ...fields }) as StoredMessage
const withConsent = (categoryPreferences: unknown, fields: Record<string, unknown> = {}) =>
  track({ context: { consent: { categoryPreferences } }, ...fields })

const target = (name: string, consentCategories: string[] = [], extra: Partial<DeliveryTarget> = {}) => ({
  name,
  supportedTypes: MESSAGE_TYPES,
  consentCategories,
  ...extra,
})

const expectOutcome = (
  name: string,
  message: StoredMessage,
  t: DeliveryTarget,
  reason: DropReason | 'send',
) => {
  const result = checkMessage(message, t)
  assert.equal(result.send ? 'send' : result.reason, reason, name)
  if (!result.send) assert.ok(result.detail.length > 0, `${name}: detail`)
}

// Integrations object: Sources digest §2.3, seed guides/filtering-data ("Filtering with the Integrations Object").
test('integrations object: All, names, case, options objects, aliases', () => {
  const webhooks = target('Webhooks')
  const actions = target('Actions Amplitude', [], { aliases: ['Amplitude (Actions)'] })
  const cases: [string, unknown, DeliveryTarget, DropReason | 'send'][] = [
    ['no integrations object: default All true', undefined, webhooks, 'send'],
    ['empty integrations object', {}, webhooks, 'send'],
    ["explicit 'All': true", { All: true }, webhooks, 'send'],
    [
      "'All': false blocks destinations it does not name",
      { All: false },
      webhooks,
      'filtered_by_integrations_object',
    ],
    ['destination set false', { Webhooks: false }, webhooks, 'filtered_by_integrations_object'],
    [
      'destination false beats All true',
      { All: true, Webhooks: false },
      webhooks,
      'filtered_by_integrations_object',
    ],
    ['destination true beats All false', { All: false, Webhooks: true }, webhooks, 'send'],
    [
      'an options object counts as enabled (Appsflyer example)',
      { All: false, Webhooks: { appsflyerId: 'xxx' } },
      webhooks,
      'send',
    ],
    ['names are case-sensitive: "webhooks" is another destination', { webhooks: false }, webhooks, 'send'],
    [
      'case-sensitive: a lower-case true does not re-enable under All false',
      { All: false, webhooks: true },
      webhooks,
      'filtered_by_integrations_object',
    ],
    [
      'other destinations named false do not matter',
      { Mixpanel: false, Salesforce: false },
      webhooks,
      'send',
    ],
    [
      'null counts as not named (All decides)',
      { All: false, Webhooks: null },
      webhooks,
      'filtered_by_integrations_object',
    ],
    ['null under default All', { Webhooks: null }, webhooks, 'send'],
    ['only boolean false disables: "false" string', { Webhooks: 'false' }, webhooks, 'send'],
    ['All "false" string is not false', { All: 'false' }, webhooks, 'send'],
    ['Actions destination by definition name', { All: false, 'Actions Amplitude': true }, actions, 'send'],
    ['Actions destination by catalog name', { All: false, 'Amplitude (Actions)': true }, actions, 'send'],
    [
      'Actions: catalog name false',
      { 'Amplitude (Actions)': false },
      actions,
      'filtered_by_integrations_object',
    ],
    [
      'Actions: false on one name wins over true on the other',
      { 'Actions Amplitude': true, 'Amplitude (Actions)': false },
      actions,
      'filtered_by_integrations_object',
    ],
    ['Actions: the classic name is another destination', { Amplitude: false }, actions, 'send'],
    [
      'destination function named with its workspace',
      { All: false, 'My Destination Function (My Workspace)': true },
      target('My Destination Function (My Workspace)'),
      'send',
    ],
    [
      'inherited keys are not names',
      { All: false },
      target('constructor'),
      'filtered_by_integrations_object',
    ],
  ]
  for (const [name, integrations, t, outcome] of cases) {
    expectOutcome(name, track(integrations === undefined ? {} : { integrations }), t, outcome)
  }
})

// Consent routing rules: Privacy digest §12.2 (seed privacy/consent-management/consent-in-segment-connections).
test('consent: destinations mapped to categories need every category true', () => {
  const cases: [string, StoredMessage, string[], DropReason | 'send'][] = [
    ['no consent object: no enforcement', track(), ['Advertising'], 'send'],
    ['consent null: no enforcement', track({ context: { consent: null } }), ['Advertising'], 'send'],
    ['unmapped destination with consent all false', withConsent({ Advertising: false }), [], 'send'],
    ['unmapped destination with empty preferences', withConsent({}), [], 'send'],
    ['mapped, category true', withConsent({ Advertising: true, Analytics: false }), ['Advertising'], 'send'],
    [
      'mapped, category false',
      withConsent({ Advertising: false }),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    [
      'a category missing from categoryPreferences counts as false',
      withConsent({ Analytics: true }),
      ['Functional'],
      'filtered_by_end_user_consent',
    ],
    [
      'empty categoryPreferences: no mapped destination',
      withConsent({}),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    [
      'several categories: AND over them (one false)',
      withConsent({ Advertising: true, Analytics: false }),
      ['Advertising', 'Analytics'],
      'filtered_by_end_user_consent',
    ],
    [
      'several categories: all true',
      withConsent({ Advertising: true, Analytics: true }),
      ['Advertising', 'Analytics'],
      'send',
    ],
    [
      'a CMP category unknown to Segment affects nothing',
      withConsent({ advertising: false, Functional: true }),
      ['Functional'],
      'send',
    ],
    [
      'category ids are case-sensitive',
      withConsent({ advertising: true }),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    [
      'only true grants: "true" string',
      withConsent({ Advertising: 'true' }),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    [
      'malformed categoryPreferences fails closed',
      withConsent('all'),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    [
      'malformed consent object fails closed',
      track({ context: { consent: 'yes' } }),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    [
      'consent: {} without an integrations object: no enforcement (row 1)',
      track({ context: { consent: {} } }),
      ['Advertising'],
      'send',
    ],
    [
      'consent: {} with an empty integrations object: no enforcement (row 1)',
      track({ context: { consent: {} }, integrations: {} }),
      ['Advertising'],
      'send',
    ],
    [
      'consent: {} with an integrations object: mapped destinations get nothing (row 4)',
      track({ context: { consent: {} }, integrations: { Facebook: true, Amplitude: false } }),
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
    // §12.4: "Segment Consent Preference Updated" is delivered regardless of consent.
    [
      'Segment Consent Preference Updated ignores consent',
      withConsent({ Advertising: false }, { event: 'Segment Consent Preference Updated' }),
      ['Advertising'],
      'send',
    ],
    [
      'a page named like the consent event is still enforced',
      {
        ...withConsent({ Advertising: false }),
        type: 'page',
        name: 'Segment Consent Preference Updated',
      } as StoredMessage,
      ['Advertising'],
      'filtered_by_end_user_consent',
    ],
  ]
  for (const [name, message, categories, outcome] of cases)
    expectOutcome(name, message, target('Dest', categories), outcome)
})

// The reconciliation table, Privacy digest §12.2 ("Consent is evaluated first, then integrations").
// Advertising = Facebook + Google Ads; Analytics = Amplitude (rows 6-8) or Facebook + Amplitude (rows 9-11).
test('consent and integrations together: the reconciliation table', () => {
  const destinations = (facebook: string[]) => [
    target('Facebook', facebook),
    target('Google Ads', ['Advertising']),
    target('Amplitude', ['Analytics']),
    target('Mixpanel'),
  ]
  const adOnly = destinations(['Advertising'])
  const adAndAnalytics = destinations(['Advertising', 'Analytics'])
  const noMappings = adOnly.map((t) => ({ ...t, consentCategories: [] }))
  const fbOnAmpOff = { Facebook: true, Amplitude: false }
  const cases: [string, Record<string, unknown>, DeliveryTarget[], string[]][] = [
    ['row 1: no consent, no integrations', {}, adOnly, ['Facebook', 'Google Ads', 'Amplitude', 'Mixpanel']],
    [
      'row 2: empty categoryPreferences',
      { context: { consent: { categoryPreferences: {} } } },
      adOnly,
      ['Mixpanel'],
    ],
    [
      'row 3: no consent, integrations filter',
      { integrations: fbOnAmpOff },
      adOnly,
      ['Facebook', 'Google Ads', 'Mixpanel'],
    ],
    [
      'row 4: empty preferences with integrations',
      { context: { consent: { categoryPreferences: {} } }, integrations: fbOnAmpOff },
      adOnly,
      ['Mixpanel'],
    ],
    [
      'row 5: no mappings exist, integrations still apply',
      {
        context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } },
        integrations: fbOnAmpOff,
      },
      noMappings,
      ['Facebook', 'Google Ads', 'Mixpanel'],
    ],
    [
      'row 6: ad true, analytics false',
      { context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } } },
      adOnly,
      ['Facebook', 'Google Ads', 'Mixpanel'],
    ],
    [
      'row 7: Google Ads absent from integrations still flows',
      {
        context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } },
        integrations: fbOnAmpOff,
      },
      adOnly,
      ['Facebook', 'Google Ads', 'Mixpanel'],
    ],
    [
      'row 8: integrations turn Facebook off',
      {
        context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } },
        integrations: { Facebook: false, Amplitude: false },
      },
      adOnly,
      ['Google Ads', 'Mixpanel'],
    ],
    [
      'row 9: Facebook needs both categories',
      {
        context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } },
        integrations: fbOnAmpOff,
      },
      adAndAnalytics,
      ['Google Ads', 'Mixpanel'],
    ],
    [
      'row 10: both true, Amplitude blocked by integrations',
      {
        context: { consent: { categoryPreferences: { Advertising: true, Analytics: true } } },
        integrations: fbOnAmpOff,
      },
      adAndAnalytics,
      ['Facebook', 'Google Ads', 'Mixpanel'],
    ],
    [
      'row 11: ad false: nothing mapped',
      {
        context: { consent: { categoryPreferences: { Advertising: false, Analytics: true } } },
        integrations: fbOnAmpOff,
      },
      adAndAnalytics,
      ['Mixpanel'],
    ],
  ]
  for (const [name, fields, targets, receivers] of cases) {
    const message = track(fields)
    const got = targets.filter((t) => checkMessage(message, t).send).map((t) => t.name)
    assert.deepEqual(got, receivers, name)
  }
})

// Unsupported event type: Destinations digest §2.1 ("Method compatibility").
test('unsupported event types', () => {
  const trackOnly = target('Track Tool', [], { supportedTypes: ['track'] })
  const cases: [string, StoredMessage, DropReason | 'send'][] = [
    ['supported type', track(), 'send'],
    [
      'alias to a track-only destination',
      { ...base, type: 'alias', previousId: 'p' } as StoredMessage,
      'unsupported_event_type',
    ],
    [
      'identify to a track-only destination',
      { ...base, type: 'identify' } as StoredMessage,
      'unsupported_event_type',
    ],
  ]
  for (const [name, message, outcome] of cases) expectOutcome(name, message, trackOnly, outcome)
})

// Order: consent, then the integrations object (§12.2), then the event type, which the integrations object
// can pre-empt (seed connections/destinations/destination-filters FAQ).
test('checks run in order: consent, integrations object, event type', () => {
  const t = target('Track Tool', ['Advertising'], { supportedTypes: ['track'] })
  const identify = (fields: Record<string, unknown>) =>
    ({ ...base, type: 'identify', ...fields }) as StoredMessage
  const refused = { context: { consent: { categoryPreferences: { Advertising: false } } } }
  const cases: [string, StoredMessage, DropReason][] = [
    [
      'all three fail: consent first',
      identify({ ...refused, integrations: { 'Track Tool': false } }),
      'filtered_by_end_user_consent',
    ],
    [
      'integrations and type fail: integrations first',
      identify({ integrations: { All: false } }),
      'filtered_by_integrations_object',
    ],
    ['only the type fails', identify({}), 'unsupported_event_type'],
  ]
  for (const [name, message, reason] of cases) expectOutcome(name, message, t, reason)
})

test('every drop reason is documented with Segment spelling', () => {
  for (const [code, info] of Object.entries(DROP_REASONS)) {
    assert.match(code, /^[a-z_]+$/)
    assert.equal(info.segmentReason, code.toUpperCase())
    assert.ok(info.label.length > 0 && info.description.length > 0)
  }
})
