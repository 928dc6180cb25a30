/**
 * Selective Sync (warehouse spec §4), pure: which sources, tables (collections) and columns
 * (properties) a warehouse receives. Everything is on until an override turns it off; turning it back
 * on does not backfill what was left out meanwhile.
 */
import type { RecordedSchema, SelectiveSyncOverride } from '../../store/index.ts'

/** Columns that cannot be turned off: the dedup key and the sort key. */
export const ALWAYS_SYNCED_COLUMNS: ReadonlySet<string> = new Set(['id', 'received_at'])

export interface SelectiveSyncRules {
  /** Segment's "Sync Data" toggle for the source. */
  readonly sourceEnabled: boolean
  readonly disabledTables: ReadonlySet<string>
  readonly disabledColumns: ReadonlyMap<string, ReadonlySet<string>>
}

/** The rules for one source from the warehouse's overrides. */
export function selectiveSyncRules(
  overrides: readonly SelectiveSyncOverride[],
  sourceId: string,
): SelectiveSyncRules {
  let sourceEnabled = true
  const disabledTables = new Set<string>()
  const disabledColumns = new Map<string, Set<string>>()
  for (const o of overrides) {
    if (o.sourceId !== sourceId || o.enabled) continue
    if (o.collection === undefined) sourceEnabled = false
    else if (o.property === undefined) disabledTables.add(o.collection)
    else {
      let columns = disabledColumns.get(o.collection)
      if (columns === undefined) disabledColumns.set(o.collection, (columns = new Set()))
      columns.add(o.property)
    }
  }
  return { sourceEnabled, disabledTables, disabledColumns }
}

/** One override that cannot be applied, naming its place in the request. */
export interface OverrideError {
  field: string
  message: string
}

/**
 * Checks overrides as `updateSelectiveSyncForWarehouse` receives them: each names a connected source,
 * a property needs its collection, and `id` and `received_at` stay on.
 */
export function checkOverrides(
  overrides: readonly SelectiveSyncOverride[],
  connectedSourceIds: ReadonlySet<string>,
): OverrideError[] {
  const errors: OverrideError[] = []
  overrides.forEach((o, i) => {
    const at = `syncOverrides[${i}]`
    if (!connectedSourceIds.has(o.sourceId))
      errors.push({
        field: `${at}.sourceId`,
        message: `source ${o.sourceId} is not connected to this warehouse`,
      })
    if (o.property !== undefined && o.collection === undefined)
      errors.push({ field: `${at}.collection`, message: 'is required when a property is given' })
    if (o.property !== undefined && !o.enabled && ALWAYS_SYNCED_COLUMNS.has(o.property))
      errors.push({
        field: `${at}.property`,
        message: `${o.property} cannot be turned off: ${o.property === 'id' ? 'rows are deduplicated on it' : 'it is the sort key every table needs'}`,
      })
  })
  return errors
}

/** Segment's `WarehouseSelectiveSyncItemV1`: a collection with its properties and whether each syncs. */
export interface SelectiveSyncItem {
  sourceId: string
  warehouseId: string
  collection: string
  enabled: boolean
  properties: Record<string, boolean>
}

/**
 * The collections of one source as the warehouse knows them (its recorded schema), plus any the
 * overrides name that have no table yet, each with its properties and whether they sync. Sorted by
 * collection.
 */
export function selectiveSyncItems(
  warehouseId: string,
  sourceId: string,
  recorded: RecordedSchema,
  overrides: readonly SelectiveSyncOverride[],
): SelectiveSyncItem[] {
  const rules = selectiveSyncRules(overrides, sourceId)
  const collections = new Map<string, Set<string>>()
  for (const [table, columns] of Object.entries(recorded))
    collections.set(table, new Set(Object.keys(columns)))
  for (const o of overrides) {
    if (o.sourceId !== sourceId || o.collection === undefined) continue
    let properties = collections.get(o.collection)
    if (properties === undefined) collections.set(o.collection, (properties = new Set()))
    if (o.property !== undefined) properties.add(o.property)
  }
  return [...collections.keys()].sort().map((collection) => {
    const disabled = rules.disabledColumns.get(collection)
    const properties: Record<string, boolean> = {}
    for (const property of [...collections.get(collection)!].sort())
      properties[property] = !disabled?.has(property)
    return {
      sourceId,
      warehouseId,
      collection,
      enabled: rules.sourceEnabled && !rules.disabledTables.has(collection),
      properties,
    }
  })
}
