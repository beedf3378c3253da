// Hooks for the other channels of the contract. Presence, issues and alerts are sent by the
// server (usePresence, useIssueUpdates, useAlerts, useChannelEvents; the chat app uses them and the
// browser tests cover them). useFeed and useNotifications here only collect live events; the chat
// app's feed page and bell use useFeedPage and useNotificationInbox (inbox.ts), and its connections
// page useConnectionRequests (connections.ts), which also read what came before over HTTP.
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Channels,
  type ChannelEventMessage,
  type Comment,
  type NetraEventName,
  type NetraEvents,
  type NotificationEvent,
  type Post,
  type PresenceChangedEvent,
} from './contracts';
import { followChannel, useChannel, useConnectionState, useNetra, useNetraEvent } from './hooks';
import type { NetraError } from './NetraError';
import { retryTransient } from './retry';

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

export interface UsePresenceResult {
  /** The latest state known per user id (seeded from GET /api/presence, then live). */
  users: Record<number, PresenceChangedEvent>;
  isOnline(userId: number): boolean;
  /** `online`, `away` or `offline` (unknown users are `offline`). */
  statusOf(userId: number): PresenceChangedEvent['status'];
  /** The channel's error, or the seed read's while it fails. */
  error: NetraError | null;
}

/**
 * Who is online, by user id, from `PresenceChanged` on the `presence` channel. With `userIds`,
 * their current state is read from GET /api/presence?userIds=... once the channel is followed (and
 * again after a reconnect, when changes may have been missed: presence is not replayed). Events and
 * read entries alike replace a user's state only when their `version` is greater than the one held,
 * so neither an event that arrives late nor a read older than a live change goes back in time. That
 * read, when it fails for a transient reason, is retried while connected (retryTransient), its
 * error shown in `error` meanwhile.
 */
export function usePresence(userIds: readonly number[] = []): UsePresenceResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const { subscribed, error: channelError } = useChannel(Channels.Presence);
  /** Why the seed read failed, while it is retried (or for good, after a refusal). */
  const [seedError, setSeedError] = useState<NetraError | null>(null);
  const [users, setUsers] = useState<Record<number, PresenceChangedEvent>>({});
  // Out-of-order announcements (a reload's disconnect and connect, two nodes) and a read older
  // than a live change lose to the greater version; an equal one is the same state. When nothing
  // is newer the same object is kept, so nothing re-renders.
  const merge = useCallback((list: readonly PresenceChangedEvent[]) => {
    setUsers((u) => {
      let next = u;
      for (const p of list) {
        if (p.version <= (next[p.userId]?.version ?? 0)) continue;
        if (next === u) next = { ...u };
        next[p.userId] = p;
      }
      return next;
    });
  }, []);
  useNetraEvent('PresenceChanged', (p) => merge([p]));

  const key = [...new Set(userIds.filter((id) => Number.isInteger(id) && id > 0))].sort((a, b) => a - b).slice(0, 200).join(',');
  useEffect(() => {
    if (!subscribed || state !== 'connected' || key === '') {
      setSeedError(null);
      return;
    }
    // Live changes keep coming meanwhile (merge orders them). A read that fails for a transient reason (503 INTERNAL while
    // PostgreSQL is down, RATE_LIMITED, the network) is retried while connected, its error shown
    // meanwhile; a refusal is shown, and the next reconnect reads again.
    return retryTransient(() => client.http<PresenceChangedEvent[]>(`/api/presence?userIds=${key}`), {
      done: (list) => {
        setSeedError(null);
        merge(list);
      },
      failed: setSeedError,
    });
  }, [client, subscribed, state, key, merge]);

  const isOnline = useCallback((userId: number) => users[userId]?.isOnline ?? false, [users]);
  const statusOf = useCallback((userId: number) => users[userId]?.status ?? 'offline', [users]);
  return { users, isOnline, statusOf, error: seedError ?? channelError };
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

/** Updates of one issue (`issue:{id}`), or of all issues (`issues`) without an id. */
export function useIssueUpdates(issueId?: string): EventLog<ChannelEventMessage> {
  const channel = issueId ? Channels.issue(issueId) : Channels.Issues;
  return useEventLog(channel, 'IssueUpdated', (e) => e.channel === channel);
}

/** Alerts from the `alerts` channel. */
export function useAlerts(): EventLog<ChannelEventMessage> {
  return useEventLog(Channels.Alerts, 'AlertTriggered');
}

export interface ChannelEvents {
  /** Newest first: the latest `limit` from history, then live ones, each seq once. */
  items: ChannelEventMessage[];
  loading: boolean;
  error: NetraError | null;
}

type ChannelEventName = 'IssueUpdated' | 'AlertTriggered' | 'ChannelEvent';

/**
 * A durable event channel (`issues`, `issue:{id}`, `alerts`, `app:*`) with its recent history:
 * the newest `limit` events from GET /api/channels/{channel}/events, then the channel followed
 * from the last of them, so nothing published in between is lost or shown twice. A read that fails
 * for a transient reason is retried while mounted (at least as long as its Retry-After asks), its
 * error shown meanwhile; a refusal (FORBIDDEN, NOT_FOUND, ...) is shown and not retried.
 */
export function useChannelEvents(channel: string, event: ChannelEventName, limit = 50): ChannelEvents {
  const client = useNetra();
  const [items, setItems] = useState<ChannelEventMessage[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<NetraError | null>(null);

  useEffect(() => {
    let unfollow: (() => void) | null = null;
    setItems([]);
    setLoading(true);
    setError(null);
    const add = (list: ChannelEventMessage[]) =>
      setItems((held) => {
        const seqs = new Set(held.map((e) => e.seq));
        const fresh = list.filter((e) => e.channel === channel && !seqs.has(e.seq));
        return fresh.length === 0 ? held : [...held, ...fresh].sort((a, b) => b.seq - a.seq).slice(0, Math.max(limit, DEFAULT_LIMIT));
      });
    const off = client.on(event, (e) => add([e]));
    // A read that fails for a transient reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED,
    // the network) is retried as a re-subscribe is, its error shown meanwhile; a refusal is shown.
    const stopLoading = retryTransient(
      () => client.http<ChannelEventMessage[]>(
        `/api/channels/${encodeURIComponent(channel)}/events?beforeSeq=${Number.MAX_SAFE_INTEGER}&limit=${limit}`,
      ),
      {
        done: (page) => {
          add(page);
          setError(null);
          setLoading(false);
          // A Subscribe that fails for a transient reason is retried by the client: its error shows
          // meanwhile, and goes once the channel is subscribed; a refusal for good stays.
          unfollow = followChannel(client, channel, page.at(-1)?.seq ?? 0, (status) => {
            if (status.error || status.subscribed) setError(status.error);
          });
        },
        failed: (e) => {
          setError(e);
          setLoading(false);
        },
      },
    );
    return () => {
      stopLoading();
      off();
      unfollow?.();
    };
  }, [client, channel, event, limit]);

  return { items, loading, error };
}
