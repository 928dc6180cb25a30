import { useEffect, useMemo, useState } from 'react'
import type { ArchivedMessage } from '../api/models.ts'
import { readEventStream } from '../api/event-stream.ts'
import { JsonTree } from '../components/json-tree.tsx'
import { SourceTabs } from '../components/source-tabs.tsx'
import { Badge, EmptyState, PageHeader, Panel, Toggle } from '../components/ui.tsx'
import { Link } from '../app/router.tsx'

const KEEP = 500

type StreamState = 'connecting' | 'live' | 'reconnecting'

/** The live debugger: the source's newest events, then each one as it arrives. */
export function DebuggerPage({ sourceId }: { sourceId: string }) {
  const [messages, setMessages] = useState<ArchivedMessage[]>([])
  const [state, setState] = useState<StreamState>('connecting')
  const [paused, setPaused] = useState(false)
  const [search, setSearch] = useState('')
  const [selectedId, setSelectedId] = useState<string>()
  const [view, setView] = useState<'pretty' | 'raw'>('pretty')
  useDebuggerStream(sourceId, paused, setMessages, setState)

  const needle = search.trim().toLowerCase()
  const shown = useMemo(
    () =>
      needle ? messages.filter((m) => JSON.stringify(m.message).toLowerCase().includes(needle)) : messages,
    [messages, needle],
  )
  const selected = messages.find((m) => m.id === selectedId) ?? shown[0]

  return (
    <>
      <PageHeader
        title="Debugger"
        subtitle="Events as they arrive at this source."
        back={{ to: `/sources/${sourceId}`, label: 'Source' }}
      />
      <SourceTabs sourceId={sourceId} current={`/sources/${sourceId}/debugger`} />
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search events (name, user, property…)"
          aria-label="Search events"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Toggle checked={!paused} onChange={(live) => setPaused(!live)} label={paused ? 'Paused' : 'Live'} />
        <Badge tone={state === 'live' && !paused ? 'good' : 'neutral'}>{paused ? 'paused' : state}</Badge>
      </div>
      {messages.length === 0 ? (
        <Panel>
          <EmptyState title="Waiting for events…">
            Install the snippet from the <Link to={`/sources/${sourceId}`}>source’s overview</Link>, or send
            one with curl; it shows here within a second.
          </EmptyState>
        </Panel>
      ) : (
        <div className="debugger">
          <Panel className="debugger-list">
            {shown.length === 0 ? (
              <EmptyState title={`Nothing matches “${search}”`} />
            ) : (
              <ul>
                {shown.map((m) => (
                  <li key={m.id}>
                    <button
                      type="button"
                      className={m.id === selected?.id ? 'event-row selected' : 'event-row'}
                      onClick={() => setSelectedId(m.id)}
                    >
                      <span className={`type type-${String(m.message.type)}`}>{String(m.message.type)}</span>
                      <span className="event-title">{titleOf(m.message)}</span>
                      {m.blocked && <Badge tone="warn">blocked</Badge>}
                      <time className="muted small">{new Date(m.receivedAt).toLocaleTimeString()}</time>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          <Panel
            className="debugger-detail"
            title={selected ? titleOf(selected.message) : undefined}
            actions={
              <div className="segmented" role="group" aria-label="View">
                {(['pretty', 'raw'] as const).map((v) => (
                  <button
                    key={v}
                    type="button"
                    className={v === view ? 'active' : ''}
                    onClick={() => setView(v)}
                  >
                    {v === 'pretty' ? 'Pretty' : 'Raw'}
                  </button>
                ))}
              </div>
            }
          >
            {selected &&
              (view === 'pretty' ? (
                <JsonTree value={selected.message} />
              ) : (
                <pre className="raw-json" aria-label="Raw event">
                  {JSON.stringify(selected.message, null, 2)}
                </pre>
              ))}
          </Panel>
        </div>
      )}
    </>
  )
}

/** Follows the debugger stream while not paused, reconnecting after 3 s when it drops. */
function useDebuggerStream(
  sourceId: string,
  paused: boolean,
  setMessages: (update: (old: ArchivedMessage[]) => ArchivedMessage[]) => void,
  setState: (state: StreamState) => void,
) {
  useEffect(() => {
    if (paused) return
    const controller = new AbortController()
    const run = async () => {
      while (!controller.signal.aborted) {
        setState('connecting')
        try {
          await readEventStream(
            `/sources/${sourceId}/debugger/stream`,
            {},
            (event) => {
              if (event.event === 'ready') setState('live')
              if (event.event !== 'message') return
              const message = JSON.parse(event.data) as ArchivedMessage
              setMessages((old) =>
                old.some((m) => m.id === message.id) ? old : [message, ...old].slice(0, KEEP),
              )
            },
            controller.signal,
          )
        } catch {
          // Dropped or refused: try again shortly.
        }
        if (controller.signal.aborted) return
        setState('reconnecting')
        await new Promise((resolve) => setTimeout(resolve, 3000))
      }
    }
    void run()
    return () => controller.abort()
  }, [sourceId, paused, setMessages, setState])
}

function titleOf(message: Record<string, unknown>): string {
  const type = String(message.type)
  if (type === 'track') return String(message.event ?? '')
  if (type === 'page' || type === 'screen')
    return String(message.name ?? (message.properties as { path?: string })?.path ?? type)
  if (type === 'identify') return String(message.userId ?? message.anonymousId ?? '')
  if (type === 'group') return String(message.groupId ?? '')
  if (type === 'alias') return `${String(message.previousId)} → ${String(message.userId)}`
  return type
}
