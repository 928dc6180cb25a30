import { useEffect, useMemo, useState } from 'react'
import { api, ApiError, fieldErrors } from '../api/client.ts'
import type { ArchivedMessage, FilterAction, FilterPreview } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import { removedPaths } from './filter-fql.ts'
import { JsonTree } from './json-tree.tsx'
import { Badge, ErrorNote, Field, Panel } from './ui.tsx'

/**
 * The filter editor's live preview: the filter as edited, run by `POST /destination/filters/preview`
 * against one of the source's latest events (or a pasted one), showing whether the destination
 * would get it and what it would get.
 */

/** Events of the source to try a filter on. */
const RECENT = 10
const PASTE = 'paste'

const EXAMPLE_EVENT = JSON.stringify(
  {
    type: 'track',
    event: 'Order Completed',
    userId: 'user-1',
    properties: { total: 42, currency: 'EUR', email: 'ada@example.com' },
    context: { library: { name: 'analytics.js' } },
  },
  null,
  2,
)

export interface FilterSample {
  recent: ArchivedMessage[] | undefined
  loadError: Error | undefined
  /** An archived message's id, or `paste`. */
  choice: string
  setChoice(choice: string): void
  pasted: string
  setPasted(text: string): void
  /** The event to try, or undefined while loading or when the pasted text isn't a JSON object. */
  payload: Record<string, unknown> | undefined
  pasteError: string | undefined
}

/** The event the preview runs on: the newest of the source's events unless another is chosen. */
export function useFilterSample(sourceId: string): FilterSample {
  const recent = useApi(
    async () =>
      (
        await api<{ messages: ArchivedMessage[] }>(`/sources/${sourceId}/archive/messages`, {
          query: { 'pagination[count]': RECENT },
        })
      ).messages,
    `filter-sample-${sourceId}`,
  )
  const [picked, setChoice] = useState<string>()
  const [pasted, setPasted] = useState(EXAMPLE_EVENT)
  const messages = recent.data
  const choice = picked ?? (messages && messages.length === 0 ? PASTE : (messages?.[0]?.id ?? ''))
  const parsed = useMemo(() => parseEvent(pasted), [pasted])
  const payload =
    choice === PASTE ? parsed.event : (messages?.find((m) => m.id === choice) ?? messages?.[0])?.message
  return {
    recent: messages,
    loadError: recent.error,
    choice,
    setChoice,
    pasted,
    setPasted,
    payload,
    pasteError: choice === PASTE ? parsed.error : undefined,
  }
}

