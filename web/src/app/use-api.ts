import { useCallback, useEffect, useRef, useState } from 'react'

/** The state of data loaded from the API: loading, failed, or loaded (and reloadable). */
export interface Loaded<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  reload(): void
}

/**
 * Runs `load` when `key` changes (and on `reload`), keeping the last data while reloading.
 * `refreshMs` reloads periodically (for counters that move).
 */
export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  refreshMs?: number,
): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [generation, setGeneration] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load

  useEffect(() => {
    const controller = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, loading: false }),
      (error: Error) => !controller.signal.aborted && setState((s) => ({ ...s, error, loading: false })),
    )
    return () => controller.abort()
  }, [key, generation])

  useEffect(() => {
    if (!refreshMs) return
    const timer = setInterval(() => setGeneration((g) => g + 1), refreshMs)
    return () => clearInterval(timer)
  }, [refreshMs])

  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}
