import { Fragment, useState } from 'react'
import { api, errorMessage, listAll } from '../api/client.ts'
import type { SchemaEvent } from '../api/models.ts'
import { windowRange, type TimeWindow } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { SchemaFieldsTable } from '../components/source-schema-fields.tsx'
import { SourceTabs } from '../components/source-tabs.tsx'
import {
  Badge,
  EmptyState,
  ErrorNote,
  Loading,
  PageHeader,
  Panel,
  formatCount,
  formatTime,
} from '../components/ui.tsx'

type SchemaView = 'events' | 'identify' | 'group'

const VIEWS: Array<{ view: SchemaView; label: string }> = [
  { view: 'events', label: 'Events' },
  { view: 'identify', label: 'Identify traits' },
  { view: 'group', label: 'Group traits' },
]

const WINDOWS: Array<{ window: TimeWindow; label: string }> = [
  { window: '24h', label: 'Last 24 hours' },
  { window: '7d', label: 'Last 7 days' },
]

/** How often the counts refresh while the page is open. */
const REFRESH_MS = 15_000

/**
 * A source's schema, as Segment's Schema tab shows it: every event seen with its counts (over a
 * window and in all), the properties of each, the identify and group traits; block or allow a
 * track event.
 */
export function SourceSchemaPage({ sourceId }: { sourceId: string }) {
  const [view, setView] = useState<SchemaView>('events')
  const [timeWindow, setTimeWindow] = useState<TimeWindow>('24h')
  const [search, setSearch] = useState('')
  const events = useApi(
    () => listAll<SchemaEvent>(`/sources/${sourceId}/schema/events`, 'events', {}, 4000),
    `schema-events-${sourceId}`,
    REFRESH_MS,
  )
  const windowCounts = useApi(
    () => loadWindowCounts(sourceId, timeWindow),
    `schema-volume-${sourceId}-${timeWindow}`,
    REFRESH_MS,
  )
  const callsOf = (type: string) => events.data?.find((e) => e.type === type)?.counts.total

  return (
    <>
      <PageHeader
        title="Schema"
        subtitle="The events, properties and traits this source has received."
        back={{ to: `/sources/${sourceId}`, label: 'Source' }}
      />
      <SourceTabs sourceId={sourceId} current={`/sources/${sourceId}/schema`} />
      <div className="toolbar schema-toolbar">
        <div className="segmented" role="group" aria-label="Schema view">
          {VIEWS.map((v) => (
            <button
              key={v.view}
              type="button"
              className={v.view === view ? 'active' : ''}
              aria-pressed={v.view === view}
              onClick={() => setView(v.view)}
            >
              {v.label}
            </button>
          ))}
        </div>
        <input
          type="search"
          placeholder={view === 'events' ? 'Search events' : 'Search traits'}
          aria-label={view === 'events' ? 'Search events' : 'Search traits'}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        {view === 'events' && (
          <select
            aria-label="Counts over"
            value={timeWindow}
            onChange={(e) => setTimeWindow(e.target.value as TimeWindow)}
          >
            {WINDOWS.map((w) => (
              <option key={w.window} value={w.window}>
                {w.label}
              </option>
            ))}
          </select>
        )}
      </div>
      {!events.data ? (
        <Panel>{events.error ? <ErrorNote error={events.error} /> : <Loading what="the schema" />}</Panel>
      ) : events.data.length === 0 ? (
        <Panel>
          <NoEventsYet sourceId={sourceId} />
        </Panel>
      ) : view === 'events' ? (
        <EventsPanel
          sourceId={sourceId}
          events={events.data}
          windowCounts={windowCounts.data}
          windowLabel={WINDOWS.find((w) => w.window === timeWindow)!.label}
          windowError={windowCounts.error}
          search={search}
          onChanged={events.reload}
        />
      ) : (
        <Panel title={view === 'identify' ? 'Identify traits' : 'Group traits'}>
          <SchemaFieldsTable
            key={view}
            sourceId={sourceId}
            of={{ kind: 'traits', type: view }}
            label={view === 'identify' ? 'Identify traits' : 'Group traits'}
            calls={callsOf(view)}
            search={search}
            refreshMs={REFRESH_MS}
            empty={
              view === 'identify'
                ? {
                    title: 'No identify traits yet',
                    hint: 'They show here once an identify call carries traits, like analytics.identify("user-1", { email: "…" }).',
                  }
                : {
                    title: 'No group traits yet',
                    hint: 'They show here once a group call carries traits, like analytics.group("company-1", { name: "…" }).',
                  }
            }
          />
        </Panel>
      )}
    </>
  )
}

