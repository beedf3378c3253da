import { useEffect, useState } from 'react';
import { NetraError, useNetra } from '../netra';

/** The body of GET /api/admin/stats: one node's figures since it started. */
interface Stats {
  node: string;
  startedAt: string;
  activeConnections: number;
  totals: Record<string, number>;
  /** The node's garbage collector since it started (collections per generation, total pause time, heap, allocated). */
  gc: {
    gen0Collections: number;
    gen1Collections: number;
    gen2Collections: number;
    pauseMs: number;
    heapBytes: number;
    allocatedBytes: number;
  };
}

const mebibytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

export const STATS_POLL_MS = 3000;

/** The totals shown as cards; the table below lists every one. */
const headline: [string, string][] = [
  ['messages.stored', 'Messages stored'],
  ['messages.broadcast', 'Messages broadcast'],
  ['connections.opened', 'Connections opened'],
];

/** Live server stats for admins (polled); a clear message for everyone else. */
export function AdminPage() {
  const client = useNetra();
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<NetraError | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await client.http<Stats>('/api/admin/stats');
        if (!active) return;
        setStats(next);
        setError(null);
        setUpdatedAt(new Date());
      } catch (e) {
        if (!active) return;
        const err = NetraError.parse(e);
        setError(err);
        if (err.status === 403 || err.status === 401) return; // polling again will not change that
      }
      if (active) timer = setTimeout(() => void poll(), STATS_POLL_MS);
    };
    void poll();
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [client]);

  const forbidden = error?.status === 403 || error?.status === 401;
  const totals = stats ? Object.entries(stats.totals).sort(([a], [b]) => a.localeCompare(b)) : [];

  return (
    <section className="page admin" aria-labelledby="admin-title">
      <header className="chat-header">
        <h2 id="admin-title">Server stats</h2>
        <span className="muted">
          {stats ? <>Node {stats.node}, up since {new Date(stats.startedAt).toLocaleString()}. </> : null}
          {updatedAt ? `Updated ${updatedAt.toLocaleTimeString()} (every ${STATS_POLL_MS / 1000} s).` : ''}
        </span>
      </header>
      <div className="page-body">
        {forbidden && (
          <div className="notice" role="alert">
            <strong>Admin role required.</strong> These figures are for users with the <code>admin</code> role; ask an
            administrator to add it to your account, then sign in again.
          </div>
        )}
        {error && !forbidden && (
          <p className="error" role="alert">
            Could not read the stats: {error.message} (trying again every {STATS_POLL_MS / 1000} s)
          </p>
        )}
        {!stats && !error && <p className="muted">Loading…</p>}
        {stats && !forbidden && (
          <>
            <dl className="stat-cards">
              <div className="stat">
                <dt>Active connections</dt>
                <dd aria-label="Active connections">{stats.activeConnections}</dd>
              </div>
              {headline.map(([name, label]) => (
                <div className="stat" key={name}>
                  <dt>{label}</dt>
                  <dd>{stats.totals[name] ?? 0}</dd>
                </div>
              ))}
            </dl>
            <h3 className="muted">Runtime (this node's garbage collector since it started)</h3>
            <dl className="stat-cards">
              <div className="stat">
                <dt>GC pauses</dt>
                <dd aria-label="GC pauses">{Math.round(stats.gc.pauseMs).toLocaleString()} ms</dd>
              </div>
              <div className="stat">
                <dt>Collections (gen0 / gen1 / gen2)</dt>
                <dd aria-label="Collections">
                  {stats.gc.gen0Collections} / {stats.gc.gen1Collections} / {stats.gc.gen2Collections}
                </dd>
              </div>
              <div className="stat">
                <dt>Managed heap</dt>
                <dd aria-label="Managed heap">{mebibytes(stats.gc.heapBytes)}</dd>
              </div>
              <div className="stat">
                <dt>Allocated</dt>
                <dd aria-label="Allocated">{mebibytes(stats.gc.allocatedBytes)}</dd>
              </div>
            </dl>
            <table className="totals" aria-label="Totals">
              <thead>
                <tr>
                  <th scope="col">Counter</th>
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {totals.map(([name, value]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </section>
  );
}
