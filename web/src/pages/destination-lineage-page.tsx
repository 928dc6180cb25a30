import { useState, type FormEvent } from 'react'
import { api, ApiError, listAll } from '../api/client.ts'
import type { ArchivedMessage, Destination, DestinationFilter, MessageLineage } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { DestinationFrame } from '../components/destination-frame.tsx'
import { LineageDestinations, LineageTimeline, LineageWarehouses } from '../components/lineage-timeline.tsx'
import { EmptyState, ErrorNote, formatTime, Loading, Panel } from '../components/ui.tsx'

/** Recent messages of the source to pick from. */
const RECENT = 15

/**
 * Lineage of one message: search a messageId (or pick one of the source's recent messages) and see
 * its way through Switchyard: received, processed, each destination's outcome (this one
 * highlighted) with attempts, status codes and errors, and the warehouses. `?messageId=` links here.
 */
export function DestinationLineagePage({ destinationId }: { destinationId: string }) {
  return (
    <DestinationFrame destinationId={destinationId} tab="lineage">
      {(d) => <Lineage destination={d} />}
    </DestinationFrame>
  )
}

function Lineage({ destination }: { destination: Destination }) {
  const [typed, setTyped] = useState(() => new URLSearchParams(location.search).get('messageId') ?? '')
  const [messageId, setMessageId] = useState(typed.trim())

  const show = (id: string) => {
    const trimmed = id.trim()
    setTyped(trimmed)
    setMessageId(trimmed)
    const search = trimmed ? `?messageId=${encodeURIComponent(trimmed)}` : ''
    history.replaceState(null, '', `${location.pathname}${search}`)
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    show(typed)
  }

  return (
    <>
      <Panel title="Find a message">
        <form className="inline-form" onSubmit={submit}>
          <div className="field">
            <label htmlFor="lineage-message-id">Message ID</label>
            <input
              id="lineage-message-id"
              type="search"
              placeholder="ajs-next-1a2b3c… or the messageId you sent"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
          <button type="submit" className="button primary" disabled={typed.trim() === ''}>
            Show lineage
          </button>
        </form>
        <span className="hint">
          Lineage shows what happened to one message: when it arrived, and what each destination did with it.
        </span>
      </Panel>
      <div className="lineage-layout">
        <div className="lineage-main">
          {messageId ? (
            <LineageResult
              sourceId={destination.sourceId}
              destinationId={destination.id}
              messageId={messageId}
            />
          ) : (
            <Panel>
              <EmptyState title="Pick a message">
                Type a message ID above, or choose one of the source’s recent messages.
              </EmptyState>
            </Panel>
          )}
        </div>
        <RecentMessages sourceId={destination.sourceId} selected={messageId} onPick={show} />
      </div>
    </>
  )
}

function LineageResult(props: { sourceId: string; destinationId: string; messageId: string }) {
  const { sourceId, destinationId, messageId } = props
  const lineage = useApi(
    async () =>
      (
        await api<{ lineage: MessageLineage }>(
          `/sources/${sourceId}/messages/${encodeURIComponent(messageId)}/lineage`,
        )
      ).lineage,
    `lineage-${sourceId}-${messageId}`,
  )
  const filters = useApi(
    () => listAll<DestinationFilter>(`/destination/${destinationId}/filters`, 'filters'),
    `filters-${destinationId}`,
  )
  const filterTitles = new Map((filters.data ?? []).map((f) => [f.id, f.title]))

  // A new search keeps the last answer while loading: show it only when it is the one asked for.
  const data = lineage.data?.messageId === messageId ? lineage.data : undefined
  if (!data) {
    if (lineage.loading) return <Loading what="the lineage" />
    if (lineage.error instanceof ApiError && lineage.error.status === 404)
      return (
        <Panel>
          <EmptyState title={`No lineage for “${messageId}”`}>
            Switchyard has no record of this message for this source: it may not have been received, may not
            be processed yet, may belong to another source, or may be older than the lineage retention. Check
            the ID, or pick one of the recent messages.
          </EmptyState>
          <div className="actions lineage-again">
            <button type="button" className="button" onClick={lineage.reload}>
              Look again
            </button>
          </div>
        </Panel>
      )
    return <ErrorNote error={lineage.error} />
  }
  const processed = data.events.find((e) => e.stage === 'process')?.at ?? null
  return (
    <>
      <Panel
        title="Timeline"
        actions={
          <button type="button" className="button small" onClick={lineage.reload} disabled={lineage.loading}>
            {lineage.loading ? 'Refreshing…' : 'Refresh'}
          </button>
        }
      >
        <p className="muted small lineage-id">
          Message <code>{data.messageId}</code>
          {data.receivedAt && <> · received {formatTime(data.receivedAt)}</>}
        </p>
        <LineageTimeline lineage={data} destinationId={destinationId} filterTitles={filterTitles} />
      </Panel>
      <Panel title="Destinations">
        <LineageDestinations lineage={data} destinationId={destinationId} filterTitles={filterTitles} />
      </Panel>
      <Panel title="Warehouses">
        <LineageWarehouses sourceId={sourceId} processedAt={processed} />
      </Panel>
    </>
  )
}

/** The source's newest messages, newest first, to look one up with a click. */
function RecentMessages(props: { sourceId: string; selected: string; onPick(messageId: string): void }) {
  const recent = useApi(
    async () =>
      (
        await api<{ messages: ArchivedMessage[] }>(`/sources/${props.sourceId}/archive/messages`, {
          query: { 'pagination[count]': RECENT },
        })
      ).messages,
    `lineage-recent-${props.sourceId}`,
  )
  return (
    <Panel
      title="Recent messages"
      className="lineage-recent"
      actions={
        <button type="button" className="button small" onClick={recent.reload} disabled={recent.loading}>
          Refresh
        </button>
      }
    >
      {recent.error ? (
        <ErrorNote error={recent.error} />
      ) : !recent.data ? (
        <Loading what="recent messages" />
      ) : recent.data.length === 0 ? (
        <EmptyState title="No messages yet">
          Send events to the source (see its <Link to={`/sources/${props.sourceId}`}>install snippet</Link>);
          they show up here.
        </EmptyState>
      ) : (
        <ul aria-label="Recent messages">
          {recent.data.map((m) => {
            const id = String(m.message.messageId ?? '')
            return (
              <li key={m.id}>
                <button
                  type="button"
                  className={
                    id === props.selected ? 'event-row lineage-row selected' : 'event-row lineage-row'
                  }
                  onClick={() => props.onPick(id)}
                  title={id}
                >
                  <span className={`type type-${String(m.message.type)}`}>{String(m.message.type)}</span>
                  <span className="event-title">{titleOf(m.message)}</span>
                  <time className="muted small">{new Date(m.receivedAt).toLocaleTimeString()}</time>
                  <span className="lineage-row-id muted small">{id}</span>
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </Panel>
  )
}

function titleOf(message: Record<string, unknown>): string {
  const type = String(message.type)
  if (type === 'track') return String(message.event ?? '')
  if (type === 'page' || type === 'screen')
    return String(message.name ?? (message.properties as { path?: string })?.path ?? type)
  return String(message.userId ?? message.anonymousId ?? message.groupId ?? type)
}
