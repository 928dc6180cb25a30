/**
 * Destination filters (Destinations digest §5): per source–destination rules that drop, sample or strip
 * messages before a destination sees them. Pure: validation on save, application per message, and the
 * Public API's preview.
 *
 * A filter is Segment's Public API object (`createFilterForDestination`):
 *
 *     { "title": "No userId", "if": "length( userId ) < 1", "actions": [{ "type": "DROP" }], "enabled": true }
 *
 * `if` is an FQL condition, or `"all"` for every message. Segment's snake_case system fields
 * (`received_at`) read the stored camelCase ones (`receivedAt`), see filter-aliases.ts. Actions:
 * - `DROP`: the message is not sent.
 * - `SAMPLE` `{ percent, path? }`: only `percent` (0..1) of matching messages are sent. With `path` the
 *   choice is deterministic: the MD5 of the JSON value at the path picks the same side every time.
 * - `DROP_PROPERTIES` `{ fields }`: removes the listed keys. `fields` maps the path of an object (`""` is
 *   the top level, `"properties"`, `"context.traits"`) to key names in it. When the path holds a list,
 *   the keys are removed from every object in it (`"properties.products": ["price"]`).
 * - `ALLOW_PROPERTIES` `{ fields }`: keeps only the listed keys of each named object.
 *
 * Application, in Segment's order (§5.2): every enabled filter's condition is evaluated once, on the
 * message as it arrived; then SAMPLE actions, DROP actions, DROP_PROPERTIES, ALLOW_PROPERTIES, each step
 * over the filters in their order. Fail closed: an enabled filter whose condition is not valid FQL drops
 * every message, and one whose actions are invalid drops every message it matches, so a broken PII
 * filter never lets data through.
 */
import { createHash } from 'node:crypto'
import { parseFql, resolvePath, type FqlPredicate } from '../fql/index.ts'
import { aliasedPredicate } from './filter-aliases.ts'

/** Segment's limit (destination-filters FAQ). */
export const MAX_FILTERS_PER_DESTINATION = 10
/** "your query syntax is limited to 5KB per query" (guides/filtering-data), in UTF-8 bytes. */
export const MAX_FILTER_CONDITION_BYTES = 5 * 1024
/** The UI's limit on a filter's name (Destinations digest §5.3). */
export const MAX_FILTER_TITLE_LENGTH = 64
/** The `if` that matches every message. */
export const ALL_MESSAGES = 'all'

export const FILTER_ACTION_TYPES = ['DROP', 'DROP_PROPERTIES', 'ALLOW_PROPERTIES', 'SAMPLE'] as const
export type FilterActionType = (typeof FILTER_ACTION_TYPES)[number]
/** The order in which action types apply (Destinations digest §5.2). */
export const FILTER_ACTION_ORDER: readonly FilterActionType[] = [
  'SAMPLE',
  'DROP',
  'DROP_PROPERTIES',
  'ALLOW_PROPERTIES',
]

/** Object path (`""` for the top level) → key names in that object. */
export type FilterFields = Record<string, string[]>

export type FilterAction =
  | { type: 'DROP' }
  | { type: 'DROP_PROPERTIES'; fields: FilterFields }
  | { type: 'ALLOW_PROPERTIES'; fields: FilterFields }
  | { type: 'SAMPLE'; percent: number; path?: string }

/** What the preview API takes (`PreviewDestinationFilterV1`). */
export interface FilterDefinition {
  if: string
  actions: FilterAction[]
}

/** The editable part of a filter (`createFilterForDestination`'s input without `sourceId`). */
export interface DestinationFilterInput extends FilterDefinition {
  title: string
  description?: string
  enabled: boolean
}

export interface DestinationFilter extends DestinationFilterInput {
  id: string
}

export interface FilterFieldError {
  /** Dotted path of the field (`actions.0.percent`). */
  field: string
  message: string
  /** For `if`: the 0-based position of the FQL error. */
  position?: number
}

export type FilterValidation =
  { ok: true; filter: DestinationFilterInput } | { ok: false; errors: FilterFieldError[] }

