import { useState } from 'react';
import { NotificationTypes, useNotificationInbox, type Json, type NotificationEvent } from '../netra';
import { chatHref, connectionsHref, postHref } from './useHashRoute';

const field = (data: Json, key: string): string => {
  const v = typeof data === 'object' && data !== null && !Array.isArray(data) ? data[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
};

/** One line of text per notification (shown as text, never as HTML). */
export function describeNotification(n: NotificationEvent): string {
  switch (n.type) {
    case NotificationTypes.CommentOnPost:
      return `${field(n.data, 'fromUserName')} commented on your post: ${field(n.data, 'preview')}`;
    case NotificationTypes.ConnectionRequest:
      return `${field(n.data, 'fromUserName')} wants to connect`;
    case NotificationTypes.ConnectionAccepted:
      return `${field(n.data, 'userName')} accepted your connection request`;
    case NotificationTypes.AddedToChat:
      return `${field(n.data, 'byUserName')} added you to ${field(n.data, 'title')}`;
    case NotificationTypes.RemovedFromChat:
      return `${field(n.data, 'byUserName')} removed you from ${field(n.data, 'title')}`;
    default:
      return n.type;
  }
}

const positiveId = (data: Json, key: string): number | null => {
  const n = Number(field(data, key));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

/**
 * Where a notification leads: the post commented on, the connections page for requests and
 * answers, the chat one was added to. Null when there is nothing to open (a chat one was removed from).
 */
export function notificationHref(n: NotificationEvent): string | null {
  switch (n.type) {
    case NotificationTypes.CommentOnPost: {
      const postId = positiveId(n.data, 'postId');
      return postId === null ? null : postHref(postId);
    }
    case NotificationTypes.ConnectionRequest:
    case NotificationTypes.ConnectionAccepted:
      return connectionsHref;
    case NotificationTypes.AddedToChat: {
      const chatId = positiveId(n.data, 'chatId');
      return chatId === null ? null : chatHref(chatId);
    }
    default:
      return null;
  }
}

/** The header's bell: the unread count, and a dropdown to read them; a notification opens what it is about. */
export function NotificationBell() {
  const inbox = useNotificationInbox();
  const [open, setOpen] = useState(false);
  return (
    <div className="bell">
      <button
        type="button"
        aria-label={`Notifications, ${inbox.unread} unread`}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {inbox.unread > 0 && <span className="unread" data-testid="bell-count">{inbox.unread}</span>}
      </button>
      {open && (
        <div className="bell-menu" role="dialog" aria-label="Notifications">
          <div className="bell-head">
            <strong>Notifications</strong>
            <button type="button" className="link" disabled={inbox.unread === 0} onClick={() => void inbox.markAllRead()}>
              Mark all read
            </button>
          </div>
          {inbox.error && <p className="error" role="alert">{inbox.error.message}</p>}
          {inbox.notifications.length === 0 && <p className="muted">Nothing new.</p>}
          <ol className="bell-list">
            {inbox.notifications.map((n) => {
              const href = notificationHref(n);
              return (
                <li key={n.id} className={n.isRead ? 'read' : 'unread-item'}>
                  {href ? (
                    <a
                      className="text"
                      href={href}
                      onClick={() => {
                        // Opening it reads it; the link itself changes the route.
                        if (!n.isRead) void inbox.markRead(n.id);
                        setOpen(false);
                      }}
                    >
                      {describeNotification(n)}
                    </a>
                  ) : (
                    <span className="text">{describeNotification(n)}</span>
                  )}
                  {!n.isRead && (
                    <button type="button" className="link" onClick={() => void inbox.markRead(n.id)}>
                      Mark read
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
        </div>
      )}
    </div>
  );
}
