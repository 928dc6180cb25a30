import { useMemo, useState, type FormEvent } from 'react'
import { api, ApiError, fieldErrors } from '../api/client.ts'
import type { DestinationFilter, FilterAction } from '../api/models.ts'
import { FilterConditionBuilder } from './filter-condition-builder.tsx'
import { fieldsToPaths, leafPaths, pathsToFields } from './filter-fql.ts'
import {
  FilterPreviewPanel,
  previewConditionError,
  useFilterPreview,
  useFilterSample,
  type FilterDefinition,
} from './filter-preview.tsx'
import { ErrorNote, Field, FieldError, Panel } from './ui.tsx'

type ActionType = FilterAction['type']

/** The editable form of a filter's (first) action; numbers and field lists as typed. */
interface ActionDraft {
  type: ActionType
  /** SAMPLE: the share to send, in percent as typed. */
  percent: string
  /** SAMPLE: the field whose value picks the sample (optional). */
  path: string
  /** DROP_PROPERTIES / ALLOW_PROPERTIES: dotted paths, separated by commas or new lines. */
  fields: string
}

interface Draft {
  title: string
  description: string
  condition: string
  enabled: boolean
  action: ActionDraft
}

const ACTION_CHOICES: Array<{ type: ActionType; label: string; hint: string }> = [
  { type: 'DROP', label: 'Drop the event', hint: 'The destination doesn’t get matching events.' },
  {
    type: 'SAMPLE',
    label: 'Send a sample',
    hint: 'Only a share of matching events is sent; the rest are dropped.',
  },
  {
    type: 'DROP_PROPERTIES',
    label: 'Drop fields',
    hint: 'Matching events are sent without the listed fields.',
  },
  {
    type: 'ALLOW_PROPERTIES',
    label: 'Allow only listed fields',
    hint: 'Each named object keeps only the listed keys: properties.plan keeps plan alone in properties.',
  },
]

function draftOf(filter: DestinationFilter | undefined): Draft {
  const first = filter?.actions[0] ?? { type: 'DROP' }
  return {
    title: filter?.title ?? '',
    description: filter?.description ?? '',
    condition: filter?.if ?? '',
    enabled: filter?.enabled ?? true,
    action: {
      type: first.type,
      percent: first.type === 'SAMPLE' ? String(Math.round(first.percent * 10_000) / 100) : '10',
      path: first.type === 'SAMPLE' ? (first.path ?? '') : '',
      fields:
        first.type === 'DROP_PROPERTIES' || first.type === 'ALLOW_PROPERTIES'
          ? fieldsToPaths(first.fields).join(', ')
          : '',
    },
  }
}

/** The action as the API takes it; the API checks the numbers and the fields. */
function actionOf(draft: ActionDraft): FilterAction {
  switch (draft.type) {
    case 'DROP':
      return { type: 'DROP' }
    case 'SAMPLE': {
      const percent = draft.percent.trim() === '' ? NaN : Number(draft.percent) / 100
      const path = draft.path.trim()
      // NaN goes out as null, which the API refuses by name.
      return { type: 'SAMPLE', percent, ...(path && { path }) }
    }
    case 'DROP_PROPERTIES':
    case 'ALLOW_PROPERTIES':
      return { type: draft.type, fields: pathsToFields(draft.fields.split(/[\s,]+/)) }
  }
}

/** The API's first problem with the actions, named by its key (`percent is required: …`). */
function actionProblem(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined
  const problem = error.problems.find((p) => p.field?.startsWith('actions'))
  if (!problem) return undefined
  const key = problem.field!.split('.').slice(2).join('.')
  return `${key || 'The action'} ${problem.message}`
}

/**
 * Creates or edits one destination filter: title, description, the FQL condition (typed, or
 * written with the builder), the action and the switch, with a live preview beside it. The API's
 * problems show under the fields they concern, FQL errors as soon as the preview meets them.
 */
