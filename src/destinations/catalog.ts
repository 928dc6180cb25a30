/**
 * The catalog of destination types, as data: one entry per destination definition, each with Segment's
 * catalog metadata (the `DestinationMetadataV1` shape of the Public API, so clients and Terraform that
 * name a `metadataId` keep working), its settings schema, how to validate settings and which settings
 * are secrets. The classic Webhooks destination is the only entry today; Segment's Actions definitions
 * join as more entries built from their `DestinationDefinition`s (`entryFromSchema` does the shared part).
 */
import type { MessageType } from '../spec/index.ts'
import type { DefinitionRecord } from './actions/catalog-record.ts'
import { destinationCategories } from './categories.ts'
import { settingsSecrets, schemaSecrets, type SecretSetting } from './settings-secrets.ts'
import { WEBHOOK_DESTINATION, validateWebhookSettings, type SettingsError } from './webhook.ts'

/** Segment's `IntegrationOptionBeta`: one setting as the catalog lists it. */
export interface DestinationOption {
  name: string
  type: string
  required: boolean
  description?: string
  defaultValue?: unknown
  label?: string
}

/** Segment's `DestinationMetadataV1`, with logo paths relative to the control port. */
export interface DestinationMetadata {
  id: string
  name: string
  description: string
  slug: string
  logos: { default: string; mark?: string | null; alt?: string | null }
  options: DestinationOption[]
  status: 'PUBLIC' | 'PUBLIC_BETA' | 'PRIVATE_BETA' | 'DEPRECATED'
  previousNames: string[]
  categories: string[]
  website: string
  components: {
    type: 'BROWSER' | 'ANDROID' | 'IOS' | 'SERVER'
    code: string
    owner?: 'SEGMENT' | 'PARTNER'
  }[]
  supportedFeatures: {
    cloudModeInstances?: 'MULTIPLE' | 'SINGLE' | 'NONE'
    deviceModeInstances?: 'MULTIPLE' | 'SINGLE' | 'NONE'
    replay?: boolean
    browserUnbundling?: boolean
    browserUnbundlingPublic?: boolean
  }
  supportedMethods: {
    pageview?: boolean
    identify?: boolean
    alias?: boolean
    track?: boolean
    group?: boolean
  }
  supportedPlatforms: { browser?: boolean; server?: boolean; mobile?: boolean; warehouse?: boolean }
  actions: unknown[]
  presets: unknown[]
}

export type DestinationSettingsResult =
  { ok: true; settings: Record<string, unknown> } | { ok: false; errors: SettingsError[] }

/** One destination type: what the catalog shows and what the control plane needs to configure it. */
export interface DestinationCatalogEntry {
  readonly metadata: Readonly<DestinationMetadata>
  /** Checks an instance's settings; every error names its field (dotted path inside `settings`). */
  validateSettings(settings: unknown): DestinationSettingsResult
  /** The settings of `settings` that are secrets, never returned in full after creation. */
  secrets(settings: Readonly<Record<string, unknown>>): SecretSetting[]
  /** For Segment's Actions destinations: what the runtime needs of the definition. */
  readonly definition?: DefinitionRecord
}

export const destinationLogoPath = (slug: string): string => `/logos/destinations/${slug}.svg`

interface JsonSchemaProperty {
  type?: string
  title?: string
  description?: string
  default?: unknown
  writeOnly?: boolean
}

const OPTION_TYPES: Record<string, string> = {
  string: 'string',
  boolean: 'boolean',
  integer: 'number',
  number: 'number',
  array: 'array',
  object: 'map',
}

/** Segment's `options` list from a settings JSON Schema: one option per top-level property. */
export function optionsFromSchema(schema: {
  properties: Readonly<Record<string, JsonSchemaProperty>>
  required?: readonly string[]
}): DestinationOption[] {
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    type: OPTION_TYPES[property.type ?? ''] ?? 'string',
    required: schema.required?.includes(name) ?? false,
    ...(property.description !== undefined && { description: property.description }),
    ...(property.default !== undefined && { defaultValue: property.default }),
    ...(property.title !== undefined && { label: property.title }),
  }))
}

