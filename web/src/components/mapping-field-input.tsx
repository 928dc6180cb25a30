import { useState } from 'react'
import type { ActionField } from '../api/models.ts'
import { isPathDirective, isPlainObject, type EventPath } from './mapping-paths.ts'
import { MappingValueInput } from './mapping-value-input.tsx'
import { FieldError } from './ui.tsx'

/**
 * The mapping of one action field: one value (an event path or a fixed value), key → value pairs
 * for an object field, or the mapping kit's JSON for anything else (`@template`, `@if`, arrays…).
 * The value is the field's directive as the API stores it; `undefined` leaves the field unset.
 */

type Mode = 'single' | 'pairs' | 'json'

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** Whether a value shows as one input (a path or a scalar). */
const isSingle = (v: unknown) => v === undefined || isScalar(v) || isPathDirective(v)

/** Whether an object field's value shows as pairs (keys to paths or fixed text). */
const isPairs = (v: unknown): v is Record<string, unknown> =>
  isPlainObject(v) &&
  !Object.keys(v).some((k) => k.startsWith('@')) &&
  Object.values(v).every((x) => isScalar(x) || isPathDirective(x))

function modeOf(field: ActionField, value: unknown): Mode {
  if (field.type === 'OBJECT' && isPairs(value)) return 'pairs'
  return isSingle(value) ? 'single' : 'json'
}

/** What the input shows for a directive. */
export function textOf(value: unknown): string {
  if (value === undefined) return ''
  if (isPathDirective(value)) return value['@path']
  return String(value)
}