/** The schema's event rows with their counts; a row opens to its properties (or traits). */
function EventsPanel(props: {
  sourceId: string
  events: SchemaEvent[]
  windowCounts: Map<string, number> | undefined
  windowLabel: string
  windowError: Error | undefined
  search: string
  onChanged(): void
}) {
  const [open, setOpen] = useState<Set<string>>(new Set())
  const needle = props.search.trim().toLowerCase()
  const shown = (
    needle
      ? props.events.filter((e) => `${e.type} ${labelOf(e)}`.toLowerCase().includes(needle))
      : props.events
  ).toSorted((a, b) => typeRank(a.type) - typeRank(b.type) || a.name.localeCompare(b.name))
  const toggle = (key: string) =>
    setOpen((old) => {
      const next = new Set(old)
      if (!next.delete(key)) next.add(key)
      return next
    })
  const blockedCount = props.events.filter((e) => e.blocked).length

  return (
    <Panel
      title="Events"
      actions={
        <span className="muted small">
          {formatCount(props.events.length)} seen
          {blockedCount > 0 && ` · ${formatCount(blockedCount)} blocked`}
        </span>
      }
    >
      <p className="hint block schema-intro">
        Block a track event to drop it from then on: it still shows in the debugger, flagged, but goes to no
        destination or warehouse and is never replayed. Allow it again at any time.
      </p>
      <ErrorNote error={props.windowError} />
      {shown.length === 0 ? (
        <EmptyState title={`Nothing matches “${props.search}”`}>
          Try part of an event name or a type.
        </EmptyState>
      ) : (
        <table className="table schema-events" aria-label="Events">
          <thead>
            <tr>
              <th>Event</th>
              <th>Type</th>
              <th className="num">{props.windowLabel}</th>
              <th className="num">All time</th>
              <th>Last seen</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => {
              const key = rowKey(e.type, e.name)
              const isOpen = open.has(key)
              return (
                <Fragment key={key}>
                  <tr className={e.blocked ? 'schema-row blocked' : 'schema-row'}>
                    <td>
                      <button
                        type="button"
                        className="link-button schema-event-name"
                        aria-expanded={isOpen}
                        onClick={() => toggle(key)}
                      >
                        <span className="schema-caret" aria-hidden="true">
                          {isOpen ? '▾' : '▸'}
                        </span>
                        {labelOf(e)}
                      </button>
                    </td>
                    <td>
                      <span className={`type type-${e.type}`}>{e.type}</span>
                    </td>
                    <td className="num">
                      {props.windowCounts ? formatCount(props.windowCounts.get(key) ?? 0) : '…'}
                    </td>
                    <td className="num nowrap">
                      {formatCount(e.counts.total)}
                      {e.counts.blocked > 0 && (
                        <span className="muted small" title="Arrived while blocked">
                          {' '}
                          ({formatCount(e.counts.blocked)} blocked)
                        </span>
                      )}
                    </td>
                    <td className="muted small">{formatTime(e.lastSeenAt)}</td>
                    <td>
                      <BlockControl sourceId={props.sourceId} event={e} onChanged={props.onChanged} />
                    </td>
                  </tr>
                  {isOpen && (
                    <tr className="schema-detail">
                      <td colSpan={6}>
                        <EventFields sourceId={props.sourceId} event={e} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              )
            })}
          </tbody>
        </table>
      )}
    </Panel>
  )
}

