// Sign in with a bearer token (viewer or admin); the caller decides where it is kept.
import { useState, type ReactNode } from 'react';

export interface TokenLoginProps {
  title: string;
  message?: string;
  hint?: ReactNode;
  onSubmit(token: string): Promise<boolean>;
}

export function TokenLogin({ title, message, hint, onSubmit }: TokenLoginProps) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        void onSubmit(token).finally(() => setBusy(false));
      }}
    >
      <h1>{title}</h1>
      {message && (
        <p className="login-message" role="alert">
          {message}
        </p>
      )}
      <label>
        Token
        <input
          type="password"
          autoFocus
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="ocv_… or oca_…"
          name="token"
        />
      </label>
      <button type="submit" disabled={busy || !token.trim()}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      {hint && <div className="login-hint">{hint}</div>}
    </form>
  );
}
