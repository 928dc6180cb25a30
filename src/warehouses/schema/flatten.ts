/**
 * Nested objects and arrays (warehouse spec §2.4): objects are flattened, their keys joined with `_`
 * (`{address: {street}}` → `address_street`); arrays, whatever they hold, are stored as JSON text
 * (`["507f1","505bd"]`). The joined path is snake_cased as a whole.
 */
import { snakecase, type JsonObject } from '../../spec/index.ts'
import type { WarehouseValue } from './types.ts'

/** One leaf of a flattened object: its snake_cased path (not yet made a safe identifier) and value. */
export interface FlatField {
  name: string
  value: WarehouseValue
}

/**
 * The leaves of `object` in key order, depth first. Nulls, non-finite numbers and empty objects give no
 * field; a path that snake_cases to nothing (only non-ASCII characters or punctuation) is left out.
 * Two paths can give the same name (`userName` and `user_name`): both are returned, and the caller keeps
 * the first.
 */
export function flatten(object: JsonObject): FlatField[] {
  const fields: FlatField[] = []
  walk(object, '', fields)
  return fields
}

function walk(object: JsonObject, prefix: string, fields: FlatField[]): void {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === '' ? key : `${prefix}_${key}`
    if (isObject(value)) {
      walk(value, path, fields)
      continue
    }
    const leaf = leafValue(value)
    if (leaf === undefined) continue
    const name = snakedPath(path)
    if (name !== '') fields.push({ name, value: leaf })
  }
}

function leafValue(value: unknown): WarehouseValue | undefined {
  if (Array.isArray(value)) return JSON.stringify(value)
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  return undefined
}

/** A JSON object (messages come from JSON, so anything object-like that is not an array is one). */
export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Paths repeat from message to message: their snake_cased names are kept (up to a bound). */
const SNAKED = new Map<string, string>()
const MAX_SNAKED = 10_000

function snakedPath(path: string): string {
  let name = SNAKED.get(path)
  if (name === undefined) {
    if (SNAKED.size >= MAX_SNAKED) SNAKED.clear()
    SNAKED.set(path, (name = snakecase(path)))
  }
  return name
}
