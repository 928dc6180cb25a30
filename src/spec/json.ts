import type { JsonObject } from './messages.ts'

/** A JSON object: not null, not an array, not a class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** JSON `null` and a missing field mean the same thing: not given. */
export const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null

/** How to name a value's type in a rejection detail. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/**
 * Merges `over` onto `base`, recursing where both sides hold objects; `over` wins everywhere else.
 * Builds new objects with `Object.fromEntries`, so a `__proto__` key stays an ordinary field.
 */
export function mergeObjects(base: JsonObject, over: JsonObject): JsonObject {
  const merged = new Map<string, unknown>(Object.entries(base))
  for (const [key, value] of Object.entries(over)) {
    const current = merged.get(key)
    merged.set(key, isPlainObject(current) && isPlainObject(value) ? mergeObjects(current, value) : value)
  }
  return Object.fromEntries(merged)
}

/**
 * Sets an own, enumerable field even when it is named `__proto__` (where assignment would replace the
 * object's prototype instead), as `JSON.parse` and `Object.fromEntries` do.
 */
export function defineField(target: JsonObject, field: string, value: unknown): void {
  Object.defineProperty(target, field, { value, enumerable: true, writable: true, configurable: true })
}

/** Keeps the first `max` keys (in the order they arrived) and says how many were dropped. */
export function keepFirstKeys(value: JsonObject, max: number): { kept: JsonObject; dropped: number } {
  if (Object.keys(value).length <= max) return { kept: value, dropped: 0 }
  const entries = Object.entries(value)
  return { kept: Object.fromEntries(entries.slice(0, max)), dropped: entries.length - max }
}
