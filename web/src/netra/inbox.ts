// The feed page's and the notification bell's state: seeded over HTTP, then kept live by the hub.
// The merge functions are pure (unit-tested on their own); the hooks only wire them to the client.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Channels, type Comment, type NotificationEvent, type Post } from './contracts';
import { useChannel, useConnectionState, useNetra, useNetraEvent } from './hooks';
import { NetraError } from './NetraError';
import { retryTransient } from './retry';

/** Posts newest first (by id), each once; a later copy replaces an earlier one. */
export function mergePosts(held: readonly Post[], incoming: readonly Post[]): Post[] {
  const byId = new Map(held.map((p) => [p.id, p]));
  for (const p of incoming) byId.set(p.id, p);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/** The feed page's posts, newest first, and whether the server has posts older than the oldest of them. */
export interface FeedPosts {
  posts: Post[];
  hasOlder: boolean;
  /** The newest page has been read at least once. */
  loaded: boolean;
}

export const emptyFeedPosts: FeedPosts = { posts: [], hasOlder: false, loaded: false };

/**
 * The newest page (GET /api/posts?limit=): merged with what is held. The first read decides whether
 * there is more (a full page); a read again after a reconnect only adds what is new, and leaves that
 * to the older pages already read.
 */
export function addNewestPosts(held: FeedPosts, page: readonly Post[], limit: number): FeedPosts {
  return {
    posts: mergePosts(held.posts, page),
    hasOlder: held.loaded ? held.hasOlder : page.length >= limit,
    loaded: true,
  };
}

/** An older page (GET /api/posts?beforeId={oldest held id}&limit=): appended; a short page is the last one. */
export function addOlderPosts(held: FeedPosts, page: readonly Post[], limit: number): FeedPosts {
  return { ...held, posts: mergePosts(held.posts, page), hasOlder: page.length >= limit };
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
  /** Newest first: GET /api/posts, older pages as asked for, and live `NewPost`. */
  posts: Post[];
  /** The server has posts older than the oldest in `posts` (loadOlder reads the next page). */
  hasOlder: boolean;
  /** An older page is being read. */
  loadingOlder: boolean;
  /** Per post id, oldest first: GET /api/posts/{id}/comments once asked for, then live `NewComment`. */
  commentsByPost: Record<number, Comment[]>;
  loading: boolean;
  error: NetraError | null;
  createPost(content: string): Promise<Post>;
  addComment(postId: number, content: string): Promise<Comment>;
  /** Reads the comments of one post (the feed page asks for each post it shows). */
  loadComments(postId: number): Promise<void>;
  /** Reads the next `limit` posts older than the oldest shown (GET /api/posts?beforeId=). */
  loadOlder(): Promise<void>;
}

/**
 * The feed: the newest `limit` posts, older pages on demand, live new posts and comments, and
 * posting. The newest page is read again after a reconnect. That read, when it fails for a
 * transient reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED, the network), is retried
 * while connected (retryTransient: at least as long as its Retry-After asks), its error shown
 * meanwhile and cleared once it works; a refusal is not retried. Older pages, comments and posting
 * are the user's to try again.
 */
export function useFeedPage(limit = 20): UseFeedPageResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const { error: channelError } = useChannel(Channels.Feed);
  const [feed, setFeed] = useState<FeedPosts>(emptyFeedPosts);
  const [commentsByPost, setComments] = useState<Record<number, Comment[]>>({});
  const [loading, setLoading] = useState(true);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<NetraError | null>(null);
  const latest = useRef(feed);
  useEffect(() => {
    latest.current = feed;
  });
  const olderRunning = useRef(false);
  const setPosts = useCallback((update: (held: Post[]) => Post[]) => setFeed((f) => ({ ...f, posts: update(f.posts) })), []);

  const addComments = useCallback(
    (postId: number, list: readonly Comment[]) =>
      setComments((all) => ({ ...all, [postId]: mergeComments(all[postId] ?? [], list) })),
    [],
  );
  useNetraEvent('NewPost', (p) => setPosts((held) => mergePosts(held, [p])));
  useNetraEvent('NewComment', (c) => addComments(c.postId, [c]));

  useEffect(() => {
    if (state !== 'connected') return;
    // A read that fails for a transient reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED,
    // the network) is retried while connected, its error shown meanwhile; a refusal is shown.
    return retryTransient(() => client.http<Post[]>(`/api/posts?limit=${limit}`), {
      done: (list) => {
        setFeed((held) => addNewestPosts(held, list, limit));
        setError(null);
        setLoading(false);
      },
      failed: (e) => {
        setError(e);
        setLoading(false);
      },
    });
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
  const loadOlder = useCallback(async () => {
    const oldest = latest.current.posts.at(-1);
    if (!oldest || !latest.current.hasOlder || olderRunning.current) return;
    olderRunning.current = true;
    setLoadingOlder(true);
    try {
      const page = await client.http<Post[]>(`/api/posts?beforeId=${oldest.id}&limit=${limit}`);
      setFeed((held) => addOlderPosts(held, page, limit));
    } catch (e) {
      setError(NetraError.parse(e));
    } finally {
      olderRunning.current = false;
      setLoadingOlder(false);
    }
  }, [client, limit]);
  const createPost = useCallback(
    async (content: string) => {
      const post = await client.http<Post>('/api/posts', { method: 'POST', body: { content } });
      setPosts((held) => mergePosts(held, [post]));
      return post;
    },
    [client, setPosts],
  );
  const addComment = useCallback(
    async (postId: number, content: string) => {
      const comment = await client.http<Comment>(`/api/posts/${postId}/comments`, { method: 'POST', body: { content } });
      addComments(postId, [comment]);
      return comment;
    },
    [client, addComments],
  );

  return {
    posts: feed.posts, hasOlder: feed.hasOlder, loadingOlder, commentsByPost, loading, error: error ?? channelError,
    createPost, addComment, loadComments, loadOlder,
  };
}

export interface UseNotificationInboxResult {
  /** Newest first: the unread ones from GET /api/notifications?unread=true, then live `Notification`. */
  notifications: NotificationEvent[];
  unread: number;
  error: NetraError | null;
  markRead(id: number): Promise<void>;
  markAllRead(): Promise<void>;
}

/**
 * The user's notifications (personal: no subscription), read again after every reconnect; a read
 * that fails for a transient reason is retried while connected, its error shown meanwhile (as
 * useFeedPage's). Marking read is not retried.
 */
export function useNotificationInbox(limit = 50): UseNotificationInboxResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const [notifications, setNotifications] = useState<NotificationEvent[]>([]);
  const [error, setError] = useState<NetraError | null>(null);
  useNetraEvent('Notification', (n) => setNotifications((held) => mergeNotifications(held, [n])));

  useEffect(() => {
    if (state !== 'connected') return;
    // Retried while connected when it fails for a transient reason, as useFeedPage's read is.
    return retryTransient(() => client.http<NotificationEvent[]>(`/api/notifications?unread=true&limit=${limit}`), {
      done: (list) => {
        setNotifications((held) => mergeNotifications(held, list));
        setError(null);
      },
      failed: setError,
    });
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
