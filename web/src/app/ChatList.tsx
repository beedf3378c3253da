import { useState, type FormEvent } from 'react';
import { Channels, NetraError, useChannel, useConnectionState, useNetra, type ChatSummary, type UseChatListResult, type UsePresenceResult } from '../netra';
import { PresenceDot } from './PresenceDot';
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

/** The others in a chat, as one dot: online if anyone is, else away if anyone is, else offline. */
function ChatPresence({ chat, userId, presence }: { chat: ChatSummary; userId: number; presence: UsePresenceResult }) {
  const others = chat.memberIds.filter((id) => id !== userId);
  if (others.length === 0) return null;
  const statuses = others.map((id) => presence.statusOf(id));
  const status = statuses.includes('online') ? 'online' : statuses.includes('away') ? 'away' : 'offline';
  const name = others.length === 1 ? (presence.users[others[0]!]?.displayName ?? `User ${others[0]}`) : `${statuses.filter((s) => s !== 'offline').length} of ${others.length} members`;
  return <PresenceDot name={name} status={status} />;
}

export function ChatList({
  selectedId, userId, list, presence,
}: {
  selectedId: number | null;
  userId: number;
  list: UseChatListResult;
  presence: UsePresenceResult;
}) {
  const client = useNetra();
  const { state } = useConnectionState();
  const { chats, error } = list;
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);

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
      list.add(chat);
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
        <button type="button" className="link" onClick={() => void list.reload()}>
          Refresh
        </button>
      </div>
      {/* While the connection is down the banner says so; a failed load is retried on reconnect. */}
      {error && state === 'connected' && (
        <p className="error" role="alert">
          Could not load your chats: {error.message}{' '}
          <button type="button" className="link" onClick={() => void list.reload()}>
            Try again
          </button>
        </p>
      )}
      {chats === null && !error && <p className="muted">Loading…</p>}
      {chats?.length === 0 && <p className="muted">No chats yet. Start one below.</p>}
      <ul className="chats">
        {chats?.map((chat) => {
          // The open chat is being read (its MarkRead is on the way): no badge for it.
          const unread = chat.id === selectedId ? 0 : chat.unreadCount;
          return (
            <li key={chat.id}>
              <FollowChat chat={chat} />
              <a href={chatHref(chat.id)} aria-current={chat.id === selectedId ? 'page' : undefined}>
                <ChatPresence chat={chat} userId={userId} presence={presence} />
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
