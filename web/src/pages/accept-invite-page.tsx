import { useState, type FormEvent } from 'react'
import { fieldErrors } from '../api/client.ts'
import { Link, navigate } from '../app/router.tsx'
import { useSession } from '../app/session.tsx'
import { ErrorNote, FieldError } from '../components/ui.tsx'

/**
 * Where an invite's link lands (`/accept-invite?token=…`): the invited person sets their name and a
 * password (or, with an account already, gives its password) and joins, logged in.
 */
export function AcceptInvitePage() {
  const { session, acceptInvite } = useSession()
  const [token] = useState(() => new URLSearchParams(window.location.search).get('token')?.trim() ?? '')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<unknown>()
  const [mismatch, setMismatch] = useState<string>()
  const [busy, setBusy] = useState(false)
  const errors = fieldErrors(error)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    setMismatch(undefined)
    if (password !== repeat) {
      setMismatch('The two passwords differ')
      return
    }
    setBusy(true)
    try {
      await acceptInvite({ token, name, password })
      navigate('/', { replace: true })
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const unplaced = error && !errors.name && !errors.password && !errors.token ? error : undefined

  return (
    <div className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)}>
        <div className="brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <span>Switchyard</span>
        </div>
        <h1>Join the workspace</h1>
        {session.status === 'ready' && (
          <p className="notice">
            This browser is logged in{session.user ? ` as ${session.user.email}` : ' with an API token'}.
            Accepting logs it in as the invited person instead. <Link to="/">Back to the app</Link>
          </p>
        )}
        {!token ? (
          <>
            <p className="error-note" role="alert">
              This link has no invite token. Open the link exactly as you were given it, or ask whoever
              invited you for a new one.
            </p>
            <Link to="/">Log in instead</Link>
          </>
        ) : (
          <>
            <p className="muted small">
              You were invited to a Switchyard workspace. Choose how you’ll log in: your email is the one the
              invite was sent to.
            </p>
            {errors.token && (
              <p className="error-note" role="alert">
                {errors.token}. Ask whoever invited you for a new invite.
              </p>
            )}
            <div className={`field ${errors.name ? 'has-error' : ''}`}>
              <label htmlFor="accept-name">Your name</label>
              <input
                id="accept-name"
                autoComplete="name"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
              <FieldError message={errors.name} />
              <small className="hint">Not needed if you already have an account here.</small>
            </div>
            <div className={`field ${errors.password ? 'has-error' : ''}`}>
              <label htmlFor="accept-password">Password</label>
              <input
                id="accept-password"
                type="password"
                autoComplete="new-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
              <FieldError message={errors.password} />
              <small className="hint">
                At least 12 characters; a few words make a good one. With an account already, its password.
              </small>
            </div>
            <div className={`field ${mismatch ? 'has-error' : ''}`}>
              <label htmlFor="accept-repeat">Password again</label>
              <input
                id="accept-repeat"
                type="password"
                autoComplete="new-password"
                required
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
              />
              <FieldError message={mismatch} />
            </div>
            <ErrorNote error={unplaced} />
            <button type="submit" className="button primary wide" disabled={busy}>
              {busy ? 'Joining…' : 'Join and log in'}
            </button>
          </>
        )}
      </form>
    </div>
  )
}