/** The directive for typed text: a path, or a value of the field's type. */
export function directiveOf(text: string, field: Pick<ActionField, 'type'> | undefined): unknown {
  if (text === '') return undefined
  if (/^\$(\.|\[|$)/.test(text)) return { '@path': text }
  if ((field?.type === 'NUMBER' || field?.type === 'INTEGER') && text.trim() !== '' && !isNaN(Number(text)))
    return Number(text)
  if (field?.type === 'BOOLEAN' && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

interface Pair {
  key: string
  text: string
}

const pairsOf = (value: unknown): Pair[] =>
  isPairs(value) ? Object.entries(value).map(([key, v]) => ({ key, text: textOf(v) })) : []

const objectOf = (pairs: Pair[]): Record<string, unknown> | undefined => {
  const kept = pairs.filter((p) => p.key.trim() !== '')
  if (kept.length === 0) return undefined
  return Object.fromEntries(kept.map((p) => [p.key.trim(), directiveOf(p.text, undefined) ?? '']))
}

const MODE_LABELS: Record<Mode, string> = {
  single: 'One value',
  pairs: 'Key → value pairs',
  json: 'Mapping JSON',
}

export function MappingFieldInput(props: {
  field: ActionField
  value: unknown
  onChange(value: unknown): void
  /** A problem the page found (JSON that doesn't parse, a required field unset), or the API's. */
  error: string | undefined
  /** Reports JSON that doesn't parse (undefined once it does). */
  onInvalid(message: string | undefined): void
  paths: readonly EventPath[]
}) {
  const { field } = props
  const id = `mapping-field-${field.fieldKey}`
  const errorId = `${id}-error`
  const [mode, setMode] = useState<Mode>(() => modeOf(field, props.value))
  // The text as typed ("1." on the way to "1.5" stays as is; the directive holds the number).
  const [text, setText] = useState(() => (isSingle(props.value) ? textOf(props.value) : ''))
  const [pairs, setPairs] = useState<Pair[]>(() => {
    const p = pairsOf(props.value)
    return p.length ? p : [{ key: '', text: '' }]
  })
  const [json, setJson] = useState(() =>
    props.value === undefined ? '' : JSON.stringify(props.value, null, 2),
  )
  const modes: Mode[] = field.type === 'OBJECT' ? ['single', 'pairs', 'json'] : ['single', 'json']

  const switchTo = (next: Mode) => {
    props.onInvalid(undefined)
    setMode(next)
    if (next === 'json') {
      setJson(props.value === undefined ? '' : JSON.stringify(props.value, null, 2))
    } else if (next === 'pairs') {
      const p = pairsOf(props.value)
      setPairs(p.length ? p : [{ key: '', text: '' }])
      props.onChange(objectOf(p))
    } else if (isSingle(props.value)) {
      setText(textOf(props.value))
    } else {
      setText('')
      props.onChange(undefined)
    }
  }
  const setPair = (i: number, pair: Pair) => {
    const next = pairs.map((p, j) => (j === i ? pair : p))
    setPairs(next)
    props.onChange(objectOf(next))
  }
  const removePair = (i: number) => {
    const next = pairs.filter((_, j) => j !== i)
    setPairs(next.length ? next : [{ key: '', text: '' }])
    props.onChange(objectOf(next))
  }
  const setJsonText = (text: string) => {
    setJson(text)
    if (text.trim() === '') {
      props.onInvalid(undefined)
      props.onChange(undefined)
      return
    }
    try {
      props.onChange(JSON.parse(text))
      props.onInvalid(undefined)
    } catch (e) {
      props.onInvalid(`Not valid JSON: ${(e as Error).message}`)
    }
  }

  return (
    <div className={`field mapping-field ${props.error ? 'has-error' : ''}`}>
      <div className="mapping-field-head">
        <label htmlFor={mode === 'pairs' ? `${id}-key-0` : id}>
          {field.label}
          {field.required && (
            <span className="required" title="Required">
              {' '}
              *
            </span>
          )}
        </label>
        <code className="muted small">{field.fieldKey}</code>
        {modes.length > 1 && (
          <select
            className="mapping-mode"
            aria-label={`How ${field.label} is mapped`}
            value={mode}
            onChange={(e) => switchTo(e.target.value as Mode)}
          >
            {modes.map((m) => (
              <option key={m} value={m}>
                {MODE_LABELS[m]}
              </option>
            ))}
          </select>
        )}
      </div>
      {mode === 'single' && (
        <MappingValueInput
          id={id}
          label={field.label}
          text={text}
          onChange={(next) => {
            setText(next)
            props.onChange(directiveOf(next, field))
          }}
          paths={props.paths}
          choices={field.choices ?? null}
          {...(field.placeholder !== undefined && { placeholder: field.placeholder })}
          invalid={!!props.error}
          {...(props.error && { describedBy: errorId })}
        />
      )}
      {mode === 'pairs' && (
        <div className="mapping-pairs">
          {pairs.map((pair, i) => (
            <div className="mapping-pair" key={i}>
              <input
                id={`${id}-key-${i}`}
                type="text"
                aria-label={`${field.label} key ${i + 1}`}
                placeholder="key"
                value={pair.key}
                onChange={(e) => setPair(i, { ...pair, key: e.target.value })}
              />
              <span className="muted" aria-hidden="true">
                →
              </span>
              <MappingValueInput
                id={`${id}-value-${i}`}
                label={`${field.label} value ${i + 1}`}
                text={pair.text}
                onChange={(text) => setPair(i, { ...pair, text })}
                paths={props.paths}
              />
              <button
                type="button"
                className="button small ghost"
                aria-label={`Remove ${field.label} key ${i + 1}`}
                onClick={() => removePair(i)}
              >
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            className="link-button small"
            onClick={() => setPairs([...pairs, { key: '', text: '' }])}
          >
            + Add a key
          </button>
        </div>
      )}
      {mode === 'json' && (
        <textarea
          id={id}
          className="code-input"
          spellCheck={false}
          rows={Math.min(10, Math.max(3, json.split('\n').length))}
          aria-invalid={!!props.error || undefined}
          {...(props.error && { 'aria-describedby': errorId })}
          placeholder='{"@template": "{{properties.plan}}"}'
          value={json}
          onChange={(e) => setJsonText(e.target.value)}
        />
      )}
      {field.description && <small className="hint">{field.description}</small>}
      <FieldError message={props.error} id={errorId} />
    </div>
  )
}
