import { useState, type FormEvent } from 'react'
import { fieldErrors } from '../api/client.ts'
import { Link, navigate } from '../app/router.tsx'
import { useSession } from '../app/session.tsx'
import { LoginCard } from '../components/login-card.tsx'
import { ErrorNote, Field } from '../components/ui.tsx'

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
    <LoginCard title="Join the workspace" onSubmit={(e) => void submit(e)}>
      {session.status === 'ready' && (
        <p className="notice">
          This browser is logged in{session.user ? ` as ${session.user.email}` : ' with an API token'}.
          Accepting logs it in as the invited person instead. <Link to="/">Back to the app</Link>
        </p>
      )}
      {!token ? (
        <>
          <p className="error-note" role="alert">
            This link has no invite token. Open the link exactly as you were given it, or ask whoever invited
            you for a new one.
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
          <Field
            id="accept-name"
            label="Your name"
            error={errors.name}
            hint="Not needed if you already have an account here."
          >
            <input
              id="accept-name"
              autoComplete="name"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          <Field
            id="accept-password"
            label="Password"
            error={errors.password}
            hint="At least 12 characters; a few words make a good one. With an account already, its password."
          >
            <input
              id="accept-password"
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          <Field id="accept-repeat" label="Password again" error={mismatch}>
            <input
              id="accept-repeat"
              type="password"
              autoComplete="new-password"
              required
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
            />
          </Field>
          <ErrorNote error={unplaced} />
          <button type="submit" className="button primary wide" disabled={busy}>
            {busy ? 'Joining…' : 'Join and log in'}
          </button>
        </>
      )}
    </LoginCard>
  )
}
