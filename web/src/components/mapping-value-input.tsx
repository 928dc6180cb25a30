import { useId, useMemo, useState, type KeyboardEvent } from 'react'
import { sampleText, type EventPath } from './mapping-paths.ts'

/**
 * One value of a field mapping, typed or picked: text starting with `$.` is a path into the event
 * (`{"@path": "$.properties.total"}`), anything else is sent as is. Focusing it opens the
 * suggestions: the field's choices, then the paths seen in the source's recent events with a
 * sample value each.
 */
export function MappingValueInput(props: {
  id: string
  label: string
  text: string
  onChange(text: string): void
  paths: readonly EventPath[]
  choices?: ReadonlyArray<{ label: string; value: string | number | boolean }> | null
  placeholder?: string
  invalid?: boolean
  describedBy?: string
}) {
  const listId = useId()
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(0)
  const options = useMemo(() => {
    const needle = props.text.trim().toLowerCase()
    const choices = (props.choices ?? []).map((c) => ({
      value: String(c.value),
      label: c.label,
      hint: 'choice',
    }))
    const paths = props.paths.map((p) => ({ value: p.path, label: p.path, hint: sampleText(p.sample) }))
    const all = [...choices, ...paths]
    // The exact value chosen shows every option again, to change it.
    const exact = all.some((o) => o.value.toLowerCase() === needle)
    const shown = needle && !exact ? all.filter((o) => o.label.toLowerCase().includes(needle)) : all
    return shown.slice(0, 60)
  }, [props.text, props.paths, props.choices])

  const pick = (value: string) => {
    props.onChange(value)
    setOpen(false)
  }
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      setOpen(true)
      const step = event.key === 'ArrowDown' ? 1 : -1
      setActive((i) => (options.length ? (i + step + options.length) % options.length : 0))
    } else if (event.key === 'Enter' && open && options[active]) {
      event.preventDefault()
      pick(options[active].value)
    } else if (event.key === 'Escape') {
      setOpen(false)
    }
  }
  const isPath = /^\$(\.|\[|$)/.test(props.text)
  const sample = isPath ? props.paths.find((p) => p.path === props.text) : undefined
  const expanded = open && options.length > 0
  return (
    <div className="mapping-value">
      <div className="mapping-value-box">
        <input
          id={props.id}
          type="text"
          role="combobox"
          autoComplete="off"
          spellCheck={false}
          aria-label={props.label}
          aria-expanded={expanded}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-invalid={props.invalid || undefined}
          aria-describedby={props.describedBy}
          aria-activedescendant={expanded ? `${listId}-${active}` : undefined}
          className={isPath ? 'mapping-path' : ''}
          placeholder={props.placeholder ?? 'Pick an event field or type a value'}
          value={props.text}
          onChange={(e) => {
            props.onChange(e.target.value)
            setActive(0)
            setOpen(true)
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
        />
        {expanded && (
          <ul
            className="mapping-suggestions"
            id={listId}
            role="listbox"
            aria-label={`${props.label} suggestions`}
          >
            {options.map((o, i) => (
              <li
                key={`${o.hint}-${o.value}`}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                // Keeps the focus in the input, so that blur doesn't close the list before the click.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(o.value)}
                onMouseEnter={() => setActive(i)}
              >
                <code>{o.label}</code>
                <span className="muted small">{o.hint}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {isPath && (
        <span className="hint">
          From the event
          {sample ? (
            <>
              , e.g. <code>{sampleText(sample.sample)}</code>
            </>
          ) : (
            props.text.length > 2 && ': not in the recent events'
          )}
        </span>
      )}
    </div>
  )
}
