import { useState, type FormEvent } from 'react'
import { fieldErrors } from '../api/client.ts'
import { useSession } from '../app/session.tsx'
import { LoginCard } from '../components/login-card.tsx'
import { ErrorNote, Field } from '../components/ui.tsx'

/** Email and password (a web session), or an API token pasted in (for automation and first runs). */
export function LoginPage({ notice }: { notice?: string | undefined }) {
  const { logIn, logInWithToken } = useSession()
  const [mode, setMode] = useState<'password' | 'token'>('password')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [token, setToken] = useState('')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const errors = fieldErrors(error)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      if (mode === 'password') await logIn(email, password)
      else await logInWithToken(token.trim())
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const unplaced = error && !Object.keys(errors).length ? error : undefined

  return (
    <LoginCard title="Log in" onSubmit={(e) => void submit(e)}>
      {notice && <p className="notice">{notice}</p>}
      {mode === 'password' ? (
        <>
          <Field id="login-email" label="Email" error={errors.email}>
            <input
              id="login-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </Field>
          <Field id="login-password" label="Password" error={errors.password}>
            <input
              id="login-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
        </>
      ) : (
        <div className={`field ${unplaced ? 'has-error' : ''}`}>
          <label htmlFor="login-token">API token</label>
          <input
            id="login-token"
            type="password"
            autoComplete="off"
            placeholder="sy_tok_…"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          <small className="hint">Kept in this tab only. The first start prints the owner token.</small>
        </div>
      )}
      <ErrorNote error={unplaced} />
      <button type="submit" className="button primary wide" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
      <button
        type="button"
        className="link-button"
        onClick={() => {
          setMode(mode === 'password' ? 'token' : 'password')
          setError(undefined)
        }}
      >
        {mode === 'password' ? 'Use an API token instead' : 'Use email and password instead'}
      </button>
      {mode === 'password' && (
        <p className="hint">
          No account yet? Create one on the server:{' '}
          <code>npm run switchyard -- user create --email … --password-stdin</code>
        </p>
      )}
    </LoginCard>
  )
}
