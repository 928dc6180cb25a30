/**
 * FQL's functions (Public API digest §4.6): what each accepts, returns and does. Every function accepts
 * `null` (a missing field) and answers with a safe default, so `length(userId) > 0` needs no type check.
 * A value of the wrong type gets the same default as `null`; it is never an error at run time.
 */
import type { FqlFunctionName } from './ast.ts'
import { globMatches } from './glob.ts'
import { fqlTypeOf, utf8Length } from './values.ts'

/** What the parser knows about an expression's type before it sees a message. `any`: a field path. */
export type FqlStaticType = 'bool' | 'number' | 'string' | 'list' | 'null' | 'any'

export interface FqlFunctionSpec {
  /** Static types each argument may have (`null` and `any` are always accepted); `[]` means any type. */
  params: readonly (readonly FqlStaticType[])[]
  returns: FqlStaticType
  apply: (args: readonly unknown[]) => unknown
}

const STRING = ['string'] as const
const ANYTHING = [] as const

const ifString = (value: unknown, change: (text: string) => string) =>
  typeof value === 'string' ? change(value) : null

/** Upper-cases the first letter of each word; a word starts after anything but a letter, digit or `_`. */
const titleCase = (text: string) =>
  text.replace(
    /(^|[^\p{L}\p{N}_])(\p{L})/gu,
    (_, before: string, letter: string) => before + letter.toUpperCase(),
  )

/** The spelling of an FQL or JSON number: optional sign, digits, optional fraction and exponent. */
const NUMBER_TEXT = /^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/

/** `bool()`: `false` for null, `0`, `""`, `"false"`, `"0"` (any case, spaces ignored), `[]` and `{}`. */
function toBool(value: unknown): boolean | null {
  switch (fqlTypeOf(value)) {
    case 'bool':
      return value as boolean
    case 'null':
      return false
    case 'number':
      return value !== 0
    case 'string': {
      const text = (value as string).trim().toLowerCase()
      return text !== '' && text !== 'false' && text !== '0'
    }
    case 'list':
      return (value as unknown[]).length > 0
    case 'object':
      return Object.keys(value as object).length > 0
  }
}

/** `string()`: `""` for null, JSON text for lists and objects. */
function toText(value: unknown): string {
  switch (fqlTypeOf(value)) {
    case 'string':
      return value as string
    case 'null':
      return ''
    case 'number':
    case 'bool':
      return String(value)
    case 'list':
    case 'object':
      return JSON.stringify(value)
  }
}

/** `number()`: numbers as they are, strings spelled as a number; anything else is null. */
function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) return Number(value)
  return null
}

export const FQL_FUNCTION_SPECS: Readonly<Record<FqlFunctionName, FqlFunctionSpec>> = Object.freeze({
  contains: {
    params: [STRING, STRING],
    returns: 'bool',
    apply: ([text, part]) => typeof text === 'string' && typeof part === 'string' && text.includes(part),
  },
  match: {
    params: [STRING, STRING],
    returns: 'bool',
    apply: ([text, pattern]) =>
      typeof text === 'string' && typeof pattern === 'string' && globMatches(text, pattern),
  },
  length: {
    params: [['string', 'list']],
    returns: 'number',
    apply: ([value]) => {
      if (value === null || value === undefined) return 0
      if (typeof value === 'string') return utf8Length(value)
      return Array.isArray(value) ? value.length : null
    },
  },
  lowercase: { params: [STRING], returns: 'string', apply: ([v]) => ifString(v, (s) => s.toLowerCase()) },
  uppercase: { params: [STRING], returns: 'string', apply: ([v]) => ifString(v, (s) => s.toUpperCase()) },
  snakecase: {
    params: [STRING],
    returns: 'string',
    apply: ([v]) => ifString(v, (s) => s.replaceAll(' ', '_')),
  },
  kebabcase: {
    params: [STRING],
    returns: 'string',
    apply: ([v]) => ifString(v, (s) => s.replaceAll(' ', '-')),
  },
  titlecase: { params: [STRING], returns: 'string', apply: ([v]) => ifString(v, titleCase) },
  typeof: { params: [ANYTHING], returns: 'string', apply: ([value]) => fqlTypeOf(value) },
  bool: { params: [ANYTHING], returns: 'bool', apply: ([value]) => toBool(value) },
  string: { params: [ANYTHING], returns: 'string', apply: ([value]) => toText(value) },
  number: { params: [['number', 'string']], returns: 'number', apply: ([value]) => toNumber(value) },
})
