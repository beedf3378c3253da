import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Channels, NetraError, useChannel, useConnectionState, useNetra, useNetraEvent, type ChatSummary } from '../netra';
import { useChats } from './chats';
import { lastRead, useReadMarks } from './readMarks';
import { chatHref } from './useHashRoute';

/** Follows one chat's channel so that its unread count stays live (renders nothing). */
function FollowChat({ chat }: { chat: ChatSummary }) {
  useChannel(Channels.chat(chat.id), chat.lastSeq);
  return null;
}

function parseIds(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ids = parts.map(Number);
  return ids.every((n) => Number.isInteger(n) && n > 0) ? ids : null;
}

export function ChatList({ selectedId, userId }: { selectedId: number | null; userId: number }) {
  const client = useNetra();
  const { state } = useConnectionState();
  const marks = useReadMarks((s) => s.marks);
  const chats = useChats((s) => s.chats);
  const setChats = useChats((s) => s.setChats);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setChats(await client.http<ChatSummary[]>('/api/chats'));
      setError(null);
    } catch (e) {
      setError(`Could not load your chats: ${NetraError.parse(e).message}`);
    }
  }, [client]);

  // On start, after every reconnect, and when the window regains focus: the server does not
  // push new chats, so one made for us meanwhile shows up then (or with "Refresh").
  useEffect(() => {
    if (state !== 'connected') return;
    void load();
    const onFocus = () => void load();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [state, load]);

  useNetraEvent('NewMessage', (m) => {
    setChats((list) => list?.map((c) => (c.id === m.chatId && m.seq > c.lastSeq ? { ...c, lastSeq: m.seq } : c)) ?? list);
  });

  async function create(event: FormEvent) {
    event.preventDefault();
    const memberIds = parseIds(members);
    if (memberIds === null) {
      setCreateError('Member ids are numbers separated by commas, e.g. 2, 3.');
      return;
    }
    setCreating(true);
    setCreateError(null);
    try {
      const chat = await client.http<ChatSummary>('/api/chats', { body: { title: title.trim(), memberIds } });
      setChats((list) => [chat, ...(list ?? []).filter((c) => c.id !== chat.id)]);
      setTitle('');
      setMembers('');
      window.location.hash = chatHref(chat.id);
    } catch (e) {
      setCreateError(NetraError.parse(e).message);
    } finally {
      setCreating(false);
    }
  }

  return (
    <nav className="sidebar" aria-label="Chats">
      <div className="sidebar-head">
        <h2>Chats</h2>
        <button type="button" className="link" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {/* While the connection is down the banner says so; a failed load is retried on reconnect. */}
      {error && state === 'connected' && <p className="error" role="alert">{error} <button type="button" className="link" onClick={() => void load()}>Try again</button></p>}
      {chats === null && !error && <p className="muted">Loading…</p>}
      {chats?.length === 0 && <p className="muted">No chats yet. Start one below.</p>}
      <ul className="chats">
        {chats?.map((chat) => {
          const unread = chat.id === selectedId ? 0 : Math.max(0, chat.lastSeq - lastRead(marks, userId, chat.id));
          return (
            <li key={chat.id}>
              <FollowChat chat={chat} />
              <a href={chatHref(chat.id)} aria-current={chat.id === selectedId ? 'page' : undefined}>
                <span className="title">{chat.title}</span>
                {unread > 0 && (
                  <span className="unread" aria-label={`${unread} unread`}>
                    {unread > 99 ? '99+' : unread}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
      <form className="create" onSubmit={create} aria-label="New chat">
        <h3>New chat</h3>
        <label>
          Chat title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Member ids (optional; people see their id at the top)
          <input value={members} onChange={(e) => setMembers(e.target.value)} placeholder="e.g. 2, 3" inputMode="numeric" />
        </label>
        {createError && <p className="error" role="alert">{createError}</p>}
        <button type="submit" disabled={creating || title.trim() === ''}>
          {creating ? 'Creating…' : 'Create chat'}
        </button>
      </form>
    </nav>
  );
}
