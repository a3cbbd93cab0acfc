// Settings: the bench's name, the master it serves (URL and agent token), and the topic each
// board pulls. Saved to the bench's config file; a new master reconnects every worker.
import { useEffect, useState } from 'react';
import type { BenchSettings } from '../../../shared/bench/model';
import { useBench } from '../lib/bench-store';
import { errorText } from '../lib/format';

export function SettingsPage() {
  const call = useBench((s) => s.call);
  const boards = Object.values(useBench((s) => s.boards)).sort((a, b) => a.id.localeCompare(b.id));
  const master = useBench((s) => s.bench?.master);
  const [settings, setSettings] = useState<BenchSettings>();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [topics, setTopics] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const show = (s: BenchSettings): void => {
    setSettings(s);
    setName(s.name);
    setUrl(s.masterUrl ?? '');
    setToken('');
    setTopics(s.topics);
  };

  useEffect(() => {
    call('Bench.GetSettings', {}).then(
      (r) => show(r.settings),
      (err) => setMessage({ ok: false, text: errorText(err) }),
    );
  }, [call]);

  const save = async (): Promise<void> => {
    setMessage(undefined);
    try {
      const changedTopics: Record<string, string> = {};
      for (const b of boards) {
        const now = (topics[b.id] ?? '').trim();
        if (now !== (settings?.topics[b.id] ?? '')) changedTopics[b.id] = now;
      }
      const r = await call('Bench.SaveSettings', {
        name: name.trim() !== settings?.name ? name.trim() : undefined,
        masterUrl: url.trim() !== (settings?.masterUrl ?? '') ? url.trim() : undefined,
        token: token ? token : undefined,
        topics: changedTopics,
      });
      show(r.settings);
      setMessage({ ok: true, text: 'Saved.' });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  if (!settings) return <div className="page">{message ? <p className="notice notice-error">{message.text}</p> : <p className="muted">Loading…</p>}</div>;
  return (
    <div className="page">
      <h1>Settings</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <section className="card">
          <h2>Bench</h2>
          <label className="field">
            Name <input value={name} onChange={(e) => setName(e.target.value)} aria-label="bench name" />
          </label>
        </section>
        <section className="card">
          <h2>Master</h2>
          <p className="muted">
            Now: {master?.state ?? 'unknown'}
            {master?.detail ? ` (${master.detail})` : ''}
          </p>
          <label className="field">
            URL <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://ci-host:8080" aria-label="master URL" />
          </label>
          <label className="field">
            Agent token{' '}
            <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder={settings.hasToken ? 'set (leave empty to keep it)' : 'not set'} autoComplete="off" aria-label="agent token" />
          </label>
        </section>
        <section className="card">
          <h2>Topics</h2>
          <p className="muted">
            Empty means the type's default: {Object.entries(settings.defaultTopics).map(([k, v]) => `${k} → ${v}`).join(', ')}.
          </p>
          <table className="data-table" aria-label="topics">
            <tbody>
              {boards.map((b) => (
                <tr key={b.id}>
                  <td>{b.id}</td>
                  <td className="muted">{b.type}</td>
                  <td>
                    <input
                      className="mono"
                      value={topics[b.id] ?? ''}
                      placeholder={b.topic}
                      onChange={(e) => setTopics((t) => ({ ...t, [b.id]: e.target.value }))}
                      aria-label={`topic of ${b.id}`}
                      size={32}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <div className="row">
          <button type="submit" className="primary">
            Save
          </button>
          {message && <span className={message.ok ? 'ok-text' : 'error-text'} role="status">{message.text}</span>}
          {settings.configFile && <span className="muted">in {settings.configFile}</span>}
        </div>
      </form>
    </div>
  );
}
