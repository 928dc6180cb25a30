/**
 * Segment's subscription syntax (the trigger of an Actions mapping) as a list of conditions the
 * trigger builder edits, and back: `type = "track" and event = "Order Completed"`. The builder
 * covers conditions joined by one `and` or one `or`; anything else (parentheses, mixed
 * connectors, other fields) stays text. Written like `@segment/destination-subscriptions`'
 * `generateFql`, so that what the builder writes is what Segment's parser reads.
 */

export type TriggerSubject = 'type' | 'event' | 'userId' | 'properties' | 'traits' | 'context'

export type TriggerOperator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'number_equals'
  | 'number_not_equals'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'not_starts_with'
  | 'ends_with'
  | 'not_ends_with'
  | 'exists'
  | 'not_exists'
  | 'is_true'
  | 'is_false'

export interface TriggerCondition {
  subject: TriggerSubject
  /** The property, trait or context field (`revenue`, `page.path`); empty for the others. */
  name: string
  operator: TriggerOperator
  /** As typed; numbers are written bare, text quoted. Unused by operators that take no value. */
  value: string
}

export interface TriggerModel {
  combinator: 'and' | 'or'
  conditions: TriggerCondition[]
}

export const SUBJECT_LABELS: Record<TriggerSubject, string> = {
  type: 'Event type',
  event: 'Event name',
  userId: 'User ID',
  properties: 'Property',
  traits: 'User trait',
  context: 'Context field',
}

export const OPERATOR_LABELS: Record<TriggerOperator, string> = {
  '=': 'is',
  '!=': 'is not',
  '<': 'is less than',
  '<=': 'is at most',
  '>': 'is greater than',
  '>=': 'is at least',
  number_equals: 'equals the number',
  number_not_equals: 'does not equal the number',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  not_starts_with: 'does not start with',
  ends_with: 'ends with',
  not_ends_with: 'does not end with',
  exists: 'exists',
  not_exists: 'does not exist',
  is_true: 'is true',
  is_false: 'is false',
}

const TEXT_OPERATORS: TriggerOperator[] = [
  '=',
  '!=',
  'contains',
  'not_contains',
  'starts_with',
  'not_starts_with',
  'ends_with',
  'not_ends_with',
]

const FIELD_OPERATORS: TriggerOperator[] = [
  ...TEXT_OPERATORS,
  'number_equals',
  'number_not_equals',
  '<',
  '<=',
  '>',
  '>=',
  'exists',
  'not_exists',
  'is_true',
  'is_false',
]

/** The operators the builder offers for a subject. */
export const operatorsFor = (subject: TriggerSubject): TriggerOperator[] =>
  subject === 'type'
    ? ['=', '!=']
    : subject === 'event'
      ? TEXT_OPERATORS
      : subject === 'userId'
        ? [...TEXT_OPERATORS, 'exists', 'not_exists']
        : FIELD_OPERATORS

export const takesValue = (operator: TriggerOperator): boolean =>
  !['exists', 'not_exists', 'is_true', 'is_false'].includes(operator)

export const isNamed = (subject: TriggerSubject): boolean =>
  subject === 'properties' || subject === 'traits' || subject === 'context'

const NUMERIC = new Set<TriggerOperator>(['<', '<=', '>', '>=', 'number_equals', 'number_not_equals'])

export const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const

/** A new condition of a subject, with its first operator. */
export function newCondition(subject: TriggerSubject): TriggerCondition {
  return { subject, name: '', operator: '=', value: subject === 'type' ? 'track' : '' }
}

