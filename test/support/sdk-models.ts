import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type * as SDK from '@segment/public-api-sdk-typescript'

/**
 * Checks JSON against the response models of Segment's Public API SDK: every required attribute
 * present with the declared type, optional ones typed when present, and no attribute the model
 * doesn't have. Types come from the SDK's attribute maps, required-ness from its declarations.
 */
const require = createRequire(import.meta.url)
// The SDK is CommonJS; its types come from the type-only import above.
export const sdk: typeof SDK = require('@segment/public-api-sdk-typescript')
const MODEL_DIR = join(dirname(require.resolve('@segment/public-api-sdk-typescript')), 'model')

interface Attribute {
  name: string
  baseName: string
  type: string
}
type ModelClass = { getAttributeTypeMap(): Attribute[] }

const models = sdk as unknown as Record<string, ModelClass | undefined>

/**
 * Switchyard's documented additions to Segment's models (docs/public-api.md, "Additions"): the only
 * attributes allowed beyond the model's own. SDK clients ignore attributes they don't know.
 */
const ADDITIONS: Record<string, readonly string[]> = {
  DestinationV1: ['consentCategories', 'egressUrl'],
  AuditEventV1: ['actorType', 'actorName', 'before', 'after'],
  CreateValidationInWarehouseV1Output: ['error'],
  SyncV1: ['syncId', 'trigger', 'tables', 'preparationDuration', 'loadingDuration'],
  SyncNoticeV1: ['table', 'kind', 'code', 'hint'],
  GetAdvancedSyncScheduleFromWarehouseV1Output: ['intervalMinutes', 'nextSyncAt'],
  ReplaceAdvancedSyncScheduleForWarehouseV1Output: ['intervalMinutes', 'nextSyncAt'],
  CreateInvitesV1Output: ['acceptTokens'],
  RoleV1: ['resourceTypes', 'labelScoped'],
}

/** Per attribute: whether it must be present, and whether null is a declared value. */
function declaredAttributes(model: string): Map<string, { required: boolean; nullable: boolean }> {
  const declaration = readFileSync(
    join(MODEL_DIR, `${model[0]!.toLowerCase()}${model.slice(1)}.d.ts`),
    'utf8',
  )
  return new Map(
    [...declaration.matchAll(/^\s+'(\w+)'(\?)?: (.*);$/gm)].map((m) => [
      m[1]!,
      { required: m[2] !== '?', nullable: / \| null\b/.test(m[3]!) },
    ]),
  )
}

/** Returns the list of mismatches (empty when `value` conforms to `type`). */
export function conformance(value: unknown, type: string, path = '$'): string[] {
  if (type === 'any' || type === 'object' || type.startsWith('{ [key: string]')) {
    return type !== 'any' && (typeof value !== 'object' || value === null || Array.isArray(value))
      ? [`${path}: expected an object`]
      : []
  }
  if (type === 'string' || type === 'boolean' || type === 'number') {
    return typeof value === type ? [] : [`${path}: expected ${type}, got ${JSON.stringify(value)}`]
  }
  if (type.endsWith('Enum')) return typeof value === 'string' ? [] : [`${path}: expected an enum string`]
  const array = /^Array<(.+)>$/.exec(type)
  if (array) {
    if (!Array.isArray(value)) return [`${path}: expected an array`]
    return value.flatMap((item, i) => conformance(item, array[1]!, `${path}[${i}]`))
  }
  const model = models[type]
  if (!model?.getAttributeTypeMap) return [`${path}: unknown SDK type ${type}`]
  if (typeof value !== 'object' || value === null) return [`${path}: expected ${type} object`]
  const record = value as Record<string, unknown>
  const attributes = model.getAttributeTypeMap()
  const declared = declaredAttributes(type)
  const problems: string[] = []
  for (const a of attributes) {
    const v = record[a.baseName]
    const { required, nullable } = declared.get(a.name) ?? { required: false, nullable: false }
    if (v === undefined) {
      if (required) problems.push(`${path}.${a.baseName}: required by ${type}, missing`)
      continue
    }
    if (v === null) {
      if (!nullable) problems.push(`${path}.${a.baseName}: ${type} does not allow null`)
      continue
    }
    problems.push(...conformance(v, a.type, `${path}.${a.baseName}`))
  }
  const known = new Set([...attributes.map((a) => a.baseName), ...(ADDITIONS[type] ?? [])])
  for (const key of Object.keys(record)) if (!known.has(key)) problems.push(`${path}.${key}: not in ${type}`)
  return problems
}
