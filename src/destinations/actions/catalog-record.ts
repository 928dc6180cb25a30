/**
 * What Switchyard keeps of one of Segment's Actions destination definitions for its catalog: plain
 * JSON, no functions. Built once per installed `@segment/action-destinations` version by
 * `catalog-build.ts` (in a child process, so that serving processes never import all 214 definitions)
 * and read by `catalog-cache.ts`.
 */
export interface ActionFieldRecord {
  label: string
  description: string
  type: string
  required: boolean
  multiple: boolean
  allowNull: boolean
  dynamic: boolean
  default?: unknown
  choices?: unknown
  placeholder?: string
  format?: string
}

export interface ActionRecord {
  title: string
  description: string
  platform: 'cloud' | 'web' | 'mobile'
  hidden: boolean
  defaultSubscription: string | null
  fields: Record<string, ActionFieldRecord>
  /** The action has `performBatch`, used when a mapping turns `enable_batching` on. */
  batch: boolean
}

export interface PresetRecord {
  name: string
  subscribe: string
  partnerAction: string
  mapping: Record<string, unknown>
}

export interface DefinitionRecord {
  /** Segment's destination metadata id (the key of the package's manifest). */
  metadataId: string
  /** The definition's folder under `@segment/action-destinations/dist/destinations`. */
  directory: string
  name: string
  slug: string
  description: string
  /** `custom`, `basic`, `oauth2`, `oauth-managed` or `none`. */
  scheme: string
  /** JSON Schema of the settings, as actions-core generates it from `authentication.fields`. */
  settingsSchema: { type: 'object'; properties: Record<string, Record<string, unknown>>; required?: string[] }
  actions: Record<string, ActionRecord>
  /** Quick Setup mappings (`type: 'automatic'` presets only; the others are for Engage journeys). */
  presets: PresetRecord[]
  hasOnDelete: boolean
  audience: boolean
}

/**
 * The shape of the records above, in the catalog file's name: raise it whenever they change, so a
 * file written by an older Switchyard is never read as the new shape.
 */
export const CATALOG_FORMAT_VERSION = 1

export interface CatalogFile {
  packageVersion: string
  coreVersion: string
  definitions: DefinitionRecord[]
}
