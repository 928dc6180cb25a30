/**
 * Lets a reader wait for new records without busy-polling: appends in this process wake waiters of
 * their topic at once; a wait also ends after `timeoutMs`, so the caller re-checks for records that
 * other processes appended (the poll fallback), and on abort or `wakeAll` (close).
 */
export class AppendWaiter {
  readonly #waiters = new Map<string, Set<() => void>>()

  wait(topic: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(topic)
      if (waiters === undefined) this.#waiters.set(topic, (waiters = new Set()))
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        waiters.delete(done)
        if (waiters.size === 0 && this.#waiters.get(topic) === waiters) this.#waiters.delete(topic)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      signal?.addEventListener('abort', done, { once: true })
      waiters.add(done)
    })
  }

  notify(topic: string): void {
    for (const done of [...(this.#waiters.get(topic) ?? [])]) done()
  }

  wakeAll(): void {
    for (const topic of [...this.#waiters.keys()]) this.notify(topic)
  }
}
