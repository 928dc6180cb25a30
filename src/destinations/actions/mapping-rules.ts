import { createRequire } from 'node:module'
import { SwitchyardError } from '../../errors/index.ts'

/**
 * Checks for the parts of a mapping (Segment's destination subscription) that the delivery runtime
 * hands to Segment's libraries: the trigger (`@segment/destination-subscriptions`) and the field
 * mapping (actions-core's mapping kit). Each throws `SY_API_VALIDATION` naming the field.
 */

const require = createRequire(import.meta.url)

interface SubscriptionParser {
  parseFql(trigger: string): { error?: Error }
}
let parser: SubscriptionParser | undefined

/**
 * What `parseFql` accepts but reads wrongly, so a trigger would not do what it says:
 * - a condition cut short (`event =`, `type = "track" and`): the missing value becomes `"eos"`, or
 *   the dangling `and` is dropped;
 * - `and` and `or` side by side without parentheses: the last one silently applies to the whole
 *   group (`type = "page" or type = "track" and event = "A"` means all three must hold).
 */
export function triggerPitfall(trigger: string): string | undefined {
  const code = trigger.replace(/"(?:[^"\\]|\\.)*"?/g, '""')
  if (/(?:(?<![\w.])(?:and|or)|[=<>])\s*$/i.test(code)) return 'it ends before its last condition is complete'
  const groups: Set<string>[] = [new Set()]
  for (const [token] of code.matchAll(/[()]|(?<![\w.])(?:and|or)(?![\w.])/gi)) {
    if (token === '(') groups.push(new Set())
    else if (token === ')') {
      if (groups.length > 1) groups.pop()
    } else {
      const group = groups.at(-1)!
      group.add(token.toLowerCase())
      if (group.size > 1)
        return 'it mixes "and" and "or" without parentheses; group them, as in a and (b or c)'
    }
  }
  return undefined
}

/** A trigger must parse as a Segment subscription (`type = "track" and event = "Order Completed"`). */
export function checkTrigger(trigger: string, field = 'trigger'): string {
  const text = trigger.trim()
  if (text === '') {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `${field} must not be empty: give a condition such as type = "track"`,
      { field },
    )
  }
  parser ??= require('@segment/destination-subscriptions') as SubscriptionParser
  let problem: string | undefined
  try {
    problem = parser.parseFql(text).error?.message
  } catch (error) {
    problem = (error as Error).message
  }
  problem ??= triggerPitfall(text)
  if (problem !== undefined) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `${field} "${text}" is not a valid trigger (${problem}); write conditions such as type = "track" and event = "Order Completed"`,
      { field },
    )
  }
  return text
}

type MappingValidator = (mapping: unknown) => void
let mappingValidator: MappingValidator | undefined

/**
 * Checks a mapping's directives (`@path`, `@if`, `@template`, …) with actions-core's own validator,
 * the one it applies before every send. Errors name the field as `<field>.<path>`, and
 * `data.errors` lists every problem.
 */
export function checkMapping(mapping: Record<string, unknown>, field: string): Record<string, unknown> {
  mappingValidator ??= (
    require('@segment/actions-core/mapping-kit/validate') as { default: MappingValidator }
  ).default
  try {
    mappingValidator(mapping)
    return mapping
  } catch (error) {
    const all =
      typeof error === 'object' && error !== null && Symbol.iterator in error
        ? [...(error as Iterable<Error>)]
        : [error as Error]
    const errors = all.map((e) => {
      // "/properties/@path should be a string …." → <field>.properties.@path
      const m = /^\/(\S*) ([\s\S]*?)\.?$/.exec(e.message)
      return m
        ? { field: [field, ...m[1]!.split('/').filter(Boolean)].join('.'), message: m[2]! }
        : { field, message: e.message }
    })
    throw new SwitchyardError('SY_API_VALIDATION', errors.map((e) => `${e.field} ${e.message}`).join('; '), {
      field: errors[0]!.field,
      data: { errors },
    })
  }
}