/** What an opened row shows: a track, page or screen's properties, or identify or group traits. */
function EventFields({ sourceId, event }: { sourceId: string; event: SchemaEvent }) {
  const label = `${event.type === 'identify' || event.type === 'group' ? 'Traits' : 'Properties'} of ${labelOf(event)}`
  if (event.type === 'track' || event.type === 'page' || event.type === 'screen')
    return (
      <SchemaFieldsTable
        sourceId={sourceId}
        of={{ kind: 'properties', type: event.type, event: event.name }}
        label={label}
        calls={event.counts.total}
        empty={{ title: 'No properties seen', hint: 'These calls have arrived without properties.' }}
      />
    )
  if (event.type === 'identify' || event.type === 'group')
    return (
      <SchemaFieldsTable
        sourceId={sourceId}
        of={{ kind: 'traits', type: event.type }}
        label={label}
        calls={event.counts.total}
        empty={{ title: 'No traits seen', hint: 'These calls have arrived without traits.' }}
      />
    )
  return <p className="muted small">{event.type} calls carry no properties or traits.</p>
}

/** Allowed or blocked, with the button that changes it (track events only, as in Segment). */
function BlockControl(props: { sourceId: string; event: SchemaEvent; onChanged(): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const { event } = props
  if (event.type !== 'track') return <span className="muted small">Always allowed</span>

  const setBlocked = async (blocked: boolean) => {
    setBusy(true)
    setError(undefined)
    try {
      await api(`/sources/${props.sourceId}/schema/events`, {
        method: 'PATCH',
        body: { events: [{ name: event.name, blocked }] },
      })
      props.onChanged()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="schema-block">
      <Badge tone={event.blocked ? 'warn' : 'good'}>{event.blocked ? 'Blocked' : 'Allowed'}</Badge>
      <button
        type="button"
        className={event.blocked ? 'button small' : 'button small danger'}
        disabled={busy}
        aria-label={`${event.blocked ? 'Allow' : 'Block'} ${event.name}`}
        onClick={() => void setBlocked(!event.blocked)}
      >
        {event.blocked ? 'Allow' : 'Block'}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}

function NoEventsYet({ sourceId }: { sourceId: string }) {
  return (
    <EmptyState
      title="No events yet"
      action={
        <Link to={`/sources/${sourceId}/debugger`} className="button small">
          Open the debugger
        </Link>
      }
    >
      Send a first event: install the snippet from the{' '}
      <Link to={`/sources/${sourceId}`}>source’s overview</Link>, or send one with curl. Its name, properties
      and traits show here within seconds of arriving.
    </EmptyState>
  )
}

const rowKey = (type: string, name: string) => `${type}\u0000${name}`

/** Track events first, as they are what a schema is mostly about; then the other calls. */
const TYPE_ORDER = ['track', 'page', 'screen', 'identify', 'group', 'alias']
function typeRank(type: string): number {
  const rank = TYPE_ORDER.indexOf(type)
  return rank === -1 ? TYPE_ORDER.length : rank
}

/** How a schema row is named: the event, page or screen name, else what the calls are. */
function labelOf(event: SchemaEvent): string {
  if (event.name) return event.name
  if (event.type === 'page') return 'Unnamed pages'
  if (event.type === 'screen') return 'Unnamed screens'
  return `All ${event.type} calls`
}

/** Events received over the window by call type and name (`getEventsVolumeFromWorkspace`). */
async function loadWindowCounts(sourceId: string, timeWindow: TimeWindow): Promise<Map<string, number>> {
  const series = await listAll<{ eventName?: string; eventType?: string; total: number }>(
    '/events/volume',
    'result',
    { ...windowRange(timeWindow), sourceId, groupBy: 'eventName,eventType' },
  )
  const counts = new Map<string, number>()
  for (const s of series) {
    if (s.eventType === undefined) continue
    const key = rowKey(s.eventType, s.eventName ?? '')
    counts.set(key, (counts.get(key) ?? 0) + s.total)
  }
  return counts
}
