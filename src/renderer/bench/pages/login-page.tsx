// Sign in to a headless bench with its operator token (printed at start, kept in bench.token).
import { useState } from 'react';

export function LoginPage({ message, onToken }: { message?: string; onToken: (token: string) => Promise<boolean> }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        void onToken(token.trim()).finally(() => setBusy(false));
      }}
    >
      <h1>OurCI bench</h1>
      {message && <p className="notice notice-error" role="alert">{message}</p>}
      <label className="field">
        Bench token
        <input type="password" autoFocus value={token} onChange={(e) => setToken(e.target.value)} placeholder="obo_…" aria-label="bench token" />
      </label>
      <button type="submit" className="primary" disabled={busy || !token.trim()}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      <p className="muted">
        The bench printed a one-time login link when it started; the token is also in <code>bench.token</code> in its data directory (default
        <code>.ourci/bench</code>).
      </p>
    </form>
  );
}