/** Segment's `supportedMethods` from the message types a destination accepts. */
export function supportedMethods(types: readonly MessageType[]): DestinationMetadata['supportedMethods'] {
  return {
    pageview: types.includes('page'),
    identify: types.includes('identify'),
    alias: types.includes('alias'),
    track: types.includes('track'),
    group: types.includes('group'),
  }
}

const WEBHOOKS: DestinationCatalogEntry = Object.freeze({
  metadata: Object.freeze({
    id: WEBHOOK_DESTINATION.metadataId,
    name: WEBHOOK_DESTINATION.name,
    slug: WEBHOOK_DESTINATION.slug,
    description:
      'Sends every message as JSON to your own HTTP endpoints (up to five), optionally signed with a shared secret.',
    logos: { default: destinationLogoPath(WEBHOOK_DESTINATION.slug), mark: null, alt: null },
    options: optionsFromSchema(WEBHOOK_DESTINATION.settingsSchema),
    status: 'PUBLIC',
    previousNames: [WEBHOOK_DESTINATION.name],
    categories: destinationCategories(WEBHOOK_DESTINATION.slug),
    website: 'https://segment.com/docs/connections/destinations/catalog/webhooks/',
    components: [{ type: 'SERVER', code: 'switchyard:src/destinations/webhook.ts', owner: 'SEGMENT' }],
    supportedFeatures: { cloudModeInstances: 'MULTIPLE', deviceModeInstances: 'NONE', replay: true },
    supportedMethods: supportedMethods(WEBHOOK_DESTINATION.supportedTypes),
    supportedPlatforms: { browser: true, server: true, mobile: true },
    actions: [],
    presets: [],
  } satisfies DestinationMetadata),
  validateSettings(settings: unknown): DestinationSettingsResult {
    const checked = validateWebhookSettings(settings)
    return checked.ok ? { ok: true, settings: checked.settings as Record<string, unknown> } : checked
  },
  secrets: (settings: Readonly<Record<string, unknown>>) => [
    ...schemaSecrets(WEBHOOK_DESTINATION.settingsSchema),
    ...settingsSecrets(settings, { headerLists: ['hooks.*.headers'], urls: ['hooks.*.hook', 'globalHook'] }),
  ],
})

let entries: readonly DestinationCatalogEntry[] = Object.freeze([WEBHOOKS])
let byId = new Map(entries.map((e) => [e.metadata.id, e]))
let bySlug = new Map(entries.map((e) => [e.metadata.slug, e]))
let loading: Promise<void> | undefined

/**
 * Adds Segment's Actions definitions to the catalog (the classic Webhooks entry is always there).
 * Idempotent; the first call may build the Actions catalog file (see `actions/catalog-cache.ts`).
 * Every process that serves the API or delivers calls it before it starts.
 */
export function loadDestinationCatalog(): Promise<void> {
  loading ??= (async () => {
    const [{ loadActionsCatalog }, { actionsCatalogEntry }] = await Promise.all([
      import('./actions/catalog-cache.ts'),
      import('./actions/entries.ts'),
    ])
    const { definitions } = await loadActionsCatalog()
    entries = Object.freeze([WEBHOOKS, ...definitions.map(actionsCatalogEntry)])
    byId = new Map(entries.map((e) => [e.metadata.id, e]))
    bySlug = new Map(entries.map((e) => [e.metadata.slug, e]))
  })()
  loading.catch(() => (loading = undefined))
  return loading
}

/** Every destination type, in catalog order: the classic Webhooks, then the Actions definitions by name. */
export const destinationCatalog = (): readonly DestinationCatalogEntry[] => entries

export const findDestinationEntry = (metadataId: string): DestinationCatalogEntry | undefined =>
  byId.get(metadataId)
export const findDestinationEntryBySlug = (slug: string): DestinationCatalogEntry | undefined =>
  bySlug.get(slug)
