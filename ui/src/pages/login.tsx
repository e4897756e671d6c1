import { useState } from 'preact/hooks';
import { post } from '../api';
import { ErrorBox, useAction } from '../components';

/** The admin token is posted once and traded for the HttpOnly session cookie; it is not kept. */
export function LoginPage({ onLogin }: { onLogin: () => void }) {
  const [token, setToken] = useState('');
  const [error, busy, run] = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    run(async () => {
      await post('/api/v1/session', { token });
      setToken('');
      onLogin();
    });
  };
  return (
    <main class="login" id="main">
      <h1>hookd</h1>
      <form onSubmit={submit} class="card">
        <label for="admin-token">Admin token</label>
        <input
          id="admin-token"
          type="password"
          autoComplete="current-password"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <p class="muted small">
          Printed once by <code>hookd serve</code> at first start, or set with <code>HOOKD_ADMIN_TOKEN</code>.
        </p>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
