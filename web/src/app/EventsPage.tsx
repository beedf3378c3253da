import { Channels, useChannelEvents, type ChannelEventMessage, type Json } from '../netra';

const time = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' });
};

const field = (payload: Json, key: string): Json | undefined =>
  typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload[key] : undefined;

/** Compact JSON of an event's `data`, shown as text (never as HTML). */
const dataText = (data: Json | undefined): string => (data === undefined || data === null ? '' : JSON.stringify(data));

function IssueItem({ e }: { e: ChannelEventMessage }) {
  const issueId = field(e.payload, 'issueId');
  const data = dataText(field(e.payload, 'data'));
  return (
    <li className="event">
      <div className="meta">
        <span className="sender">Issue {typeof issueId === 'string' ? issueId : '?'}</span>
        <span className="tag">{e.type}</span>
        <time dateTime={e.timestamp}>{time(e.timestamp)}</time>
      </div>
      {data && <code className="data">{data}</code>}
    </li>
  );
}

function AlertItem({ e }: { e: ChannelEventMessage }) {
  const message = field(e.payload, 'message');
  const alertId = field(e.payload, 'alertId');
  const data = dataText(field(e.payload, 'data'));
  return (
    <li className={`event alert ${e.type}`}>
      <div className="meta">
        <span className={`severity ${e.type}`}>{e.type}</span>
        <span className="sender">{typeof alertId === 'string' ? alertId : ''}</span>
        <time dateTime={e.timestamp}>{time(e.timestamp)}</time>
      </div>
      <div className="body">{typeof message === 'string' ? message : ''}</div>
      {data && <code className="data">{data}</code>}
    </li>
  );
}

/** Issue updates and alerts: the recent history of each channel, then live. */
export function EventsPage() {
  const issues = useChannelEvents(Channels.Issues, 'IssueUpdated');
  const alerts = useChannelEvents(Channels.Alerts, 'AlertTriggered');
  return (
    <section className="page events" aria-labelledby="events-title">
      <header className="chat-header">
        <h2 id="events-title">Issues and alerts</h2>
        <span className="muted">Live from the issue tracker and the alerting system; newest first.</span>
      </header>
      <div className="columns">
        <section aria-label="Alerts">
          <h3>Alerts</h3>
          {alerts.error && <p className="error" role="alert">Could not follow alerts: {alerts.error.message}</p>}
          {alerts.loading && <p className="muted">Loading…</p>}
          {!alerts.loading && alerts.items.length === 0 && <p className="muted">No alerts. All quiet.</p>}
          <ol className="event-list">
            {alerts.items.map((e) => <AlertItem key={e.seq} e={e} />)}
          </ol>
        </section>
        <section aria-label="Issue updates">
          <h3>Issue updates</h3>
          {issues.error && <p className="error" role="alert">Could not follow issues: {issues.error.message}</p>}
          {issues.loading && <p className="muted">Loading…</p>}
          {!issues.loading && issues.items.length === 0 && <p className="muted">No issue updates yet.</p>}
          <ol className="event-list">
            {issues.items.map((e) => <IssueItem key={e.seq} e={e} />)}
          </ol>
        </section>
      </div>
    </section>
  );
}