function parseEvent(text: string): { event?: Record<string, unknown>; error?: string } {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { event: value as Record<string, unknown> }
    return { error: 'An event is a JSON object: { "type": "track", … }' }
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` }
  }
}

export interface FilterDefinition {
  if: string
  actions: FilterAction[]
}

export interface PreviewState {
  preview: FilterPreview | undefined
  error: unknown
  running: boolean
}

/** Runs the preview 300 ms after the filter or the event last changed (the latest answer wins). */
export function useFilterPreview(
  definition: FilterDefinition | undefined,
  payload: Record<string, unknown> | undefined,
): PreviewState {
  const [state, setState] = useState<PreviewState>({ preview: undefined, error: undefined, running: false })
  const key = definition && payload ? JSON.stringify([definition, payload]) : ''
  useEffect(() => {
    if (!key) {
      setState({ preview: undefined, error: undefined, running: false })
      return
    }
    const [filter, event] = JSON.parse(key) as [FilterDefinition, Record<string, unknown>]
    const controller = new AbortController()
    setState((s) => ({ ...s, running: true }))
    const timer = setTimeout(() => {
      api<FilterPreview>('/destination/filters/preview', {
        method: 'POST',
        body: { filter, payload: event },
        signal: controller.signal,
      }).then(
        (preview) => !controller.signal.aborted && setState({ preview, error: undefined, running: false }),
        (error: unknown) =>
          !controller.signal.aborted && setState({ preview: undefined, error, running: false }),
      )
    }, 300)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [key])
  return state
}

/** The preview's problem with the condition (`filter.if`), to show under the condition field. */
export function previewConditionError(state: PreviewState): string | undefined {
  return fieldErrors(state.error, 'filter.').if
}

export function FilterPreviewPanel(props: {
  sample: FilterSample
  state: PreviewState
  /** Why there is nothing to run yet (no condition). */
  waiting?: string
  /** A SAMPLE action without a field picks at random on each preview. */
  randomSample: boolean
}) {
  const { sample } = props
  return (
    <Panel title="Preview" className="filter-preview">
      <div className="field">
        <label htmlFor="filter-sample">Try it on</label>
        <select id="filter-sample" value={sample.choice} onChange={(e) => sample.setChoice(e.target.value)}>
          {(sample.recent ?? []).map((m) => (
            <option key={m.id} value={m.id}>
              {describeEvent(m)}
            </option>
          ))}
          <option value={PASTE}>An event I paste…</option>
        </select>
        {sample.recent?.length === 0 && (
          <span className="hint">
            The source has no events yet; paste one, or send some and they show up here.
          </span>
        )}
        <ErrorNote error={sample.loadError} />
      </div>
      {sample.choice === PASTE && (
        <Field id="filter-sample-json" label="Event (JSON)" error={sample.pasteError}>
          <textarea
            id="filter-sample-json"
            className="code-input"
            rows={9}
            spellCheck={false}
            value={sample.pasted}
            onChange={(e) => sample.setPasted(e.target.value)}
          />
        </Field>
      )}
      <PreviewOutcome {...props} />
    </Panel>
  )
}

function PreviewOutcome({ sample, state, waiting, randomSample }: Parameters<typeof FilterPreviewPanel>[0]) {
  const body = (() => {
    if (waiting) return <p className="muted">{waiting}</p>
    if (!sample.payload) return <p className="muted">Choose an event to try the filter on.</p>
    if (state.error) {
      if (previewConditionError(state))
        return <p className="muted">Fix the condition (see under it) to see the outcome.</p>
      // `filter.actions.0.percent` → `percent is required: …`
      const problems =
        state.error instanceof ApiError
          ? state.error.problems.map((p) => {
              const key = p.field?.startsWith('filter.actions') ? p.field.split('.').slice(3).join('.') : ''
              return key ? `${key} ${p.message}` : p.message
            })
          : [String(state.error)]
      return <ErrorNote error={`Can’t preview yet: ${problems.join('; ')}`} />
    }
    if (!state.preview) return <p className="muted">Checking…</p>
    const { result, inputPayload } = state.preview
    if (result === null)
      return (
        <>
          <p className="filter-outcome">
            <Badge tone="bad">Dropped</Badge> The destination would not get this event.
          </p>
          {randomSample && <p className="hint">Sampling without a field picks at random on each try.</p>}
        </>
      )
    const removed = removedPaths(inputPayload, result)
    return (
      <>
        <p className="filter-outcome">
          {removed.length > 0 ? (
            <>
              <Badge tone="warn">Kept</Badge> The destination would get this event without{' '}
              {removed.map((path, i) => (
                <span key={path}>
                  {i > 0 && ', '}
                  <code>{path}</code>
                </span>
              ))}
              .
            </>
          ) : (
            <>
              <Badge tone="good">Kept</Badge> The destination would get this event as it is.
            </>
          )}
        </p>
        {randomSample && <p className="hint">Sampling without a field picks at random on each try.</p>}
        <h3>What the destination gets</h3>
        <div className="filter-result">
          <JsonTree value={result} />
        </div>
      </>
    )
  })()
  return (
    <div
      className={`filter-preview-outcome ${state.running ? 'running' : ''}`}
      aria-live="polite"
      aria-label="Preview result"
      role="region"
    >
      {body}
    </div>
  )
}

function describeEvent(m: ArchivedMessage): string {
  const e = m.message
  const type = String(e.type ?? 'event')
  const name =
    type === 'track'
      ? e.event
      : type === 'page' || type === 'screen'
        ? (e.name ?? (e.properties as { path?: unknown } | undefined)?.path)
        : (e.userId ?? e.anonymousId ?? e.groupId)
  const time = new Date(m.receivedAt).toLocaleTimeString()
  return `${type} · ${name === undefined || name === null ? '' : String(name)} · ${time}`
}
