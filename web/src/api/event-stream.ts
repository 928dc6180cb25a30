import { apiUrl, authHeaders, type RequestOptions } from './client.ts'

/** One Server-Sent Event. */
export interface StreamEvent {
  event: string
  id: string | undefined
  data: string
}

/**
 * Reads a Server-Sent Events operation with `fetch`, so that it carries the same credentials as
 * every other call (a browser's `EventSource` can't send the token header). Resolves when the
 * stream ends or `signal` aborts; reconnecting is the caller's choice.
 */
export async function readEventStream(
  path: string,
  query: RequestOptions['query'],
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(apiUrl(path, query), {
    headers: { accept: 'text/event-stream', ...authHeaders('GET') },
    credentials: 'same-origin',
    signal,
  })
  if (!response.ok || !response.body) throw new Error(`The event stream answered ${response.status}`)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let current: StreamEvent = { event: 'message', id: undefined, data: '' }
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '')
        buffer = buffer.slice(newline + 1)
        if (line === '') {
          if (current.data) onEvent({ ...current, data: current.data.replace(/\n$/, '') })
          current = { event: 'message', id: undefined, data: '' }
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon < 0 ? line : line.slice(0, colon)
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') current.event = text
          else if (field === 'id') current.id = text
          else if (field === 'data') current.data += `${text}\n`
        }
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e
  } finally {
    reader.releaseLock()
  }
}
