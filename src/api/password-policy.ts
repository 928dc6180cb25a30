import { SwitchyardError } from '../errors/index.ts'

export const MIN_PASSWORD_LENGTH = 12
/** Long enough for any passphrase, short enough that hashing it costs nothing extra. */
export const MAX_PASSWORD_LENGTH = 256

/**
 * The password rules (docs/iam.md): 12 to 256 characters (counted as code points), not only
 * whitespace, and not the email itself. Length beats composition rules (NIST SP 800-63B), so there
 * are none of those. Throws `SY_API_VALIDATION` naming `field`.
 */
export function checkPassword(password: string, email: string, field = 'password'): void {
  const length = [...password].length
  const problem =
    length < MIN_PASSWORD_LENGTH
      ? `must be at least ${MIN_PASSWORD_LENGTH} characters long`
      : length > MAX_PASSWORD_LENGTH
        ? `must be at most ${MAX_PASSWORD_LENGTH} characters long`
        : password.trim() === ''
          ? 'must not be only spaces'
          : password.trim().toLowerCase() === email.trim().toLowerCase()
            ? 'must not be the email address'
            : undefined
  if (problem) throw new SwitchyardError('SY_API_VALIDATION', `The password ${problem}`, { field })
}