/** Why a filter kept a message from the destination. */
export type FilterDropReason = 'dropped' | 'sampled_out' | 'invalid_filter'

/** `detail` says why without naming the filter: the caller already shows `filterId`. */
export type FilterOutcome =
  | { drop: true; filterId: string; reason: FilterDropReason; detail: string }
  | { drop: false; message: Record<string, unknown> }

/** What `previewDestinationFilter` answers: the input, and the filtered message or `null` when dropped. */
export interface FilterPreview {
  inputPayload: Record<string, unknown>
  result: Record<string, unknown> | null
}

type JsonRecord = Record<string, unknown>

const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const describe = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value))

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8')

// ---------------------------------------------------------------------------------------------------
// Validation

/** Checks a filter as the Public API receives it; every error names its field and the rule. */
export function validateFilter(input: unknown): FilterValidation {
  if (!isRecord(input)) return { ok: false, errors: [{ field: '', message: 'must be a filter object' }] }
  const errors: FilterFieldError[] = []
  const { title, description, enabled } = input
  if (typeof title !== 'string' || title.trim() === '') {
    errors.push({ field: 'title', message: 'is required: a non-empty string' })
  } else if (title.length > MAX_FILTER_TITLE_LENGTH) {
    errors.push({ field: 'title', message: `must be at most ${MAX_FILTER_TITLE_LENGTH} characters` })
  }
  if (description !== undefined && description !== null && typeof description !== 'string') {
    errors.push({ field: 'description', message: 'must be a string' })
  }
  if (typeof enabled !== 'boolean') errors.push({ field: 'enabled', message: 'is required: true or false' })
  errors.push(...validateFilterCondition(input.if))
  const actions = validateFilterActions(input.actions)
  errors.push(...actions.errors)
  if (errors.length > 0) return { ok: false, errors }
  const filter: DestinationFilterInput = {
    title: title as string,
    if: input.if as string,
    actions: actions.actions,
    enabled: enabled as boolean,
  }
  if (typeof description === 'string') filter.description = description
  return { ok: true, filter }
}

/** `if`: `"all"` or an FQL condition of at most 5 KB. */
export function validateFilterCondition(value: unknown, field = 'if'): FilterFieldError[] {
  if (typeof value !== 'string') return [{ field, message: 'is required: an FQL condition, or "all"' }]
  if (value.trim() === '') return [{ field, message: 'must not be empty: write an FQL condition, or "all"' }]
  const bytes = utf8Bytes(value)
  if (bytes > MAX_FILTER_CONDITION_BYTES) {
    return [
      {
        field,
        message: `is ${bytes} bytes; an FQL condition is limited to 5 KB (${MAX_FILTER_CONDITION_BYTES})`,
      },
    ]
  }
  const compiled = compileCondition(value)
  if (compiled.ok) return []
  return [
    { field, message: `is not valid FQL: ${compiled.error.message}`, position: compiled.error.position },
  ]
}

/** `actions`: a non-empty list; types are accepted in either case (`drop` or `DROP`) and upper-cased. */
export function validateFilterActions(
  value: unknown,
  field = 'actions',
): { actions: FilterAction[]; errors: FilterFieldError[] } {
  if (!Array.isArray(value)) {
    return { actions: [], errors: [{ field, message: 'is required: a list of actions' }] }
  }
  if (value.length === 0) {
    return { actions: [], errors: [{ field, message: 'must hold at least one action' }] }
  }
  const errors: FilterFieldError[] = []
  const actions: FilterAction[] = []
  value.forEach((item, i) => {
    const action = validateAction(item, `${field}.${i}`, errors)
    if (action !== undefined) actions.push(action)
  })
  return { actions, errors }
}

/** The keys each action type may carry besides `type`. */
const ACTION_KEYS: Record<FilterActionType, readonly string[]> = {
  DROP: [],
  DROP_PROPERTIES: ['fields'],
  ALLOW_PROPERTIES: ['fields'],
  SAMPLE: ['percent', 'path'],
}

