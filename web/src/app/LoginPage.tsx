import { useState, type FormEvent } from 'react';
import { NetraError } from '../netra';
import { register, signIn, useSession } from './session';

function describe(error: unknown, registering: boolean): string {
  const e = NetraError.parse(error, 'UNKNOWN');
  if (e.code === 'UNAUTHORIZED') return 'Wrong user name or password.';
  if (e.code === 'CONFLICT') return 'That user name is taken. Pick another one.';
  if (e.code === 'RATE_LIMITED') return 'Too many attempts. Wait a minute and try again.';
  if (e.code === 'DISCONNECTED') return 'The server cannot be reached. Check your connection and try again.';
  return e.message || (registering ? 'Could not create the account.' : 'Could not sign in.');
}

export function LoginPage() {
  const notice = useSession((s) => s.notice);
  const [mode, setMode] = useState<'signin' | 'register'>('signin');
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const registering = mode === 'register';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (registering) await register(userName.trim(), password, displayName.trim() || userName.trim());
      else await signIn(userName.trim(), password);
      if (!window.location.hash) window.location.hash = '#/chats';
    } catch (e) {
      setError(describe(e, registering));
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{registering ? 'Create your Netra account' : 'Sign in to Netra'}</h1>
        {notice && <p className="notice" role="status">{notice}</p>}
        <label>
          User name
          <input
            name="userName" autoComplete="username" required minLength={3} maxLength={32}
            value={userName} onChange={(e) => setUserName(e.target.value)}
          />
        </label>
        {registering && (
          <label>
            Display name
            <input name="displayName" maxLength={64} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </label>
        )}
        <label>
          Password
          <input
            name="password" type="password" autoComplete={registering ? 'new-password' : 'current-password'} required
            minLength={registering ? 8 : 1} value={password} onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Please wait…' : registering ? 'Create account' : 'Sign in'}
        </button>
        <p className="hint">
          {registering ? 'Already have an account? ' : 'New here? '}
          <button type="button" className="link" onClick={() => { setMode(registering ? 'signin' : 'register'); setError(null); }}>
            {registering ? 'Sign in' : 'Create an account'}
          </button>
        </p>
        {!registering && (
          <p className="hint">
            Demo: <code>demo</code> / <code>demo-password</code> or <code>alice</code> / <code>alice-password</code>
          </p>
        )}
      </form>
    </main>
  );
}
