import { api } from '../api/client.ts'
import type { ActionField, ArchivedMessage, DestinationAction } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'

/**
 * What the mapping editor and the event tester know of a source's recent events: the events
 * themselves (from the source's archive, newest first), the paths present in them with a sample
 * value each (the field mapping's suggestions), and the names the trigger builder suggests.
 */

/** How many recent events the pages read. */
const RECENT = 100

/** The source's newest events (none for a source without an archive yet). */
export function useRecentEvents(sourceId: string | undefined) {
  return useApi(
    async (signal) =>
      sourceId
        ? (
            await api<{ messages: ArchivedMessage[] }>(`/sources/${sourceId}/archive/messages`, {
              query: { 'pagination[count]': RECENT },
              signal,
            })
          ).messages
        : [],
    `recent-events-${sourceId ?? ''}`,
  )
}

/** A path present in recent events (`$.properties.revenue`), how often, and its newest value. */
export interface EventPath {
  path: string
  count: number
  sample: unknown
}

/** Parts of a message that are delivery plumbing, not data to map. */
const SKIPPED = new Set(['_metadata', 'integrations', 'writeKey'])
const MAX_DEPTH = 5
const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `$.properties` + `plan` → `$.properties.plan`; keys that aren't names go in brackets. */
const childPath = (parent: string, key: string) =>
  SIMPLE_KEY.test(key) ? `${parent}.${key}` : `${parent}["${key}"]`

const RANK = ['$.properties', '$.traits', '$.context']
const rankOf = (path: string) => {
  const i = RANK.findIndex((prefix) => path === prefix || path.startsWith(`${prefix}.`))
  return i === -1 ? (path.split('.').length === 2 ? 0.5 : RANK.length) : i
}

/** Every path in the messages (objects too, which map to object fields), properties first. */
export function collectPaths(messages: ReadonlyArray<Record<string, unknown>>): EventPath[] {
  const found = new Map<string, EventPath>()
  const walk = (value: Record<string, unknown>, parent: string, depth: number) => {
    for (const [key, child] of Object.entries(value)) {
      if (depth === 0 && SKIPPED.has(key)) continue
      // A key with dots or quotes can't be written as a mapping-kit path.
      if (/["'.[\]]/.test(key)) continue
      const path = childPath(parent, key)
      const seen = found.get(path)
      if (seen) seen.count++
      else found.set(path, { path, count: 1, sample: child })
      if (isPlainObject(child) && depth < MAX_DEPTH) walk(child, path, depth + 1)
    }
  }
  for (const message of messages) walk(message, '$', 0)
  return [...found.values()].sort(
    (a, b) => rankOf(a.path) - rankOf(b.path) || b.count - a.count || a.path.localeCompare(b.path),
  )
}

/** A value as a short line of text: `"EUR"`, `150`, `{3 keys}`, `[2 items]`. */
export function sampleText(value: unknown, max = 48): string {
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? '' : 's'}]`
  if (isPlainObject(value)) {
    const n = Object.keys(value).length
    return `{${n} key${n === 1 ? '' : 's'}}`
  }
  const text = JSON.stringify(value) ?? String(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The names the trigger builder suggests: event names, and the keys of properties, traits, context. */
export interface TriggerSuggestions {
  events: string[]
  properties: string[]
  traits: string[]
  context: string[]
}

export function triggerSuggestions(
  messages: ReadonlyArray<Record<string, unknown>>,
  paths: readonly EventPath[],
): TriggerSuggestions {
  const events = [...new Set(messages.map((m) => m.event).filter((e): e is string => typeof e === 'string'))]
  const under = (prefix: string) =>
    paths
      .filter((p) => p.path.startsWith(`${prefix}.`) && !isPlainObject(p.sample))
      .map((p) => p.path.slice(prefix.length + 1))
  return {
    events: events.sort(),
    properties: under('$.properties'),
    traits: under('$.traits'),
    context: under('$.context'),
  }
}

/** One line naming an event: `track · Order Completed · 10:41:02`. */
export function eventLabel(m: ArchivedMessage): string {
  const type = String(m.message.type ?? 'event')
  const name =
    type === 'track'
      ? m.message.event
      : type === 'page' || type === 'screen'
        ? (m.message.name ?? m.message.category)
        : (m.message.userId ?? m.message.anonymousId ?? m.message.groupId)
  const when = new Date(m.receivedAt).toLocaleTimeString()
  return [type, typeof name === 'string' ? name : undefined, when].filter(Boolean).join(' · ')
}

/** The mapping a new mapping of the action starts with: each field's default. */
export function defaultMapping(action: DestinationAction): Record<string, unknown> {
  return Object.fromEntries(
    action.fields.filter((f) => f.defaultValue !== undefined).map((f) => [f.fieldKey, f.defaultValue]),
  )
}

/** The fields the editor shows, in the definition's order (hidden fields keep their values unseen). */
export const visibleFields = (action: DestinationAction): ActionField[] =>
  [...action.fields].filter((f) => f.type !== 'HIDDEN').sort((a, b) => a.sortOrder - b.sortOrder)

/** A mapping-kit directive in one line: `$.properties.total`, `"EUR"`, `{"@template": …}`. */
export function directiveText(value: unknown): string {
  if (isPathDirective(value)) return value['@path']
  return sampleText(value, 80)
}

export const isPathDirective = (value: unknown): value is { '@path': string } =>
  isPlainObject(value) &&
  Object.keys(value).length === 1 &&
  typeof (value as Record<string, unknown>)['@path'] === 'string'

export { isPlainObject }
