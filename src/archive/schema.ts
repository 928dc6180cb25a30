import type { StoredMessage } from '../spec/index.ts'
import type { SchemaDelta, SchemaEventDelta, SchemaFieldDelta } from '../store/index.ts'

/** One archived message as the schema sees it. */
export interface SchemaInput {
  readonly workspaceId: string
  readonly sourceId: string
  readonly message: StoredMessage
  /** Whether the source blocked it. */
  readonly blocked: boolean
  /** When it was received (`toISOString()` text). */
  readonly receivedAt: string
}

/** Bounds on what one message adds to the schema, so that odd payloads can't bloat it. */
export interface SchemaAggregationLimits {
  /** Distinct property or trait paths taken from one message. */
  readonly pathsPerMessage: number
  /** Longest event name or path recorded (longer ones are skipped). */
  readonly nameLength: number
  /** Deepest nesting followed. */
  readonly depth: number
}

export const SCHEMA_AGGREGATION_LIMITS: SchemaAggregationLimits = Object.freeze({
  pathsPerMessage: 300,
  nameLength: 256,
  depth: 16,
})

/**
 * The name a message is listed under in the source schema, with its call type: the event name for
 * track, the page or screen name (or '') for page and screen, '' for identify, group and alias.
 */
export function schemaName(message: { type: string; event?: unknown; name?: unknown }): string {
  if (message.type === 'track') return typeof message.event === 'string' ? message.event : ''
  if (message.type === 'page' || message.type === 'screen')
    return typeof message.name === 'string' ? message.name : ''
  return ''
}

/** The object whose paths the schema lists: properties (track, page, screen) or traits (identify, group). */
export function schemaFields(message: { type: string; properties?: unknown; traits?: unknown }): unknown {
  if (message.type === 'track' || message.type === 'page' || message.type === 'screen')
    return message.properties
  if (message.type === 'identify' || message.type === 'group') return message.traits
  return undefined
}

/**
 * Every dotted path in a JSON value, each once, depth first in key order: an object's keys
 * (`address.city`), and for an array its items as `.$` (`products.$`, `products.$.sku`), as
 * Segment's schema shows them. At most `limits.pathsPerMessage` paths; paths longer than
 * `limits.nameLength` or holding a NUL are skipped, with everything beneath them. Pure.
 */
export function fieldPaths(
  value: unknown,
  limits: SchemaAggregationLimits = SCHEMA_AGGREGATION_LIMITS,
): string[] {
  const paths = new Set<string>()
  const visit = (node: unknown, prefix: string, depth: number): void => {
    if (depth > limits.depth || node === null || typeof node !== 'object') return
    if (Array.isArray(node)) {
      if (prefix === '' || node.length === 0) return
      const path = `${prefix}.$`
      if (!add(path)) return
      for (const item of node) {
        if (paths.size >= limits.pathsPerMessage) return
        visit(item, path, depth + 1)
      }
      return
    }
    for (const [key, child] of Object.entries(node)) {
      if (paths.size >= limits.pathsPerMessage) return
      const path = prefix === '' ? key : `${prefix}.${key}`
      if (add(path)) visit(child, path, depth + 1)
    }
  }
  const add = (path: string): boolean => {
    if (path.length > limits.nameLength || path.includes('\0')) return false
    if (paths.size >= limits.pathsPerMessage && !paths.has(path)) return false
    paths.add(path)
    return true
  }
  visit(value, '', 0)
  return [...paths]
}

/**
 * What a batch of archived messages adds to the source schema: per source, call type and name, how
 * many arrived (and how many of those were blocked) and when first and last; per property or
 * trait path of each, how many messages had it. Messages are taken in archive order. Pure.
 */
export function aggregateSchema(
  inputs: Iterable<SchemaInput>,
  limits: SchemaAggregationLimits = SCHEMA_AGGREGATION_LIMITS,
): SchemaDelta {
  const events = new Map<string, SchemaEventDelta>()
  const fields = new Map<string, SchemaFieldDelta>()
  for (const input of inputs) {
    const { message, receivedAt } = input
    const type = String(message.type)
    const name = schemaName(message)
    if (name.length > limits.nameLength || name.includes('\0')) continue
    const eventKey = JSON.stringify([input.sourceId, type, name])
    const event = events.get(eventKey)
    if (event) {
      event.total++
      if (input.blocked) event.blocked++
      if (receivedAt < event.firstSeen) event.firstSeen = receivedAt
      if (receivedAt > event.lastSeen) event.lastSeen = receivedAt
    } else {
      events.set(eventKey, {
        workspaceId: input.workspaceId,
        sourceId: input.sourceId,
        type,
        name,
        total: 1,
        blocked: input.blocked ? 1 : 0,
        firstSeen: receivedAt,
        lastSeen: receivedAt,
      })
    }
    for (const path of fieldPaths(schemaFields(message), limits)) {
      const fieldKey = JSON.stringify([input.sourceId, type, name, path])
      const field = fields.get(fieldKey)
      if (field) {
        field.total++
        if (receivedAt < field.firstSeen) field.firstSeen = receivedAt
        if (receivedAt > field.lastSeen) field.lastSeen = receivedAt
      } else {
        fields.set(fieldKey, {
          workspaceId: input.workspaceId,
          sourceId: input.sourceId,
          type,
          name,
          path,
          total: 1,
          firstSeen: receivedAt,
          lastSeen: receivedAt,
        })
      }
    }
  }
  return { events: [...events.values()], fields: [...fields.values()] }
}
