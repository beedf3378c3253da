// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseDown, fakeFetch, ok, type RecordedCall } from './testing/fakeApi';
import { created, defaults, type FakeHubConnection } from './testing/fakeSignalR';
import { retriedReads } from './testing/retriedReads';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraProvider } = await import('./NetraProvider');
const inbox = await import('./inbox');

const t = '2026-01-01T00:00:00+00:00';
const post = (id: number) => ({ id, seq: id, authorId: 2, authorName: 'alice', content: `post ${id}`, timestamp: t });
const comment = (id: number, postId = 1) => ({ id, seq: 100 + id, postId, authorId: 1, authorName: 'demo', content: `c ${id}`, timestamp: t });
const note = (id: number, isRead = false) => ({ id, type: 'comment_on_post', data: { postId: 1 }, isRead, timestamp: t });

describe('inbox merges', () => {
  it('keeps posts newest first and each once', () => {
    expect(inbox.mergePosts([post(1), post(3)], [post(2), post(3)]).map((p) => p.id)).toEqual([3, 2, 1]);
  });
  it('pages the feed back: the first full newest page says there is more, older pages append, a short one is the last', () => {
    const ids = (f: { posts: { id: number }[] }) => f.posts.map((p) => p.id);
    let feed = inbox.addNewestPosts(inbox.emptyFeedPosts, [post(9), post(8), post(7)], 3);
    expect([ids(feed), feed.hasOlder]).toEqual([[9, 8, 7], true]);
    feed = { ...feed, posts: inbox.mergePosts(feed.posts, [post(10)]) }; // live
    feed = inbox.addOlderPosts(feed, [post(6), post(5), post(4)], 3);
    expect([ids(feed), feed.hasOlder]).toEqual([[10, 9, 8, 7, 6, 5, 4], true]);
    // A page overlapping what is held (a post seen live and in a page) adds each post once.
    feed = inbox.addOlderPosts(feed, [post(4), post(3)], 3);
    expect([ids(feed), feed.hasOlder]).toEqual([[10, 9, 8, 7, 6, 5, 4, 3], false]);
    // Read again after a reconnect: what is new is added, and the end of the feed stays found.
    feed = inbox.addNewestPosts(feed, [post(12), post(11), post(10)], 3);
    expect([ids(feed), feed.hasOlder]).toEqual([[12, 11, 10, 9, 8, 7, 6, 5, 4, 3], false]);
    // A first page that is not full: nothing older.
    expect(inbox.addNewestPosts(inbox.emptyFeedPosts, [post(1)], 3).hasOlder).toBe(false);
  });
  it('keeps comments oldest first and each once', () => {
    expect(inbox.mergeComments([comment(5)], [comment(2), comment(5), comment(9)]).map((c) => c.id)).toEqual([2, 5, 9]);
  });
  it('keeps a notification read locally read when an unread copy comes again', () => {
    const held = inbox.markNotificationRead([note(1), note(2)], 1);
    const merged = inbox.mergeNotifications(held, [note(1), note(3)]);
    expect(merged.map((n) => [n.id, n.isRead])).toEqual([[3, false], [2, false], [1, true]]);
    expect(inbox.markAllNotificationsRead(merged).every((n) => n.isRead)).toBe(true);
  });
});

