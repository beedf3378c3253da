import { useState, type FormEvent, type ReactNode } from 'react';
import { NetraError, useConnectionRequests, type ConnectionEntry, type UserInfo } from '../netra';

const time = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
};

/** The form that asks someone to connect, by user id (shown in the header of their app). */
function SendRequest({ send, selfId }: { send(toUserId: number): Promise<void>; selfId: number }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<number | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const id = Number(text.trim());
    if (!Number.isInteger(id) || id <= 0) {
      setError('A user id is a whole number, e.g. 7.');
      return;
    }
    if (id === selfId) {
      setError('That is your own id.');
      return;
    }
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      await send(id);
      setText('');
      setSent(id);
    } catch (e) {
      setError(NetraError.parse(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="connect-form" onSubmit={submit} aria-label="Send a connection request">
      <label>
        User id
        <input inputMode="numeric" value={text} placeholder="e.g. 7" onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={busy || text.trim() === ''}>
        Send request
      </button>
      {error && <p className="error" role="alert">{error}</p>}
      {sent !== null && !error && <p className="muted" role="status">Request sent to user {sent}.</p>}
    </form>
  );
}

/** One person with what can be done about them; the action's error shows under the row. */
function Person({ entry, detail, actions }: { entry: ConnectionEntry; detail: string; actions?: { label: string; primary?: boolean; run(): Promise<void> }[] }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function act(run: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (e) {
      setError(NetraError.parse(e).message);
      setBusy(false);
    }
  }
  return (
    <li className="person" aria-label={entry.userName}>
      <span className="avatar" aria-hidden="true">{entry.userName.trim().charAt(0).toUpperCase() || '?'}</span>
      <span className="who-line">
        {/* Names are user text: rendered as text, never as HTML. */}
        <span className="sender">{entry.userName}</span>
        <span className="muted">
          user {entry.userId} · {detail} {time(entry.since)}
        </span>
      </span>
      {actions && (
        <span className="person-actions">
          {actions.map((a) => (
            <button key={a.label} type="button" className={a.primary ? 'primary' : undefined} disabled={busy} onClick={() => void act(a.run)}>
              {a.label}
            </button>
          ))}
        </span>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </li>
  );
}

function Group({ title, empty, children, count }: { title: string; empty: string; count: number; children: ReactNode }) {
  return (
    <section className="connection-group" aria-label={title}>
      <h3>
        {title} {count > 0 && <span className="count">{count}</span>}
      </h3>
      {count === 0 ? <p className="muted">{empty}</p> : <ul className="people">{children}</ul>}
    </section>
  );
}

/** Connection requests, live: ask someone by id, answer requests to you, see who you are connected with. */
export function ConnectionsPage({ user }: { user: UserInfo }) {
  const c = useConnectionRequests(user.id);
  return (
    <section className="page connections" aria-labelledby="connections-title">
      <header className="chat-header">
        <h2 id="connections-title">Connections</h2>
        <span className="muted">
          Requests arrive and answers come back live. Your user id is {user.id}: give it to people who want to connect.
        </span>
      </header>
      <div className="page-body connections-body">
        <SendRequest send={c.send} selfId={user.id} />
        {c.error && <p className="error" role="alert">Could not load your connections: {c.error.message}</p>}
        {c.loading ? (
          <p className="muted">Loading…</p>
        ) : (
          <>
            <Group title="Requests for you" empty="No one is waiting for an answer." count={c.incoming.length}>
              {c.incoming.map((e) => (
                <Person
                  key={e.requestId}
                  entry={e}
                  detail="asked you"
                  actions={[
                    { label: 'Accept', primary: true, run: () => c.accept(e.requestId) },
                    { label: 'Decline', run: () => c.decline(e.requestId) },
                  ]}
                />
              ))}
            </Group>
            <Group title="Sent, waiting for an answer" empty="No requests waiting." count={c.outgoing.length}>
              {c.outgoing.map((e) => <Person key={e.requestId} entry={e} detail="sent" />)}
            </Group>
            <Group title="Your connections" empty="No connections yet. Send a request to someone you know." count={c.connections.length}>
              {c.connections.map((e) => <Person key={e.requestId} entry={e} detail="connected" />)}
            </Group>
          </>
        )}
      </div>
    </section>
  );
}
