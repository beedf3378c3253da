// The feed page's and the notification bell's state: seeded over HTTP, then kept live by the hub.
// The merge functions are pure (unit-tested on their own); the hooks only wire them to the client.
import { useCallback, useEffect, useState } from 'react';
import { Channels, type Comment, type NotificationEvent, type Post } from './contracts';
import { useChannel, useConnectionState, useNetra, useNetraEvent } from './hooks';
import { NetraError } from './NetraError';

/** Posts newest first (by id), each once; a later copy replaces an earlier one. */
export function mergePosts(held: readonly Post[], incoming: readonly Post[]): Post[] {
  const byId = new Map(held.map((p) => [p.id, p]));
  for (const p of incoming) byId.set(p.id, p);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/** Comments of one post oldest first (by id), each once. */
export function mergeComments(held: readonly Comment[], incoming: readonly Comment[]): Comment[] {
  const byId = new Map(held.map((c) => [c.id, c]));
  for (const c of incoming) byId.set(c.id, c);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Notifications newest first (by id), each once; once read locally, a notification stays read. */
export function mergeNotifications(held: readonly NotificationEvent[], incoming: readonly NotificationEvent[]): NotificationEvent[] {
  const byId = new Map(held.map((n) => [n.id, n]));
  for (const n of incoming) {
    const old = byId.get(n.id);
    byId.set(n.id, old?.isRead && !n.isRead ? { ...n, isRead: true } : n);
  }
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

export const markNotificationRead = (held: readonly NotificationEvent[], id: number): NotificationEvent[] =>
  held.map((n) => (n.id === id && !n.isRead ? { ...n, isRead: true } : n));

export const markAllNotificationsRead = (held: readonly NotificationEvent[]): NotificationEvent[] =>
  held.map((n) => (n.isRead ? n : { ...n, isRead: true }));

export interface UseFeedPageResult {
  /** Newest first: GET /api/posts, then live `NewPost`. */
  posts: Post[];
  /** Per post id, oldest first: GET /api/posts/{id}/comments once asked for, then live `NewComment`. */
  commentsByPost: Record<number, Comment[]>;
  loading: boolean;
  error: NetraError | null;
  createPost(content: string): Promise<Post>;
  addComment(postId: number, content: string): Promise<Comment>;
  /** Reads the comments of one post (the feed page asks for each post it shows). */
  loadComments(postId: number): Promise<void>;
}

/** The feed: the newest `limit` posts, live new posts and comments, and posting. Read again after a reconnect. */
export function useFeedPage(limit = 20): UseFeedPageResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const { error: channelError } = useChannel(Channels.Feed);
  const [posts, setPosts] = useState<Post[]>([]);
  const [commentsByPost, setComments] = useState<Record<number, Comment[]>>({});
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<NetraError | null>(null);

  const addComments = useCallback(
    (postId: number, list: readonly Comment[]) =>
      setComments((all) => ({ ...all, [postId]: mergeComments(all[postId] ?? [], list) })),
    [],
  );
  useNetraEvent('NewPost', (p) => setPosts((held) => mergePosts(held, [p])));
  useNetraEvent('NewComment', (c) => addComments(c.postId, [c]));

  useEffect(() => {
    if (state !== 'connected') return;
    let active = true;
    client.http<Post[]>(`/api/posts?limit=${limit}`).then(
      (list) => {
        if (!active) return;
        setPosts((held) => mergePosts(held, list));
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!active) return;
        setError(NetraError.parse(e));
        setLoading(false);
      },
    );
    return () => {
      active = false;
    };
  }, [client, state, limit]);

  const loadComments = useCallback(
    async (postId: number) => {
      try {
        addComments(postId, await client.http<Comment[]>(`/api/posts/${postId}/comments?limit=100`));
      } catch (e) {
        setError(NetraError.parse(e));
      }
    },
    [client, addComments],
  );
  const createPost = useCallback(
    async (content: string) => {
      const post = await client.http<Post>('/api/posts', { method: 'POST', body: { content } });
      setPosts((held) => mergePosts(held, [post]));
      return post;
    },
    [client],
  );
  const addComment = useCallback(
    async (postId: number, content: string) => {
      const comment = await client.http<Comment>(`/api/posts/${postId}/comments`, { method: 'POST', body: { content } });
      addComments(postId, [comment]);
      return comment;
    },
    [client, addComments],
  );

  return { posts, commentsByPost, loading, error: error ?? channelError, createPost, addComment, loadComments };
}

export interface UseNotificationInboxResult {
  /** Newest first: the unread ones from GET /api/notifications?unread=true, then live `Notification`. */
  notifications: NotificationEvent[];
  unread: number;
  error: NetraError | null;
  markRead(id: number): Promise<void>;
  markAllRead(): Promise<void>;
}

/** The user's notifications (personal: no subscription), read again after every reconnect. */
export function useNotificationInbox(limit = 50): UseNotificationInboxResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const [notifications, setNotifications] = useState<NotificationEvent[]>([]);
  const [error, setError] = useState<NetraError | null>(null);
  useNetraEvent('Notification', (n) => setNotifications((held) => mergeNotifications(held, [n])));

  useEffect(() => {
    if (state !== 'connected') return;
    let active = true;
    client.http<NotificationEvent[]>(`/api/notifications?unread=true&limit=${limit}`).then(
      (list) => {
        if (!active) return;
        setNotifications((held) => mergeNotifications(held, list));
        setError(null);
      },
      (e: unknown) => active && setError(NetraError.parse(e)),
    );
    return () => {
      active = false;
    };
  }, [client, state, limit]);

  const markRead = useCallback(
    async (id: number) => {
      setNotifications((held) => markNotificationRead(held, id));
      try {
        await client.http<NotificationEvent>(`/api/notifications/${id}/read`, { method: 'POST' });
      } catch (e) {
        setError(NetraError.parse(e));
      }
    },
    [client],
  );
  const markAllRead = useCallback(async () => {
    setNotifications(markAllNotificationsRead);
    try {
      await client.http<void>('/api/notifications/read-all', { method: 'POST' });
    } catch (e) {
      setError(NetraError.parse(e));
    }
  }, [client]);

  const unread = notifications.filter((n) => !n.isRead).length;
  return { notifications, unread, error, markRead, markAllRead };
}