describe('inbox hooks', () => {
  let calls: RecordedCall[];
  let answers: Record<string, unknown>;
  let client: InstanceType<typeof NetraClient>;
  let wrapper: (props: { children: ReactNode }) => ReactNode;

  beforeEach(() => {
    created.length = 0;
    calls = [];
    answers = {};
    defaults.invoke = (method, ...args) => (method === 'Subscribe' ? { channel: args[0], lastSeq: 0, recovered: true, missed: [] } : undefined);
    const fetchStub = fakeFetch(answers, calls);
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchStub });
    wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
  });
  afterEach(() => cleanup());

  async function hub(): Promise<FakeHubConnection> {
    await waitFor(() => expect(client.status.state).toBe('connected'));
    return created.at(-1)!;
  }

  it('useFeedPage seeds from GET /api/posts, adds live posts and comments once, and posts', async () => {
    answers['GET /api/posts?limit=20'] = [post(2), post(1)];
    answers['GET /api/posts/2/comments?limit=100'] = [comment(4, 2)];
    answers['POST /api/posts'] = post(7);
    const { result } = renderHook(() => inbox.useFeedPage(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(result.current.posts.map((p) => p.id)).toEqual([2, 1]));
    expect(h.calls('Subscribe')).toEqual([['feed', null]]);
    act(() => {
      // Live seqs follow the subscription's lastSeq (0 here) without a gap.
      h.emit('NewPost', { ...post(3), seq: 1 });
      h.emit('NewPost', { ...post(3), seq: 1 });
      h.emit('NewComment', { ...comment(5, 2), seq: 2 });
    });
    expect(result.current.posts.map((p) => p.id)).toEqual([3, 2, 1]);
    await act(() => result.current.loadComments(2));
    expect(result.current.commentsByPost[2]!.map((c) => c.id)).toEqual([4, 5]);
    await act(() => result.current.createPost('hello'));
    expect(calls.at(-1)).toMatchObject({ url: '/api/posts', method: 'POST', body: { content: 'hello' } });
    expect(result.current.posts[0]!.id).toBe(7);
  });

  it('useFeedPage loads older posts page by page with beforeId, and stops at a short page', async () => {
    const page = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => post(from - i));
    answers['GET /api/posts?limit=3'] = page(30, 28);
    answers['GET /api/posts?beforeId=28&limit=3'] = page(27, 25);
    answers['GET /api/posts?beforeId=25&limit=3'] = page(24, 23);
    const { result } = renderHook(() => inbox.useFeedPage(3), { wrapper });
    await hub();
    await waitFor(() => expect(result.current.posts.map((p) => p.id)).toEqual([30, 29, 28]));
    expect(result.current.hasOlder).toBe(true);
    await act(() => result.current.loadOlder());
    expect(result.current.posts.map((p) => p.id)).toEqual([30, 29, 28, 27, 26, 25]);
    expect(result.current.hasOlder).toBe(true);
    await act(() => result.current.loadOlder());
    expect(result.current.posts.map((p) => p.id)).toEqual([30, 29, 28, 27, 26, 25, 24, 23]);
    expect(result.current.hasOlder).toBe(false);
    expect(result.current.loadingOlder).toBe(false);
    // Nothing older: no further read.
    await act(() => result.current.loadOlder());
    expect(calls.filter((c) => c.url.startsWith('/api/posts?')).map((c) => c.url)).toEqual([
      '/api/posts?limit=3', '/api/posts?beforeId=28&limit=3', '/api/posts?beforeId=25&limit=3',
    ]);
    expect(result.current.error).toBeNull();
  });

  it('useNotificationInbox seeds the unread ones, counts live ones, and marks read on the server', async () => {
    answers['GET /api/notifications?unread=true&limit=50'] = [note(2), note(1)];
    const { result } = renderHook(() => inbox.useNotificationInbox(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(result.current.unread).toBe(2));
    act(() => h.emit('Notification', note(3)));
    expect(result.current.unread).toBe(3);
    await act(() => result.current.markRead(2));
    expect(result.current.unread).toBe(2);
    expect(calls.at(-1)).toMatchObject({ url: '/api/notifications/2/read', method: 'POST' });
    await act(() => result.current.markAllRead());
    expect(result.current.unread).toBe(0);
    expect(calls.at(-1)).toMatchObject({ url: '/api/notifications/read-all', method: 'POST' });
    // The server took both (a failed mark would show as the inbox's error).
    expect(result.current.error).toBeNull();
    expect(h.calls('Subscribe')).toEqual([]);
  });
});

describe('useFeedPage and useNotificationInbox, when their first read fails for a transient reason', () => {
  const postsPath = '/api/posts?limit=20';
  const inboxPath = '/api/notifications?unread=true&limit=50';
  const retried = retriedReads((method, ...args) => (method === 'Subscribe' ? { channel: args[0], lastSeq: 0, recovered: true, missed: [] } : undefined));
  const { mount } = retried;

  it('useFeedPage shows the 503, reads again after its Retry-After, then shows the posts and clears the error', async () => {
    const { result } = mount({ [postsPath]: [() => databaseDown(5), () => ok([post(2), post(1)])] }, () => inbox.useFeedPage());
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'INTERNAL', status: 503 }));
    await act(() => vi.advanceTimersByTimeAsync(4800));
    expect(retried.reads[postsPath]).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(400));
    expect(retried.reads[postsPath]).toBe(2);
    expect(result.current).toMatchObject({ error: null, loading: false });
    expect(result.current.posts.map((p) => p.id)).toEqual([2, 1]);
  });

  it('useFeedPage stops retrying once unmounted', async () => {
    const { result, unmount } = mount({ [postsPath]: [() => databaseDown(5)] }, () => inbox.useFeedPage());
    await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5200));
    expect(retried.reads[postsPath]).toBe(2);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(retried.reads[postsPath]).toBe(2);
  });

  it('useNotificationInbox shows the 503, reads again after its Retry-After, then shows the notifications and clears the error', async () => {
    const { result } = mount({ [inboxPath]: [() => databaseDown(5), () => ok([note(2), note(1)])] }, () => inbox.useNotificationInbox());
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'INTERNAL', status: 503 }));
    await act(() => vi.advanceTimersByTimeAsync(4800));
    expect(retried.reads[inboxPath]).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(400));
    expect(retried.reads[inboxPath]).toBe(2);
    expect(result.current).toMatchObject({ error: null, unread: 2 });
  });

  it('useNotificationInbox stops retrying once unmounted, and does not retry a refusal', async () => {
    const forbidden = () => new Response(JSON.stringify({ title: 'Forbidden', status: 403, code: 'FORBIDDEN' }), { status: 403 });
    const waiting = mount({ [inboxPath]: [() => databaseDown(5), forbidden] }, () => inbox.useNotificationInbox());
    await waitFor(() => expect(waiting.result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5200));
    expect(retried.reads[inboxPath]).toBe(2);
    expect(waiting.result.current.error?.code).toBe('FORBIDDEN');
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(retried.reads[inboxPath]).toBe(2);
    waiting.unmount();

    retried.resetReads();
    const gone = mount({ [inboxPath]: [() => databaseDown(5)] }, () => inbox.useNotificationInbox());
    await waitFor(() => expect(gone.result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5200));
    expect(retried.reads[inboxPath]).toBe(2);
    gone.unmount();
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(retried.reads[inboxPath]).toBe(2);
  });
});