function validateAction(value: unknown, field: string, errors: FilterFieldError[]): FilterAction | undefined {
  if (!isRecord(value)) {
    errors.push({ field, message: 'must be an object with a type' })
    return undefined
  }
  const type = typeof value.type === 'string' ? value.type.toUpperCase() : ''
  if (!(FILTER_ACTION_TYPES as readonly string[]).includes(type)) {
    errors.push({
      field: `${field}.type`,
      message: `must be one of ${FILTER_ACTION_TYPES.join(', ')}; found ${describe(value.type)}`,
    })
    return undefined
  }
  const actionType = type as FilterActionType
  const before = errors.length
  for (const key of ['fields', 'percent', 'path']) {
    const given = value[key] !== undefined && value[key] !== null
    if (given && !ACTION_KEYS[actionType].includes(key)) {
      errors.push({ field: `${field}.${key}`, message: `is not used by ${actionType}` })
    }
  }
  let action: FilterAction | undefined
  if (actionType === 'DROP') action = { type: 'DROP' }
  else if (actionType === 'SAMPLE') action = validateSample(value, field, errors)
  else {
    const fields = validateFields(value.fields, `${field}.fields`, actionType === 'DROP_PROPERTIES', errors)
    if (fields !== undefined) action = { type: actionType, fields }
  }
  return errors.length === before ? action : undefined
}

function validateSample(
  value: JsonRecord,
  field: string,
  errors: FilterFieldError[],
): FilterAction | undefined {
  const { percent, path } = value
  const before = errors.length
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 1) {
    errors.push({
      field: `${field}.percent`,
      message: `is required: a number from 0 to 1 (the share of matching messages to send); found ${describe(percent)}`,
    })
  }
  const hasPath = path !== undefined && path !== null
  if (hasPath && (typeof path !== 'string' || path === '' || !isObjectPath(path))) {
    errors.push({ field: `${field}.path`, message: 'must be a dotted field path such as "userId"' })
  }
  if (errors.length > before) return undefined
  const sample = { type: 'SAMPLE' as const, percent: percent as number }
  return typeof path === 'string' ? { ...sample, path } : sample
}

/** `""`, or dot-separated non-empty keys. */
const isObjectPath = (path: string) => path === '' || path.split('.').every((segment) => segment !== '')

