import { useState, type ReactNode } from 'react'
import { Link } from '../app/router.tsx'

/** Small building blocks shared by the pages. */

export function PageHeader(props: {
  title: string
  subtitle?: ReactNode
  actions?: ReactNode
  back?: { to: string; label: string }
}) {
  return (
    <header className="page-header">
      <div>
        {props.back && (
          <Link to={props.back.to} className="back-link">
            ← {props.back.label}
          </Link>
        )}
        <h1>{props.title}</h1>
        {props.subtitle && <p className="muted">{props.subtitle}</p>}
      </div>
      {props.actions && <div className="actions">{props.actions}</div>}
    </header>
  )
}

export function Panel(props: {
  title?: string
  actions?: ReactNode
  children: ReactNode
  className?: string
}) {
  return (
    <section className={`panel ${props.className ?? ''}`}>
      {(props.title || props.actions) && (
        <div className="panel-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions}
        </div>
      )}
      {props.children}
    </section>
  )
}

/** What to do when a list is empty. */
export function EmptyState(props: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{props.title}</strong>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </div>
  )
}

export function Loading({ what }: { what?: string }) {
  return <p className="loading">Loading{what ? ` ${what}` : ''}…</p>
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null
  return (
    <p className="error-note" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  )
}

/** An error next to the field it concerns. */
export function FieldError({ message, id }: { message: string | undefined; id?: string }) {
  if (!message) return null
  return (
    <span className="field-error" id={id} role="alert">
      {message}
    </span>
  )
}

/**
 * A form field: its label, the control (`children`, with any hint to show above the error), the
 * error under it (`errorId` names it for the control's `aria-describedby`), then `hint`.
 */
export function Field(props: {
  id: string
  label: string
  error: string | undefined
  errorId?: string
  hint?: ReactNode
  children: ReactNode
}) {
  return (
    <div className={props.error ? 'field has-error' : 'field'}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      <FieldError message={props.error} id={props.errorId} />
      {props.hint && <small className="hint">{props.hint}</small>}
    </div>
  )
}

export function Badge(props: { tone: 'good' | 'bad' | 'warn' | 'neutral'; children: ReactNode }) {
  return <span className={`badge badge-${props.tone}`}>{props.children}</span>
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <Badge tone={enabled ? 'good' : 'neutral'}>{enabled ? 'Enabled' : 'Disabled'}</Badge>
}

export function Toggle(props: {
  checked: boolean
  onChange(next: boolean): void
  label: string
  disabled?: boolean
}) {
  return (
    <label className="toggle">
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <span className="toggle-track" aria-hidden="true" />
      <span>{props.label}</span>
    </label>
  )
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.max(0, Math.min(100, Math.round(value * 100)))
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuenow={percent}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  )
}

/** A block of text to copy: a write key, a snippet, a token's secret. */
export function CopyBlock(props: { text: string; label: string; multiline?: boolean }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setCopied(true)
      setTimeout(() => setCopied(false), 1500)
    } catch {
      setCopied(false)
    }
  }
  return (
    <div className={`copy-block ${props.multiline ? 'multiline' : ''}`}>
      <pre aria-label={props.label}>{props.text}</pre>
      <button type="button" className="button small" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  )
}

export function Tabs(props: { tabs: Array<{ to: string; label: string }>; current: string }) {
  return (
    <nav className="tabs">
      {props.tabs.map((tab) => (
        <Link key={tab.to} to={tab.to} className={tab.to === props.current ? 'tab active' : 'tab'}>
          {tab.label}
        </Link>
      ))}
    </nav>
  )
}

export function Logo({ src, name }: { src: string | undefined; name: string }) {
  return src ? <img className="logo" src={src} alt="" title={name} width={32} height={32} /> : null
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat().format(n)
}
