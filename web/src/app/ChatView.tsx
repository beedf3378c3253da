import { useLayoutEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import {
  NetraError, useAgentRuns, useChat, useChatSummary, useMarkRead, useNetra, type ChatEntry, type UploadResult, type UsePresenceResult,
  type UserInfo,
} from '../netra';
import { AgentRuns } from './AgentRuns';
import { PresenceDot } from './PresenceDot';

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

/** An upload's path as the server gives it (`/uploads/<32 hex>.<ext>`); anything else is not shown. */
const UPLOAD_PATH = /^\/uploads\/[0-9a-f]{32}\.([a-z]+)$/;
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp']);

/** A message's attachment: images inline, other files as a link. */
export function Attachment({ path }: { path: string }) {
  const ext = UPLOAD_PATH.exec(path)?.[1];
  if (!ext) return null;
  return IMAGE_EXTENSIONS.has(ext) ? (
    <a className="attachment" href={path} target="_blank" rel="noopener noreferrer">
      <img src={path} alt="Attached image" loading="lazy" />
    </a>
  ) : (
    <a className="attachment file" href={path} target="_blank" rel="noopener noreferrer">
      Attached file ({ext})
    </a>
  );
}

function Message({
  entry, mine, canEdit, canDelete, onRetry, onEdit, onDelete,
}: {
  entry: ChatEntry;
  mine: boolean;
  canEdit: boolean;
  canDelete: boolean;
  onRetry: () => void;
  onEdit: (content: string) => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const [mode, setMode] = useState<'view' | 'edit' | 'confirm-delete'>('view');
  const [draft, setDraft] = useState(entry.content);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setMode('view');
    } catch (e) {
      setError(NetraError.parse(e).message);
    } finally {
      setBusy(false);
    }
  }

  function save() {
    const content = draft.trim();
    if (content === '' || content === entry.content) {
      setMode('view');
      return;
    }
    void run(() => onEdit(content));
  }

  if (entry.deleted) {
    return (
      <li className={`msg ${mine ? 'mine' : ''} deleted`}>
        <div className="meta">
          <span className="sender">{mine ? 'You' : entry.senderName}</span>
          <time dateTime={entry.timestamp}>{time(entry.timestamp)}</time>
        </div>
        <div className="body tombstone">message deleted</div>
      </li>
    );
  }

  return (
    <li className={`msg ${mine ? 'mine' : ''} ${entry.status}`}>
      <div className="meta">
        <span className="sender">{mine ? 'You' : entry.senderName}</span>
        <time dateTime={entry.timestamp}>{time(entry.timestamp)}</time>
        {entry.editedAt && (
          <span className="edited" title={`Edited ${new Date(entry.editedAt).toLocaleString()}`}>
            edited
          </span>
        )}
        {mode === 'view' && entry.status === 'sent' && (canEdit || canDelete) && (
          <span className="actions">
            {canEdit && (
              <button type="button" className="link" onClick={() => { setDraft(entry.content); setError(null); setMode('edit'); }}>
                Edit
              </button>
            )}
            {canDelete && (
              <button type="button" className="link" onClick={() => { setError(null); setMode('confirm-delete'); }}>
                Delete
              </button>
            )}
          </span>
        )}
      </div>
      {mode === 'edit' ? (
        <form
          className="edit"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <label className="visually-hidden" htmlFor={`edit-${entry.key}`}>
            Edit message
          </label>
          <textarea
            id={`edit-${entry.key}`}
            rows={2}
            maxLength={4000}
            value={draft}
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                save();
              } else if (e.key === 'Escape') {
                setMode('view');
              }
            }}
          />
          <div className="edit-actions">
            <button type="submit" className="primary" disabled={busy || draft.trim() === ''}>
              Save
            </button>
            <button type="button" onClick={() => setMode('view')} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        /* Text from users is rendered as text (React escapes it), never as HTML. */
        <div className="body">{entry.content}</div>
      )}
      {entry.attachment && <Attachment path={entry.attachment} />}
      {mode === 'confirm-delete' && (
        <div className="confirm" role="group" aria-label="Confirm delete">
          Delete this message for everyone?{' '}
          <button type="button" className="danger" onClick={() => void run(onDelete)} disabled={busy}>
            Delete message
          </button>{' '}
          <button type="button" onClick={() => setMode('view')} disabled={busy}>
            Keep it
          </button>
        </div>
      )}
      {error && (
        <div className="state failed" role="alert">
          {error}
        </div>
      )}
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

