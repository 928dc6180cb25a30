import type { CatalogOption } from '../api/models.ts'
import { FieldError } from './ui.tsx'

/**
 * A settings form generated from a catalog entry's `options` (the settings its JSON Schema
 * declares): text, number and checkbox fields, lists, a password field for secrets. The API
 * validates; its problems come back in `errors`, keyed by setting name, and show under the field.
 */
export type SettingsValues = Record<string, unknown>

/** Lists whose items are objects: which key of each item the list edits (the Webhooks' `hooks`). */
const LIST_ITEM_KEYS: Record<string, { key: string; placeholder: string }> = {
  hooks: { key: 'hook', placeholder: 'https://example.com/webhook' },
}

const SECRET_NAME = /secret|password|token|api_?key|apikey/i

export function isSecretOption(option: CatalogOption): boolean {
  return option.type === 'string' && SECRET_NAME.test(option.name)
}

/** The values a new form starts with: booleans take their defaults; the rest start empty. */
export function initialSettings(options: CatalogOption[]): SettingsValues {
  const values: SettingsValues = {}
  for (const o of options) if (o.type === 'boolean') values[o.name] = o.defaultValue === true
  return values
}

/** The settings to send: empty fields left out, so that the server fills in its defaults. */
export function settingsToSend(options: CatalogOption[], values: SettingsValues): SettingsValues {
  const out: SettingsValues = {}
  for (const o of options) {
    const value = values[o.name]
    if (value === undefined || value === '') continue
    if (Array.isArray(value)) {
      const item = LIST_ITEM_KEYS[o.name]
      const kept = value.filter((v) => (item ? (v as Record<string, unknown>)[item.key] : v) !== '')
      if (kept.length) out[o.name] = kept
      continue
    }
    out[o.name] = value
  }
  return out
}

export function SettingsForm(props: {
  options: CatalogOption[]
  values: SettingsValues
  errors: Record<string, string>
  onChange(values: SettingsValues): void
  idPrefix: string
}) {
  const set = (name: string, value: unknown) => props.onChange({ ...props.values, [name]: value })
  if (props.options.length === 0) return <p className="muted">This type has no settings.</p>
  return (
    <div className="settings-form">
      {props.options.map((option) => {
        const id = `${props.idPrefix}-${option.name}`
        const error = props.errors[option.name]
        const label = option.label ?? option.name
        return (
          <div key={option.name} className={`field ${error ? 'has-error' : ''}`}>
            {option.type === 'boolean' ? (
              <label className="check">
                <input
                  id={id}
                  type="checkbox"
                  checked={props.values[option.name] === true}
                  onChange={(e) => set(option.name, e.target.checked)}
                />
                {label}
              </label>
            ) : (
              <label htmlFor={id}>
                {label}
                {option.required && <span className="required"> *</span>}
              </label>
            )}
            <OptionInput
              option={option}
              id={id}
              value={props.values[option.name]}
              onChange={(v) => set(option.name, v)}
            />
            {option.description && <small className="hint">{option.description}</small>}
            <FieldError message={error} />
          </div>
        )
      })}
    </div>
  )
}

function OptionInput(props: {
  option: CatalogOption
  id: string
  value: unknown
  onChange(value: unknown): void
}) {
  const { option, id } = props
  if (option.type === 'boolean') return null
  if (option.type === 'array')
    return <ListInput option={option} id={id} value={props.value} onChange={props.onChange} />
  if (option.type === 'number' || option.type === 'integer') {
    return (
      <input
        id={id}
        type="number"
        step={option.type === 'integer' ? 1 : 'any'}
        placeholder={option.defaultValue !== undefined ? String(option.defaultValue) : ''}
        value={props.value === undefined ? '' : String(props.value)}
        onChange={(e) => props.onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    )
  }
  return (
    <input
      id={id}
      type={isSecretOption(option) ? 'password' : 'text'}
      autoComplete="off"
      placeholder={option.defaultValue !== undefined ? String(option.defaultValue) : ''}
      value={typeof props.value === 'string' ? props.value : ''}
      onChange={(e) => props.onChange(e.target.value)}
    />
  )
}

/** A list of text values, or of objects edited by one key (see LIST_ITEM_KEYS). */
function ListInput(props: {
  option: CatalogOption
  id: string
  value: unknown
  onChange(value: unknown): void
}) {
  const item = LIST_ITEM_KEYS[props.option.name]
  const items = Array.isArray(props.value) ? (props.value as unknown[]) : []
  const rows = items.length ? items : [item ? { [item.key]: '' } : '']
  const text = (v: unknown) => String((item ? (v as Record<string, unknown>)[item.key] : v) ?? '')
  const update = (index: number, next: string) =>
    props.onChange(
      rows.map((v, i) => (i === index ? (item ? { ...(v as object), [item.key]: next } : next) : v)),
    )
  return (
    <div className="list-input">
      {rows.map((v, i) => (
        <div key={i} className="list-row">
          <input
            id={i === 0 ? props.id : `${props.id}-${i}`}
            type="text"
            aria-label={`${props.option.label ?? props.option.name} ${i + 1}`}
            placeholder={item?.placeholder ?? ''}
            value={text(v)}
            onChange={(e) => update(i, e.target.value)}
          />
          {rows.length > 1 && (
            <button
              type="button"
              className="button small ghost"
              onClick={() => props.onChange(rows.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          )}
        </div>
      ))}
      <button
        type="button"
        className="button small ghost"
        onClick={() => props.onChange([...rows, item ? { [item.key]: '' } : ''])}
      >
        Add another
      </button>
    </div>
  )
}