const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`

/** A field path with the characters FQL can't take bare escaped (`properties.plan\ name`). */
const fieldPath = (c: TriggerCondition) =>
  isNamed(c.subject) ? `${c.subject}.${c.name.replace(/[^a-zA-Z0-9._-]/g, '\\$&')}` : c.subject

/** One condition as text. */
export function conditionText(c: TriggerCondition): string {
  const field = fieldPath(c)
  const number = c.value.trim()
  switch (c.operator) {
    case 'contains':
      return `contains(${field}, ${quote(c.value)})`
    case 'not_contains':
      return `!contains(${field}, ${quote(c.value)})`
    case 'starts_with':
      return `match(${field}, ${quote(`${c.value}*`)})`
    case 'not_starts_with':
      return `!match(${field}, ${quote(`${c.value}*`)})`
    case 'ends_with':
      return `match(${field}, ${quote(`*${c.value}`)})`
    case 'not_ends_with':
      return `!match(${field}, ${quote(`*${c.value}`)})`
    case 'exists':
      return `${field} != null`
    case 'not_exists':
      return `${field} = null`
    case 'is_true':
      return `${field} = true`
    case 'is_false':
      return `${field} = false`
    case 'number_equals':
      return `${field} = ${number}`
    case 'number_not_equals':
      return `${field} != ${number}`
    case '<':
    case '<=':
    case '>':
    case '>=':
      return `${field} ${c.operator} ${number}`
    default:
      return `${field} ${c.operator} ${quote(c.value)}`
  }
}

/** The whole trigger as text: the conditions joined by the combinator. */
export function triggerText(model: TriggerModel): string {
  return model.conditions.map(conditionText).join(` ${model.combinator} `)
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'ident'; value: string }
  | { kind: 'punct'; value: string }

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)(?![\w.])|((?:[A-Za-z_$]|\\.)(?:[\w.$-]|\\.)*)|(!=|<=|>=|[=<>!(),]))/y

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break
    const m = TOKEN.exec(text)
    if (!m) return undefined
    if (m[1] !== undefined) tokens.push({ kind: 'string', value: m[1].slice(1, -1).replace(/\\(.)/g, '$1') })
    else if (m[2] !== undefined) tokens.push({ kind: 'number', value: m[2] })
    else if (m[3] !== undefined) tokens.push({ kind: 'ident', value: m[3] })
    else tokens.push({ kind: 'punct', value: m[4]! })
  }
  return tokens
}

/** `properties.plan\ name` → subject `properties`, name `plan name`. */
function subjectOf(ident: string): { subject: TriggerSubject; name: string } | undefined {
  if (ident === 'type' || ident === 'event' || ident === 'userId') return { subject: ident, name: '' }
  const m = /^(properties|traits|context)\.(.*)$/s.exec(ident)
  if (!m) return undefined
  return { subject: m[1] as TriggerSubject, name: m[2]!.replace(/\\(.)/g, '$1') }
}

/**
 * The builder's view of a trigger, or undefined when the builder can't show it (parentheses,
 * `and` mixed with `or`, fields other than type, event, userId, properties, traits, context).
 */
export function parseTrigger(text: string): TriggerModel | undefined {
  const tokens = tokenize(text)
  if (!tokens) return undefined
  if (tokens.length === 0) return { combinator: 'and', conditions: [] }
  const conditions: TriggerCondition[] = []
  let combinator: 'and' | 'or' | undefined
  let i = 0
  const next = () => tokens[i++]
  const punct = (value: string) => {
    const t = next()
    return t?.kind === 'punct' && t.value === value
  }
  for (;;) {
    const condition = readCondition()
    if (!condition) return undefined
    conditions.push(condition)
    if (i === tokens.length) break
    const connector = next()
    const word = connector?.kind === 'ident' ? connector.value.toLowerCase() : ''
    if (word !== 'and' && word !== 'or') return undefined
    if (combinator && combinator !== word) return undefined
    combinator = word
  }
  return { combinator: combinator ?? 'and', conditions }

  function readCondition(): TriggerCondition | undefined {
    let negate = false
    let t = next()
    if (t?.kind === 'punct' && t.value === '!') {
      negate = true
      t = next()
    }
    if (t?.kind !== 'ident') return undefined
    if (t.value === 'contains' || t.value === 'match') {
      const fn = t.value
      if (!punct('(')) return undefined
      const field = next()
      const target = field?.kind === 'ident' ? subjectOf(field.value) : undefined
      if (!target || target.subject === 'type' || !punct(',')) return undefined
      const arg = next()
      if (arg?.kind !== 'string' || !punct(')')) return undefined
      if (fn === 'contains')
        return { ...target, operator: negate ? 'not_contains' : 'contains', value: arg.value }
      if (arg.value.endsWith('*'))
        return {
          ...target,
          operator: negate ? 'not_starts_with' : 'starts_with',
          value: arg.value.slice(0, -1),
        }
      if (arg.value.startsWith('*'))
        return { ...target, operator: negate ? 'not_ends_with' : 'ends_with', value: arg.value.slice(1) }
      return undefined
    }
    if (negate) return undefined
    const target = subjectOf(t.value)
    if (!target) return undefined
    const op = next()
    const value = next()
    if (op?.kind !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(op.value) || !value)
      return undefined
    const operator = op.value as TriggerOperator
    const condition = (o: TriggerOperator, v = ''): TriggerCondition | undefined =>
      operatorsFor(target.subject).includes(o) ? { ...target, operator: o, value: v } : undefined
    if (value.kind === 'string')
      return operator === '=' || operator === '!=' ? condition(operator, value.value) : undefined
    if (value.kind === 'number') {
      if (operator === '=') return condition('number_equals', value.value)
      if (operator === '!=') return condition('number_not_equals', value.value)
      return condition(operator, value.value)
    }
    if (value.kind === 'ident' && (operator === '=' || operator === '!=')) {
      if (value.value === 'null') return condition(operator === '=' ? 'not_exists' : 'exists')
      if (operator === '=' && value.value === 'true') return condition('is_true')
      if (operator === '=' && value.value === 'false') return condition('is_false')
    }
    return undefined
  }
}

/** Whether the operator compares numbers (its value is written bare). */
export const isNumeric = (operator: TriggerOperator): boolean => NUMERIC.has(operator)
