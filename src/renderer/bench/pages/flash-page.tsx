// Flash: choose firmware (any blob on the master, found by job or PR, or a local file),
// choose idle boards, and watch each board's progress and result.
import { useEffect, useState } from 'react';
import type { BenchResult } from '../../../shared/bench/api';
import type { BenchBoard } from '../../../shared/bench/model';
import { BoardState } from '../components/badges';
import { FlashProgress } from '../components/progress';
import { useBench } from '../lib/bench-store';
import { ago, bytes, errorText } from '../lib/format';

type Jobs = BenchResult<'Master.Jobs'>['jobs'];
type Blobs = BenchResult<'Master.Blobs'>['blobs'];
type Source = { kind: 'blob'; job: string; name: string } | { kind: 'file'; name: string; base64: string; size: number };

const flashable = (b: BenchBoard): boolean => b.state !== 'busy' && b.state !== 'flashing' && b.state !== 'offline';

function readFile(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('cannot read the file'));
    r.readAsDataURL(file);
  });
}

export function FlashPage({ preselect }: { preselect?: string[] }) {
  const boards = Object.values(useBench((s) => s.boards)).sort((a, b) => a.id.localeCompare(b.id));
  const flashes = useBench((s) => s.flashes);
  const masterState = useBench((s) => s.bench?.master.state);
  const call = useBench((s) => s.call);
  const [mode, setMode] = useState<'blob' | 'file'>('blob');
  const [jobQuery, setJobQuery] = useState('');
  const [prQuery, setPrQuery] = useState('');
  const [jobs, setJobs] = useState<Jobs>();
  const [job, setJob] = useState<string>();
  const [blobs, setBlobs] = useState<Blobs>();
  const [source, setSource] = useState<Source>();
  const [address, setAddress] = useState('');
  const [picked, setPicked] = useState<Set<string>>(new Set(preselect ?? []));
  const [started, setStarted] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => setPicked(new Set(preselect ?? [])), [preselect?.join(',')]);

  const guard = async (fn: () => Promise<void>): Promise<void> => {
    setError(undefined);
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const findJobs = (): Promise<void> =>
    guard(async () => {
      const pr = prQuery.trim() ? Number(prQuery.trim()) : undefined;
      if (pr !== undefined && (!Number.isInteger(pr) || pr <= 0)) throw new Error('a PR is a positive number');
      const r = await call('Master.Jobs', { job: jobQuery.trim() || undefined, pr, limit: 30 });
      setJobs(r.jobs);
      setBlobs(undefined);
      setJob(undefined);
      if (r.jobs.length === 1) await openJob(r.jobs[0]!.id);
    });

  const openJob = async (id: string): Promise<void> => {
    setJob(id);
    setSource(undefined);
    const r = await call('Master.Blobs', { job: id });
    setBlobs(r.blobs);
  };

  const start = (): Promise<void> =>
    guard(async () => {
      if (!source) throw new Error('choose the firmware first');
      const addr = address.trim() ? Number(address.trim()) : undefined;
      if (addr !== undefined && (!Number.isInteger(addr) || addr < 0)) throw new Error('the address is a number like 0x10000 or 65536');
      const r = await call('Flash.Start', {
        boards: [...picked],
        source: source.kind === 'blob' ? source : { kind: 'file', name: source.name, base64: source.base64 },
        address: addr,
      });
      setStarted(r.flashes.map((f) => f.id));
    });

  const shown = started.map((id) => flashes[id]).filter((f) => f !== undefined);
  const recent = Object.values(flashes)
    .filter((f) => !started.includes(f.id))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, 5);

  return (
    <div className="page">
      <h1>Flash</h1>
      <section className="card">
        <h2>1. Firmware</h2>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'blob'} onClick={() => setMode('blob')}>
            From the master
          </button>
          <button type="button" role="tab" aria-selected={mode === 'file'} onClick={() => setMode('file')}>
            Local file
          </button>
        </div>
        {mode === 'blob' ? (
          <div>
            {masterState !== 'connected' && <p className="notice notice-warn">The master is {masterState ?? 'unknown'}: set it in Settings to flash its blobs.</p>}
            <form
              className="row"
              onSubmit={(e) => {
                e.preventDefault();
                void findJobs();
              }}
            >
              <label>
                Job <input value={jobQuery} onChange={(e) => setJobQuery(e.target.value)} placeholder="id" size={8} aria-label="job id" />
              </label>
              <label>
                or PR <input value={prQuery} onChange={(e) => setPrQuery(e.target.value)} placeholder="number" size={8} aria-label="pull request" />
              </label>
              <button type="submit" disabled={busy}>
                Find
              </button>
              <span className="muted">(both empty: the latest jobs)</span>
            </form>
            {jobs && (
              <ul className="pick-list" aria-label="jobs">
                {jobs.length === 0 && <li className="muted">No such jobs.</li>}
                {jobs.map((j) => (
                  <li key={j.id}>
                    <button type="button" className={j.id === job ? 'link selected' : 'link'} onClick={() => void guard(() => openJob(j.id))}>
                      job {j.id}
                    </button>{' '}
                    <span className="muted">
                      {j.status} {j.title ?? ''} {j.pr ? `PR #${j.pr}` : ''} {j.sha ? j.sha.slice(0, 8) : ''} {ago(j.createdAt)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {blobs && (
              <ul className="pick-list" aria-label="blobs">
                {blobs.length === 0 && <li className="muted">Job {job} has no blobs.</li>}
                {blobs.map((b) => (
                  <li key={b.name}>
                    <label>
                      <input
                        type="radio"
                        name="blob"
                        checked={source?.kind === 'blob' && source.job === job && source.name === b.name}
                        onChange={() => setSource({ kind: 'blob', job: job!, name: b.name })}
                      />{' '}
                      <span className="mono">{b.name}</span> <span className="muted">{bytes(b.size)}</span>
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : (
          <label className="row">
            Firmware file (.bin, .zip, .tar.gz){' '}
            <input
              type="file"
              aria-label="firmware file"
              accept=".bin,.zip,.tar.gz,.tgz,.gz"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void guard(async () => setSource({ kind: 'file', name: f.name, base64: await readFile(f), size: f.size }));
              }}
            />
          </label>
        )}
        <label className="row">
          Address (raw ESP images only){' '}
          <input value={address} onChange={(e) => setAddress(e.target.value)} placeholder="0x0" size={10} aria-label="flash address" />
        </label>
        <p className="muted" data-testid="chosen-source">
          {source ? `Chosen: ${source.kind === 'blob' ? `${source.job}/${source.name}` : `${source.name} (${bytes(source.size)})`}` : 'Nothing chosen yet.'}
        </p>
      </section>

      <section className="card">
        <h2>2. Boards</h2>
        <ul className="pick-list" aria-label="boards to flash">
          {boards.map((b) => (
            <li key={b.id}>
              <label>
                <input
                  type="checkbox"
                  aria-label={`flash ${b.id}`}
                  disabled={!flashable(b)}
                  checked={picked.has(b.id) && flashable(b)}
                  onChange={(e) =>
                    setPicked((p) => {
                      const n = new Set(p);
                      if (e.target.checked) n.add(b.id);
                      else n.delete(b.id);
                      return n;
                    })
                  }
                />{' '}
                {b.id} <span className="muted">{b.chip ?? b.type}</span> <BoardState board={b} />
              </label>
            </li>
          ))}
        </ul>
      </section>

      <div className="row">
        <button type="button" className="primary" disabled={busy || !source || ![...picked].some((id) => boards.find((b) => b.id === id && flashable(b)))} onClick={() => void start()}>
          Flash {picked.size ? `${picked.size} board${picked.size === 1 ? '' : 's'}` : ''}
        </button>
        {error && <span className="error-text" role="alert">{error}</span>}
      </div>

      {shown.length > 0 && (
        <section aria-label="progress">
          {shown.map((f) => (
            <FlashProgress key={f.id} flash={f} />
          ))}
        </section>
      )}
      {recent.length > 0 && (
        <section aria-label="recent flashes">
          <h2>Recent</h2>
          {recent.map((f) => (
            <FlashProgress key={f.id} flash={f} />
          ))}
        </section>
      )}
    </div>
  );
}