export function FilterEditor(props: {
  destinationId: string
  sourceId: string
  /** The filter to edit; a new one when undefined. */
  filter: DestinationFilter | undefined
  onSaved(filter: DestinationFilter): void
  onCancel(): void
}) {
  const { filter } = props
  const [draft, setDraft] = useState<Draft>(() => draftOf(filter))
  const [saveError, setSaveError] = useState<unknown>()
  const [saving, setSaving] = useState(false)
  /** Actions after the first, set through the API: kept as they are. */
  const moreActions = filter?.actions.slice(1) ?? []
  const actions = [actionOf(draft.action), ...moreActions]

  const sample = useFilterSample(props.sourceId)
  const definition: FilterDefinition | undefined =
    draft.condition.trim() === '' ? undefined : { if: draft.condition, actions }
  const preview = useFilterPreview(definition, sample.payload)
  const samplePaths = useMemo(() => leafPaths(sample.payload ?? {}), [sample.payload])

  const change = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }))
    setSaveError(undefined)
  }
  const changeAction = (patch: Partial<ActionDraft>) => change({ action: { ...draft.action, ...patch } })

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setSaveError(undefined)
    setSaving(true)
    const body = {
      title: draft.title,
      if: draft.condition,
      actions,
      enabled: draft.enabled,
    }
    try {
      const saved = filter
        ? await api<{ filter: DestinationFilter }>(
            `/destination/${props.destinationId}/filters/${filter.id}`,
            {
              method: 'PATCH',
              body: { ...body, description: draft.description.trim() || null },
            },
          )
        : await api<{ filter: DestinationFilter }>(`/destination/${props.destinationId}/filters`, {
            method: 'POST',
            body: {
              sourceId: props.sourceId,
              ...body,
              ...(draft.description.trim() && { description: draft.description.trim() }),
            },
          })
      props.onSaved(saved.filter)
    } catch (e) {
      setSaveError(e)
    } finally {
      setSaving(false)
    }
  }

  const errors = fieldErrors(saveError)
  const conditionError = errors.if ?? previewConditionError(preview)
  const shown = ['title', 'description', 'if', 'actions']
  const otherError = saveError && !shown.some((f) => errors[f]) ? saveError : undefined
  const choice = ACTION_CHOICES.find((c) => c.type === draft.action.type)!

  return (
    <div className="filter-editor">
      <Panel title={filter ? `Edit “${filter.title}”` : 'New filter'}>
        <form className="form" onSubmit={(e) => void save(e)}>
          <Field id="filter-title" label="Title" error={errors.title}>
            <input
              id="filter-title"
              type="text"
              maxLength={64}
              placeholder="No test events"
              value={draft.title}
              onChange={(e) => change({ title: e.target.value })}
            />
          </Field>
          <Field id="filter-description" label="Description" error={errors.description}>
            <input
              id="filter-description"
              type="text"
              placeholder="Why the filter is there (optional)"
              value={draft.description}
              onChange={(e) => change({ description: e.target.value })}
            />
          </Field>
          <Field
            id="filter-condition"
            label="If the event matches (FQL)"
            error={conditionError}
            errorId="filter-condition-error"
            hint={
              <>
                <code>all</code> matches every event. To send only some events, drop the others:{' '}
                <code>!( event in ['Signed Up', 'Demo Requested'] )</code>. Matching is case-sensitive.
              </>
            }
          >
            <textarea
              id="filter-condition"
              className="code-input"
              rows={3}
              spellCheck={false}
              placeholder="type = 'track' and properties.internal = true"
              value={draft.condition}
              aria-describedby="filter-condition-error"
              onChange={(e) => change({ condition: e.target.value })}
            />
          </Field>
          <FilterConditionBuilder
            sourceId={props.sourceId}
            condition={draft.condition}
            samplePaths={samplePaths}
            onChange={(condition) => change({ condition })}
          />
          <fieldset className={`field filter-action ${errors.actions ? 'has-error' : ''}`}>
            <legend className="field-label">Then</legend>
            <div className="segmented" role="radiogroup" aria-label="Action">
              {ACTION_CHOICES.map((c) => (
                <button
                  key={c.type}
                  type="button"
                  role="radio"
                  aria-checked={c.type === draft.action.type}
                  className={c.type === draft.action.type ? 'active' : ''}
                  onClick={() => changeAction({ type: c.type })}
                >
                  {c.label}
                </button>
              ))}
            </div>
            <span className="hint">{choice.hint}</span>
            {draft.action.type === 'SAMPLE' && (
              <div className="filter-action-inputs">
                <label>
                  <span className="field-label">Share to send (%)</span>
                  <input
                    type="number"
                    aria-label="Share to send (%)"
                    min={0}
                    max={100}
                    step="any"
                    value={draft.action.percent}
                    onChange={(e) => changeAction({ percent: e.target.value })}
                  />
                </label>
                <label className="grow">
                  <span className="field-label">Sample by field (optional)</span>
                  <input
                    type="text"
                    aria-label="Sample by field"
                    placeholder="userId: the same user is always in or out"
                    value={draft.action.path}
                    onChange={(e) => changeAction({ path: e.target.value })}
                  />
                </label>
              </div>
            )}
            {(draft.action.type === 'DROP_PROPERTIES' || draft.action.type === 'ALLOW_PROPERTIES') && (
              <label className="filter-action-inputs">
                <span className="field-label">
                  {draft.action.type === 'DROP_PROPERTIES' ? 'Fields to drop' : 'Fields to keep'}
                </span>
                <input
                  type="text"
                  aria-label={draft.action.type === 'DROP_PROPERTIES' ? 'Fields to drop' : 'Fields to keep'}
                  placeholder="properties.email, context.traits.email"
                  value={draft.action.fields}
                  onChange={(e) => changeAction({ fields: e.target.value })}
                />
              </label>
            )}
            <FieldError message={actionProblem(saveError)} />
            {moreActions.length > 0 && (
              <span className="hint">
                This filter has {moreActions.length} more action{moreActions.length > 1 ? 's' : ''} set
                through the API; {moreActions.length > 1 ? 'they are' : 'it is'} kept as{' '}
                {moreActions.length > 1 ? 'they are' : 'it is'}.
              </span>
            )}
          </fieldset>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.enabled}
              onChange={(e) => change({ enabled: e.target.checked })}
            />
            Enabled: delivery applies it to new events within a few seconds
          </label>
          <ErrorNote error={otherError} />
          <div className="actions">
            <button type="submit" className="button primary" disabled={saving}>
              {filter ? 'Save filter' : 'Create filter'}
            </button>
            <button type="button" className="button ghost" onClick={props.onCancel}>
              Cancel
            </button>
          </div>
        </form>
      </Panel>
      <FilterPreviewPanel
        sample={sample}
        state={preview}
        randomSample={actions.some((a) => a.type === 'SAMPLE' && !a.path)}
        {...(!definition && {
          waiting: 'Write a condition (or use the builder) to see what the filter does.',
        })}
      />
    </div>
  )
}
