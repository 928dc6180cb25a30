import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The loop every consumer runs: call `step` until `signal` aborts. After a failure, `onFailure` is
 * told (to log it) and the loop pauses with exponential back-off, 250 ms doubling to 30 s, before
 * trying the same work again; a success resets the back-off. Pauses end early when `signal` aborts.
 */
export async function runUntilStopped(
  step: () => Promise<unknown>,
  signal: AbortSignal,
  onFailure: (error: unknown, pauseMs: number) => void,
): Promise<void> {
  let failures = 0
  while (!signal.aborted) {
    try {
      await step()
      failures = 0
    } catch (error) {
      if (signal.aborted) break
      failures++
      const pauseMs = Math.min(30_000, 250 * 2 ** Math.min(failures, 7))
      onFailure(error, pauseMs)
      await pause(pauseMs, signal)
    }
  }
}

/** Waits `ms`, or less when `signal` aborts; never throws. */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(() => {})

/**
 * The loop of periodic housekeeping (retention passes): run `pass` now and then every `intervalMs`
 * until `signal` aborts. A failed pass is told to `onFailure` and the next pass comes at its time.
 */
export async function runEvery(
  intervalMs: number,
  pass: () => Promise<unknown>,
  signal: AbortSignal,
  onFailure: (error: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await pass()
    } catch (error) {
      if (signal.aborted) break
      onFailure(error)
    }
    await pause(intervalMs, signal)
  }
}
