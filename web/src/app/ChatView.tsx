import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useAgentRuns, useChat, type ChatEntry, type UserInfo } from '../netra';
import { AgentRuns } from './AgentRuns';
import { useChats } from './chats';
import { useReadMarks } from './readMarks';

const time = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
};

function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

function Message({ entry, mine, onRetry }: { entry: ChatEntry; mine: boolean; onRetry: () => void }) {
  return (
    <li className={`msg ${mine ? 'mine' : ''} ${entry.status}`}>
      <div className="meta">
        <span className="sender">{mine ? 'You' : entry.senderName}</span>
        <time dateTime={entry.timestamp}>{time(entry.timestamp)}</time>
      </div>
      {/* Text from users is rendered as text (React escapes it), never as HTML. */}
      <div className="body">{entry.content}</div>
      {entry.status === 'pending' && <div className="state">Sending…</div>}
      {entry.status === 'failed' && (
        <div className="state failed" role="alert">
          Not sent{entry.error ? `: ${entry.error.message}` : ''}.{' '}
          <button type="button" className="link" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
    </li>
  );
}

export function ChatView({ chatId, user }: { chatId: number; user: UserInfo }) {
  const chat = useChat(chatId, { selfName: user.displayName });
  const agents = useAgentRuns(chatId);
  const markRead = useReadMarks((s) => s.markRead);
  const summary = useChats((s) => s.chats?.find((c) => c.id === chatId));
  const [draft, setDraft] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const lastSeq = [...chat.messages].reverse().find((m) => m.seq !== null)?.seq ?? 0;

  useEffect(() => {
    if (lastSeq > 0) markRead(user.id, chatId, lastSeq);
  }, [chatId, lastSeq, markRead, user.id]);

  // Keep the newest message in view unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && stickToBottom.current) list.scrollTop = list.scrollHeight;
  }, [chat.messages.length]);

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const content = draft.trim();
    if (!content) return;
    stickToBottom.current = true;
    // "/agent <prompt>" asks the agent instead of sending a message; its steps show below the messages.
    const agentPrompt = /^\/agent\s+([\s\S]+)$/.exec(content)?.[1];
    if (agentPrompt) agents.start(agentPrompt.trim());
    else chat.send(content);
    setDraft('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  }

  const typing = typingText(chat.typing.map((t) => t.userName));

  return (
    <section className="chat" aria-labelledby={`chat-title-${chatId}`}>
      <header className="chat-header">
        <h2 id={`chat-title-${chatId}`}>{summary?.title ?? `Chat ${chatId}`}</h2>
        {summary && (
          <span className="muted">
            {summary.memberIds.length} {summary.memberIds.length === 1 ? 'member' : 'members'}
          </span>
        )}
      </header>
      {chat.error && (
        <p className="error" role="alert">
          {chat.error.code === 'FORBIDDEN' ? 'You are not a member of this chat.' : chat.error.message}
        </p>
      )}
      <ol
        className="messages"
        ref={listRef}
        role="log"
        aria-label="Messages"
        aria-live="polite"
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {chat.hasOlder && (
          <li className="older">
            <button type="button" onClick={() => void chat.loadOlder()} disabled={chat.loading}>
              Load older messages
            </button>
          </li>
        )}
        {chat.loading && chat.messages.length === 0 && <li className="muted">Loading messages…</li>}
        {!chat.loading && !chat.error && chat.messages.length === 0 && <li className="muted">No messages yet. Say hello!</li>}
        {chat.messages.map((entry) => (
          <Message
            key={`${entry.senderId === null || entry.senderId === user.id ? "me" : entry.senderId}:${entry.clientMessageId}`}
            entry={entry}
            mine={entry.senderId === null || entry.senderId === user.id}
            onRetry={() => chat.retry(entry.clientMessageId)}
          />
        ))}
      </ol>
      <AgentRuns runs={agents.runs} selfId={user.id} error={agents.error} onCancel={agents.cancel} onDismiss={agents.dismiss} />
      <p className="typing" role="status" aria-live="polite">
        {typing}
      </p>
      <form className="composer" onSubmit={submit}>
        <label className="visually-hidden" htmlFor={`draft-${chatId}`}>
          Message
        </label>
        <textarea
          id={`draft-${chatId}`}
          rows={2}
          maxLength={4000}
          placeholder="Write a message… (Enter to send, Shift+Enter for a new line, /agent to ask the agent)"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            if (e.target.value) chat.notifyTyping();
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="primary" disabled={draft.trim() === ''}>
          Send
        </button>
      </form>
    </section>
  );
}