function validateFields(
  value: unknown,
  field: string,
  needNames: boolean,
  errors: FilterFieldError[],
): FilterFields | undefined {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    errors.push({
      field,
      message: 'is required: an object mapping object paths ("" for the top level) to key names',
    })
    return undefined
  }
  const fields: FilterFields = {}
  for (const [path, names] of Object.entries(value)) {
    const at = `${field}.${path}`
    if (!isObjectPath(path)) {
      errors.push({
        field: at,
        message: 'must be "" or a dotted path of non-empty keys, such as "context.traits"',
      })
    } else if (!Array.isArray(names) || !names.every((name) => typeof name === 'string' && name !== '')) {
      errors.push({ field: at, message: 'must be a list of non-empty key names' })
    } else if (needNames && names.length === 0) {
      errors.push({ field: at, message: 'must name at least one key to drop' })
    } else {
      Object.defineProperty(fields, path, {
        value: [...names],
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  return fields
}

/** Refuses one filter too many: Segment allows {@link MAX_FILTERS_PER_DESTINATION} per destination. */
export function checkFilterCount(count: number): FilterFieldError | undefined {
  if (count <= MAX_FILTERS_PER_DESTINATION) return undefined
  return {
    field: 'filters',
    message: `a destination holds at most ${MAX_FILTERS_PER_DESTINATION} filters; this would make ${count}`,
  }
}

// ---------------------------------------------------------------------------------------------------
// Application

type ConditionResult =
  { ok: true; predicate: FqlPredicate } | { ok: false; error: { message: string; position: number } }

/** `"all"` or FQL, with Segment's snake_case system fields read from the stored camelCase ones. */
function compileCondition(source: string): ConditionResult {
  if (source.trim() === ALL_MESSAGES) return { ok: true, predicate: () => true }
  const parsed = parseFql(source)
  return parsed.ok ? { ok: true, predicate: aliasedPredicate(parsed.expr) } : parsed
}

/** One filter ready to apply; `problem` makes it fail closed. */
export interface CompiledFilter {
  id: string
  matches: FqlPredicate
  actions: readonly FilterAction[]
  /** Why the filter is broken: its condition (drops every message) or its actions (drops matches). */
  problem?: { part: 'if' | 'actions'; message: string }
}

/** The minimum a stored filter needs to be applied. */
export interface FilterRule {
  id: string
  if: string
  actions: readonly unknown[]
  enabled: boolean
}

/** Parses the enabled filters once, for many messages. */
export function compileFilters(filters: readonly FilterRule[]): readonly CompiledFilter[] {
  return filters.filter((filter) => filter.enabled).map(compileFilter)
}

function compileFilter(filter: FilterRule): CompiledFilter {
  const condition = typeof filter.if === 'string' ? compileCondition(filter.if) : undefined
  if (condition === undefined || !condition.ok) {
    const message = condition === undefined ? 'it has no condition' : condition.error.message
    return { id: filter.id, matches: () => true, actions: [], problem: { part: 'if', message } }
  }
  const { actions, errors } = validateFilterActions(filter.actions)
  if (errors.length > 0) {
    const message = errors.map((error) => `${error.field} ${error.message}`).join('; ')
    return { id: filter.id, matches: condition.predicate, actions: [], problem: { part: 'actions', message } }
  }
  return { id: filter.id, matches: condition.predicate, actions }
}

/** Applies filters to a message. The input is never changed; the result shares its unchanged parts. */
export function applyFilters(
  message: JsonRecord,
  filters: readonly FilterRule[],
  random: () => number = Math.random,
): FilterOutcome {
  return applyCompiledFilters(message, compileFilters(filters), random)
}

/** Applies filters compiled once with {@link compileFilters}. */
export function applyCompiledFilters(
  message: JsonRecord,
  filters: readonly CompiledFilter[],
  random: () => number = Math.random,
): FilterOutcome {
  const matched = new Map<CompiledFilter, boolean>()
  const matches = (filter: CompiledFilter) => {
    let result = matched.get(filter)
    if (result === undefined) matched.set(filter, (result = filter.matches(message)))
    return result
  }
  for (const filter of filters) {
    const { problem } = filter
    if (problem && (problem.part === 'if' || matches(filter))) return failClosed(filter.id, problem)
  }
  let current = message
  for (const type of FILTER_ACTION_ORDER) {
    for (const filter of filters) {
      const actions = filter.actions.filter((action) => action.type === type)
      if (actions.length === 0 || !matches(filter)) continue
      for (const action of actions) {
        const step = applyAction(action, filter.id, message, current, random)
        if ('drop' in step) return step
        current = step.message
      }
    }
  }
  return { drop: false, message: current }
}

function failClosed(filterId: string, problem: NonNullable<CompiledFilter['problem']>): FilterOutcome {
  const part = problem.part === 'if' ? 'condition' : 'action'
  const detail = `invalid ${part} (${problem.message}); it drops messages until it is fixed`
  return { drop: true, filterId, reason: 'invalid_filter', detail }
}

/** One action on the message so far; SAMPLE hashes the message as it arrived. */
function applyAction(
  action: FilterAction,
  filterId: string,
  original: JsonRecord,
  current: JsonRecord,
  random: () => number,
): FilterOutcome | { message: JsonRecord } {
  switch (action.type) {
    case 'SAMPLE': {
      if (sampleKeeps(action, original, random)) return { message: current }
      const share = Math.round(action.percent * 10_000) / 100
      const detail = `sampled out (sends ${share}% of matching messages)`
      return { drop: true, filterId, reason: 'sampled_out', detail }
    }
    case 'DROP':
      return { drop: true, filterId, reason: 'dropped', detail: 'dropped: the message matches the condition' }
    case 'DROP_PROPERTIES':
      return { message: rewriteFields(current, action.fields, omitKeys) }
    case 'ALLOW_PROPERTIES':
      return { message: rewriteFields(current, action.fields, pickKeys) }
  }
}

/** `previewDestinationFilter`: the filter applied as if enabled; `result` is `null` when it drops. */
export function previewFilter(
  filter: FilterDefinition,
  payload: JsonRecord,
  random: () => number = Math.random,
): FilterPreview {
  const outcome = applyFilters(
    payload,
    [{ id: 'preview', if: filter.if, actions: filter.actions, enabled: true }],
    random,
  )
  return { inputPayload: payload, result: outcome.drop ? null : outcome.message }
}

// ---------------------------------------------------------------------------------------------------
// Sampling

function sampleKeeps(action: { percent: number; path?: string }, message: JsonRecord, random: () => number) {
  if (action.percent <= 0) return false
  if (action.percent >= 1) return true
  if (action.path === undefined) return random() < action.percent
  return sampleFraction(resolvePath(message, action.path.split('.'))) < action.percent
}

const MASK_64 = (1n << 64n) - 1n

/**
 * A value's fixed place in [0, 1): the MD5 of its JSON text (a missing field is `null`) read as a binary
 * fraction, the way Segment's sampler does (`tsub-js`, after `segmentio/sampler`): the first 64 bits, with
 * leading zero bits refilled from the next 64, and the lowest bit set.
 */
export function sampleFraction(value: unknown): number {
  const digest = createHash('md5')
    .update(JSON.stringify(value ?? null))
    .digest()
  let significand = digest.readBigUInt64BE(0)
  let exponent = -64
  const leadingZeros = significand === 0n ? 64 : 64 - significand.toString(2).length
  if (leadingZeros > 0) {
    const rest = digest.readBigUInt64BE(8)
    exponent -= leadingZeros
    significand = ((significand << BigInt(leadingZeros)) & MASK_64) | (rest >> BigInt(64 - leadingZeros))
  }
  return Number(significand | 1n) * 2 ** exponent
}

// ---------------------------------------------------------------------------------------------------
// Field removal (copy on write: only the objects on the way to a change are copied)

type ObjectChange = (object: JsonRecord, names: readonly string[]) => JsonRecord

function rewriteFields(message: JsonRecord, fields: FilterFields, change: ObjectChange): JsonRecord {
  let current = message
  for (const [path, names] of Object.entries(fields)) {
    const segments = path === '' ? [] : path.split('.')
    current = rewriteAt(current, segments, 0, (object) => change(object, names)) as JsonRecord
  }
  return current
}

/**
 * Changes the object at `segments`, or every object in the list there. Lists on the way are not entered:
 * Segment filters a key of every element of a list, never one element.
 */
function rewriteAt(
  value: unknown,
  segments: readonly string[],
  index: number,
  change: (object: JsonRecord) => JsonRecord,
): unknown {
  if (index === segments.length) {
    if (Array.isArray(value)) {
      const items = value.map((item: unknown) => (isRecord(item) ? change(item) : item))
      return items.some((item, i) => item !== value[i]) ? items : value
    }
    return isRecord(value) ? change(value) : value
  }
  const key = segments[index] as string
  if (!isRecord(value) || !Object.hasOwn(value, key)) return value
  const child = value[key]
  const next = rewriteAt(child, segments, index + 1, change)
  return next === child ? value : withKey(value, key, next)
}

/** A copy of `object` with `key` set; `__proto__` stays an ordinary key. */
const withKey = (object: JsonRecord, key: string, value: unknown): JsonRecord =>
  Object.fromEntries(Object.entries(object).map(([k, v]) => [k, k === key ? value : v]))

const omitKeys: ObjectChange = (object, names) =>
  names.some((name) => Object.hasOwn(object, name))
    ? Object.fromEntries(Object.entries(object).filter(([key]) => !names.includes(key)))
    : object

const pickKeys: ObjectChange = (object, names) =>
  Object.keys(object).every((key) => names.includes(key))
    ? object
    : Object.fromEntries(Object.entries(object).filter(([key]) => names.includes(key)))
