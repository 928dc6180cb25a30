/**
 * Catalog entries for Segment's Actions destinations, made from the catalog file's records: the
 * Public API's `DestinationMetadataV1` (actions with their fields, presets), settings validated by
 * actions-core's own schema validation (the same the runtime applies), and the secret settings.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import {
  destinationLogoPath,
  optionsFromSchema,
  supportedMethods,
  type DestinationCatalogEntry,
  type DestinationMetadata,
  type DestinationSettingsResult,
} from '../catalog.ts'
import { destinationCategories } from '../categories.ts'
import { schemaSecrets, type SecretSetting } from '../settings-secrets.ts'
import { MESSAGE_TYPES } from '../../spec/index.ts'
import type { ActionRecord, DefinitionRecord } from './catalog-record.ts'

const require = createRequire(import.meta.url)

/** A stable id for an action of a definition (Segment's are opaque; ours are derived, so they never change). */
export const actionId = (metadataId: string, slug: string): string =>
  createHash('sha256').update(`${metadataId}/${slug}`).digest('hex').slice(0, 24)

/** OAuth tokens kept in an instance's `oauth` setting; never shown. */
const OAUTH_SECRETS: SecretSetting[] = ['access_token', 'refresh_token', 'clientSecret', 'client_secret'].map(
  (name) => ({ path: `oauth.${name}`, kind: 'value' }),
)

const FIELD_TYPES = new Set([
  'boolean',
  'datetime',
  'hidden',
  'integer',
  'number',
  'object',
  'password',
  'string',
  'text',
])

/** Segment's `DestinationMetadataActionV1`. */
export function actionMetadata(metadataId: string, slug: string, action: ActionRecord) {
  return {
    id: actionId(metadataId, slug),
    slug,
    name: action.title,
    description: action.description,
    platform: action.platform.toUpperCase(),
    hidden: action.hidden,
    defaultTrigger: action.defaultSubscription,
    fields: Object.entries(action.fields).map(([fieldKey, field], sortOrder) => ({
      id: actionId(metadataId, `${slug}/${fieldKey}`),
      sortOrder,
      fieldKey,
      label: field.label,
      type: FIELD_TYPES.has(field.type) ? field.type.toUpperCase() : 'STRING',
      description: field.description,
      ...(field.placeholder !== undefined && { placeholder: field.placeholder }),
      ...(field.default !== undefined && { defaultValue: field.default }),
      required: field.required,
      multiple: field.multiple,
      ...(field.choices !== undefined && { choices: field.choices }),
      dynamic: field.dynamic,
      allowNull: field.allowNull,
    })),
  }
}

interface AjvHumanError {
  path?: string
  message?: string
}

type SchemaValidator = (value: unknown, schema: object, options: { schemaKey: string }) => void

let validateSchema: SchemaValidator | undefined
const validator = (): SchemaValidator =>
  (validateSchema ??= (
    require('@segment/actions-core/schema-validation') as { validateSchema: SchemaValidator }
  ).validateSchema)

/**
 * The setting an error is about: its path, or for a missing required setting (reported at its
 * parent) the setting's own name.
 */
function errorField(error: AjvHumanError): string {
  const parent = (error.path ?? '$').replace(/^\$\.?/, '')
  const missing = /missing the required field '([^']+)'/.exec(error.message ?? '')?.[1]
  if (missing === undefined) return parent
  return parent === '' ? missing : `${parent}.${missing}`
}

/** Checks settings as actions-core will when it runs the destination; `oauth` is kept, unchecked. */
function validateActionsSettings(record: DefinitionRecord, settings: unknown): DestinationSettingsResult {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    return { ok: false, errors: [{ field: '', message: 'must be an object' }] }
  }
  const { oauth, ...rest } = settings as Record<string, unknown>
  try {
    validator()(rest, record.settingsSchema, { schemaKey: `switchyard/${record.metadataId}:settings` })
  } catch (error) {
    const found = (error as { errors?: AjvHumanError[] }).errors ?? [{ message: (error as Error).message }]
    const errors = found.map((e) => ({ field: errorField(e), message: e.message ?? 'is invalid' }))
    return { ok: false, errors }
  }
  if (oauth !== undefined && (typeof oauth !== 'object' || oauth === null || Array.isArray(oauth))) {
    return { ok: false, errors: [{ field: 'oauth', message: 'must be an object of OAuth tokens' }] }
  }
  return { ok: true, settings: settings as Record<string, unknown> }
}

/** Every secret setting of a definition: its `password` settings and the OAuth tokens and client secret. */
export const actionsSecretSettings = (record: DefinitionRecord): SecretSetting[] => [
  ...schemaSecrets(record.settingsSchema),
  ...OAUTH_SECRETS,
]

/** The values of an instance's secret settings (to mask them wherever they show up). */
export function actionsSecretValues(
  record: DefinitionRecord,
  settings: Readonly<Record<string, unknown>>,
): string[] {
  return actionsSecretSettings(record)
    .map(({ path }) =>
      path
        .split('.')
        .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], settings),
    )
    .filter((v): v is string => typeof v === 'string')
}

export interface ActionsCatalogEntry extends DestinationCatalogEntry {
  readonly definition: DefinitionRecord
}

/** The catalog entry of one Actions definition. */
export function actionsCatalogEntry(record: DefinitionRecord): ActionsCatalogEntry {
  const metadata: DestinationMetadata = {
    id: record.metadataId,
    name: record.name,
    slug: record.slug,
    description: record.description,
    logos: { default: destinationLogoPath(record.slug), mark: null, alt: null },
    options: optionsFromSchema(record.settingsSchema),
    status: 'PUBLIC',
    previousNames: [record.name],
    categories: destinationCategories(record.slug),
    website: `https://segment.com/docs/connections/destinations/catalog/${record.slug}/`,
    components: [
      { type: 'SERVER', code: `@segment/action-destinations:${record.directory}`, owner: 'PARTNER' },
    ],
    supportedFeatures: { cloudModeInstances: 'MULTIPLE', deviceModeInstances: 'NONE', replay: true },
    supportedMethods: supportedMethods(MESSAGE_TYPES),
    supportedPlatforms: { browser: true, server: true, mobile: true },
    actions: Object.entries(record.actions).map(([slug, action]) =>
      actionMetadata(record.metadataId, slug, action),
    ),
    presets: record.presets.map((preset) => ({
      actionId: actionId(record.metadataId, preset.partnerAction),
      name: preset.name,
      fields: preset.mapping,
      trigger: preset.subscribe,
    })),
  }
  const secrets = actionsSecretSettings(record)
  return Object.freeze({
    metadata: Object.freeze(metadata),
    definition: record,
    validateSettings: (settings: unknown) => validateActionsSettings(record, settings),
    secrets: () => secrets,
  })
}
