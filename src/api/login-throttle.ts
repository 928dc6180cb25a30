/**
 * Slows and then stops password guessing, per account (the email as typed, normalised, whether or
 * not an account has it) and per client address:
 * - the first `freeAttempts` failures in a row cost nothing;
 * - after that, each failure makes the next attempt wait `delayMs` from the failure's answer,
 *   doubling per further failure;
 * - at `lockAfter` failures in a row, attempts wait `lockMs` (the lock-out);
 * - a key's failures are forgotten once its wait is over and `lockMs` more pass without a failure
 *   (so a failure right after a lock-out locks again); a successful login forgets the account's at
 *   once (not the address's: one good account must not launder an address).
 * An attempt that comes too early is refused without checking the password (429 with
 * `Retry-After`) and counts as nothing. Every allowed attempt is counted as a failure before the
 * password is checked, and given back on success, so parallel guesses can't slip past the count.
 *
 * State is in memory, per process, like the API rate limiter.
 */

export interface ThrottlePolicy {
  /** Failures in a row that cost nothing. */
  freeAttempts: number
  /** Wait after the first costly failure; doubles with each further one. */
  delayMs: number
  /** Failures in a row that lock the key. */
  lockAfter: number
  /** How long a lock lasts; also how long a key's failures are remembered after its wait. */
  lockMs: number
}

export interface LoginThrottleOptions {
  account: ThrottlePolicy
  address: ThrottlePolicy
  /** Keys kept at most (the oldest quiet ones are dropped first). */
  maxKeys?: number
}

interface KeyState {
  failures: number
  lastFailureAt: number
}

/** An attempt that may go ahead: report how it ended with `succeeded` or `failed`. */
export interface LoginAttempt {
  readonly allowed: true
  readonly account: string
  readonly address: string
}

export interface LoginRefusal {
  readonly allowed: false
  readonly retryAfterMs: number
  /** Whether the wait is a lock-out (else an escalating delay). */
  readonly locked: boolean
}

/** How long a key with these failures must wait after its last one. */
export function waitAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures >= policy.lockAfter) return policy.lockMs
  if (failures < policy.freeAttempts) return 0
  const doublings = Math.min(failures - policy.freeAttempts, 30)
  return Math.min(policy.delayMs * 2 ** doublings, policy.lockMs)
}

export class LoginThrottle {
  readonly #keys = new Map<string, KeyState>()
  readonly #maxKeys: number

  constructor(private readonly options: LoginThrottleOptions) {
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  /** Whether an attempt for this account from this address may go ahead now; counts it if so. */
  begin(account: string, address: string, now: number): LoginAttempt | LoginRefusal {
    const keys = [
      [`account:${account}`, this.options.account],
      [`address:${address}`, this.options.address],
    ] as const
    let refusal: LoginRefusal | undefined
    for (const [key, policy] of keys) {
      const state = this.#current(key, policy, now)
      if (!state) continue
      const retryAfterMs = state.lastFailureAt + waitAfter(state.failures, policy) - now
      if (retryAfterMs > 0 && retryAfterMs > (refusal?.retryAfterMs ?? 0)) {
        refusal = { allowed: false, retryAfterMs, locked: state.failures >= policy.lockAfter }
      }
    }
    if (refusal) return refusal
    for (const [key, policy] of keys) {
      const state = this.#current(key, policy, now) ?? { failures: 0, lastFailureAt: now }
      this.#keys.delete(key)
      this.#keys.set(key, { failures: state.failures + 1, lastFailureAt: now })
    }
    this.#bound(now)
    return { allowed: true, account: `account:${account}`, address: `address:${address}` }
  }

  /** The password was right: forget the account's failures and give the address its attempt back. */
  succeeded(attempt: LoginAttempt): void {
    this.#keys.delete(attempt.account)
    const address = this.#keys.get(attempt.address)
    if (address && address.failures > 1) address.failures -= 1
    else this.#keys.delete(attempt.address)
  }

  /**
   * The password was wrong (already counted): the wait runs from now, the end of the attempt, and
   * the answer says which of the two keys this failure locked.
   */
  failed(attempt: LoginAttempt, now: number): { accountLocked: boolean; addressLocked: boolean } {
    const account = this.#keys.get(attempt.account)
    const address = this.#keys.get(attempt.address)
    if (account) account.lastFailureAt = Math.max(account.lastFailureAt, now)
    if (address) address.lastFailureAt = Math.max(address.lastFailureAt, now)
    return {
      accountLocked: account?.failures === this.options.account.lockAfter,
      addressLocked: address?.failures === this.options.address.lockAfter,
    }
  }

  /** The key's state, or undefined once its failures are forgotten. */
  #current(key: string, policy: ThrottlePolicy, now: number): KeyState | undefined {
    const state = this.#keys.get(key)
    if (!state) return undefined
    if (now - state.lastFailureAt >= waitAfter(state.failures, policy) + policy.lockMs) {
      this.#keys.delete(key)
      return undefined
    }
    return state
  }

  #bound(now: number): void {
    if (this.#keys.size <= this.#maxKeys) return
    for (const [key] of this.#keys) {
      const policy = key.startsWith('account:') ? this.options.account : this.options.address
      this.#current(key, policy, now)
    }
    // Still too many: drop the least recently failed (the map is in order of last failure).
    for (const [key] of this.#keys) {
      if (this.#keys.size <= this.#maxKeys) break
      this.#keys.delete(key)
    }
  }
}
