// Hooks for the other channels of the contract. The server declares these events in
// INetraClient and accepts the subscriptions, but (as of this commit) does not send them yet:
// these hooks follow the C# contract and are unit-tested against it, not yet end to end.
import { useCallback, useMemo, useState } from 'react';
import {
  Channels,
  type ChannelEventMessage,
  type Comment,
  type ConnectionAcceptedEvent,
  type ConnectionRequestEvent,
  type NetraEventName,
  type NetraEvents,
  type NotificationEvent,
  type Post,
  type PresenceChangedEvent,
} from './contracts';
import { useChannel, useNetraEvent } from './hooks';
import type { NetraError } from './NetraError';

export const DEFAULT_LIMIT = 200;

export interface EventLog<T> {
  /** Newest first, at most `limit`. */
  items: T[];
  error: NetraError | null;
  clear(): void;
}

/**
 * The latest payloads of `event` while mounted, following `channel` (null: personal events that
 * need no subscription). `accept` filters; the newest `limit` are kept.
 */
export function useEventLog<E extends NetraEventName>(
  channel: string | null,
  event: E,
  accept: (payload: NetraEvents[E]) => boolean = () => true,
  limit = DEFAULT_LIMIT,
): EventLog<NetraEvents[E]> {
  const { error } = useChannel(channel);
  const [items, setItems] = useState<NetraEvents[E][]>([]);
  useNetraEvent(event, (payload) => {
    if (accept(payload)) setItems((list) => [payload, ...list].slice(0, limit));
  });
  const clear = useCallback(() => setItems([]), []);
  return { items, error, clear };
}

/** Who is online, by user id, from `PresenceChanged` on the `presence` channel. */
export function usePresence(): { users: Record<number, PresenceChangedEvent>; isOnline(userId: number): boolean; error: NetraError | null } {
  const { error } = useChannel(Channels.Presence);
  const [users, setUsers] = useState<Record<number, PresenceChangedEvent>>({});
  useNetraEvent('PresenceChanged', (p) => setUsers((u) => ({ ...u, [p.userId]: p })));
  const isOnline = useCallback((userId: number) => users[userId]?.isOnline ?? false, [users]);
  return { users, isOnline, error };
}

/** New posts (newest first) and their new comments, from the `feed` channel. */
export function useFeed(): { posts: Post[]; commentsByPost: Record<number, Comment[]>; error: NetraError | null } {
  const { error } = useChannel(Channels.Feed);
  const [posts, setPosts] = useState<Post[]>([]);
  const [commentsByPost, setComments] = useState<Record<number, Comment[]>>({});
  useNetraEvent('NewPost', (p) => setPosts((list) => (list.some((x) => x.id === p.id) ? list : [p, ...list])));
  useNetraEvent('NewComment', (c) =>
    setComments((all) => {
      const list = all[c.postId] ?? [];
      return list.some((x) => x.id === c.id) ? all : { ...all, [c.postId]: [...list, c] };
    }),
  );
  return { posts, commentsByPost, error };
}

/** Personal notifications (no subscription) with an unread count. */
export function useNotifications(): { notifications: NotificationEvent[]; unread: number; markAllRead(): void } {
  const log = useEventLog(null, 'Notification');
  const [readIds, setReadIds] = useState<ReadonlySet<number>>(new Set());
  const notifications = useMemo(
    () => log.items.map((n) => (readIds.has(n.id) ? { ...n, isRead: true } : n)),
    [log.items, readIds],
  );
  const unread = notifications.filter((n) => !n.isRead).length;
  const markAllRead = useCallback(() => setReadIds(new Set(log.items.map((n) => n.id))), [log.items]);
  return { notifications, unread, markAllRead };
}

/** Connection requests to us, and acceptances of ours (personal events). */
export function useConnectionRequests(): { requests: ConnectionRequestEvent[]; accepted: ConnectionAcceptedEvent[] } {
  const requests = useEventLog(null, 'ConnectionRequest');
  const accepted = useEventLog(null, 'ConnectionAccepted');
  return { requests: requests.items, accepted: accepted.items };
}

/** Updates of one issue (`issue:{id}`), or of all issues (`issues`) without an id. */
export function useIssueUpdates(issueId?: string): EventLog<ChannelEventMessage> {
  const channel = issueId ? Channels.issue(issueId) : Channels.Issues;
  return useEventLog(channel, 'IssueUpdated', (e) => e.channel === channel);
}

/** Alerts from the `alerts` channel. */
export function useAlerts(): EventLog<ChannelEventMessage> {
  return useEventLog(Channels.Alerts, 'AlertTriggered');
}
