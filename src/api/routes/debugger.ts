import { isGranted } from '../principal.ts'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsync } from 'fastify'
import type { ArchiveFilter, Store } from '../../store/index.ts'
import type { ApiContext } from '../context.ts'
import { archivedMessageJson, readArchiveFilter, sourceOf } from './archive-query.ts'

export interface DebuggerOptions extends ApiContext {
  /** How often the archive is asked for new messages. Default 500 ms. */
  pollMs?: number
  /** How often a comment line keeps idle connections (and proxies) open. Default 15 s. */
  heartbeatMs?: number
}

/** Messages sent first, and at most per poll: Segment's debugger shows up to 500. */
export const DEBUGGER_BACKLOG = 500

/**
 * The Source Debugger's live stream, as Server-Sent Events: the newest archived messages of the
 * source (up to 500, oldest first), an `event: ready`, then each message as it is archived, found
 * by polling the archive by id (so it works whichever process archived it). Filters: `messageId`,
 * `userId`, `event`, `type`. Each message is `event: message`, `id:` its archive id, `data:` the
 * archived message as JSON; a reconnecting `EventSource` sends `Last-Event-ID` and gets what it
 * missed (up to 500). Browsers' `EventSource` can't send headers, so the token may come as `?token=`.
 */
export const debuggerRoutes: FastifyPluginAsync<DebuggerOptions> = async (app, options) => {
  const { store } = options
  const pollMs = options.pollMs ?? 500
  const heartbeatMs = options.heartbeatMs ?? 15_000
  const open = new Set<AbortController>()
  // A stream never ends on its own: shutting down ends them, or closing the server would wait forever.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.abort()
  })

  app.get<{ Params: { sourceId: string }; Querystring: Record<string, unknown> }>(
    '/sources/:sourceId/debugger/stream',
    { config: { operation: 'streamSourceDebugger', permission: 'source:read', eventStream: true } },
    async (request, reply) => {
      const source = await sourceOf(store, request.principal.workspaceId, request.params.sourceId)
      const filter = readArchiveFilter(request.query)
      const lastEventId = Number(request.headers['last-event-id'])
      const stream = new AbortController()
      open.add(stream)
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      })
      request.raw.socket.setNoDelay(true)
      res.on('close', () => stream.abort())
      const write = async (chunk: string) => {
        if (stream.signal.aborted) return
        if (!res.write(chunk)) await once(res, 'drain', { signal: stream.signal }).catch(() => {})
      }
      const heartbeat = setInterval(() => void write(': heartbeat\n\n'), heartbeatMs)
      try {
        await write('retry: 3000\n\n')
        await follow(store, source.id, filter, Number.isSafeInteger(lastEventId) ? lastEventId : 0, {
          write,
          signal: stream.signal,
          pollMs,
          mask: !isGranted(request.principal, 'pii:read'),
          log: (error) => request.log.warn({ err: error }, 'debugger stream could not read the archive'),
        })
      } finally {
        clearInterval(heartbeat)
        open.delete(stream)
        res.end()
      }
    },
  )
}

interface Follower {
  write(chunk: string): Promise<void>
  signal: AbortSignal
  pollMs: number
  /** Mask personal data: the caller has no PII access. */
  mask: boolean
  log(error: unknown): void
}

const messageEvent = (m: Parameters<typeof archivedMessageJson>[0], mask: boolean) =>
  `id: ${m.id}\nevent: message\ndata: ${archivedMessageJson(m, mask)}\n\n`

/** Sends the backlog, then new messages until the signal aborts. */
async function follow(
  store: Store,
  sourceId: string,
  filter: ArchiveFilter | undefined,
  lastEventId: number,
  f: Follower,
): Promise<void> {
  let cursor = await store.archive.latestId(sourceId)
  const backlog = filter
    ? (await store.archive.newest(sourceId, filter, { before: cursor + 1, limit: DEBUGGER_BACKLOG })).filter(
        (m) => m.id > lastEventId,
      )
    : []
  for (const m of backlog.reverse()) await f.write(messageEvent(m, f.mask))
  await f.write(`event: ready\ndata: {"backlog":${backlog.length}}\n\n`)
  while (!f.signal.aborted) {
    await sleep(f.pollMs, undefined, { signal: f.signal }).catch(() => {})
    if (f.signal.aborted) return
    try {
      // Bounded by the newest id, so that a filter doesn't re-read the same non-matching rows.
      for (;;) {
        const latest = await store.archive.latestId(sourceId)
        if (latest <= cursor) break
        const found = filter
          ? await store.archive.after(sourceId, filter, {
              after: cursor,
              upTo: latest,
              limit: DEBUGGER_BACKLOG,
            })
          : []
        for (const m of found) await f.write(messageEvent(m, f.mask))
        cursor = found.length === DEBUGGER_BACKLOG ? found.at(-1)!.id : latest
        if (f.signal.aborted || found.length < DEBUGGER_BACKLOG) break
      }
    } catch (error) {
      f.log(error)
    }
  }
}