/** The chat's members with a presence dot each. */
function Members({ memberIds, presence, selfId }: { memberIds: number[]; presence: UsePresenceResult; selfId: number }) {
  return (
    <ul className="members" aria-label="Members">
      {memberIds.map((id) => {
        const name = presence.users[id]?.displayName ?? `User ${id}`;
        return (
          <li key={id}>
            <PresenceDot name={name} status={presence.statusOf(id)} />
            {name}
            {id === selfId && ' (you)'}
          </li>
        );
      })}
    </ul>
  );
}

export function ChatView({ chatId, user, presence }: { chatId: number; user: UserInfo; presence: UsePresenceResult }) {
  const chat = useChat(chatId, { selfName: user.displayName });
  const agents = useAgentRuns(chatId);
  const summary = useChatSummary(chatId);
  const isCreator = summary?.createdBy === user.id;
  const [draft, setDraft] = useState('');
  const client = useNetra();
  const [upload, setUpload] = useState<UploadResult | null>(null);
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const lastSeq = [...chat.messages].reverse().find((m) => m.seq !== null)?.seq ?? 0;

  // The newest message shown is read (debounced, while the page is visible): every tab's badge clears.
  useMarkRead(chatId, lastSeq > 0 ? lastSeq : null);

  // Keep the newest message in view unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && stickToBottom.current) list.scrollTop = list.scrollHeight;
  }, [chat.messages.length]);

  function submit(event?: FormEvent) {
    event?.preventDefault();
    // A message needs text: an attachment sent alone is captioned with its file name.
    const content = draft.trim() || (upload ? upload.fileName || 'attachment' : '');
    if (!content || uploading) return;
    stickToBottom.current = true;
    if (upload) {
      chat.send(content, upload.path);
      setUpload(null);
      setDraft('');
      return;
    }
    // "/agent <prompt>" asks the agent instead of sending a message; its steps show below the messages.
    // The draft is gone either way, so the others stop seeing "typing…" now (send does that itself).
    const agentPrompt = /^\/agent\s+([\s\S]+)$/.exec(content)?.[1];
    if (agentPrompt) {
      chat.stopTyping();
      agents.start(agentPrompt.trim());
    } else chat.send(content);
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
        {summary && <Members memberIds={summary.memberIds} presence={presence} selfId={user.id} />}
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
        {chat.messages.map((entry) => {
          const mine = entry.senderId === null || entry.senderId === user.id;
          return (
            <Message
              key={`${mine ? 'me' : entry.senderId}:${entry.clientMessageId}`}
              entry={entry}
              mine={mine}
              canEdit={mine && entry.id !== null}
              canDelete={entry.id !== null && (mine || isCreator)}
              onRetry={() => chat.retry(entry.clientMessageId)}
              onEdit={(content) => chat.edit(entry.id!, content)}
              onDelete={() => chat.remove(entry.id!)}
            />
          );
        })}
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
        <input
          ref={fileRef}
          type="file"
          className="visually-hidden"
          aria-label="Attach a file"
          accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (!file) return;
            setUploading(true);
            setUploadError(null);
            client.upload(file).then(
              (result) => setUpload(result),
              (err: unknown) => setUploadError(NetraError.parse(err).message),
            ).finally(() => setUploading(false));
          }}
        />
        <button type="button" onClick={() => fileRef.current?.click()} disabled={uploading}>
          {uploading ? 'Uploading…' : 'Attach'}
        </button>
        <button type="submit" className="primary" disabled={uploading || (draft.trim() === '' && !upload)}>
          Send
        </button>
      </form>
      {(upload || uploadError) && (
        <div className="attach-status">
          {upload && (
            <span>
              Attached: {upload.fileName || upload.path}{' '}
              <button type="button" className="link" onClick={() => setUpload(null)}>
                Remove
              </button>
            </span>
          )}
          {uploadError && <span className="error" role="alert">Upload failed: {uploadError}</span>}
        </div>
      )}
    </section>
  );
}
