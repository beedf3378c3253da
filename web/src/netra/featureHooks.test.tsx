// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseDown, ok, scriptedFetch } from './testing/fakeApi';
import { created, defaults, flush, type FakeHubConnection } from './testing/fakeSignalR';
import { pinRetryClock } from './testing/retryClock';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraProvider } = await import('./NetraProvider');
const hooks = await import('./featureHooks');

const fetchStub = (async () => new Response('', { status: 404 })) as unknown as typeof fetch;
let client: InstanceType<typeof NetraClient>;
let wrapper: (props: { children: ReactNode }) => ReactNode;
const t = '2026-01-01T00:00:00+00:00';

beforeEach(() => {
  created.length = 0;
  defaults.invoke = (method, ...args) => (method === 'Subscribe' ? { channel: args[0], lastSeq: 0, recovered: true, missed: [] } : undefined);
  client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchStub });
  wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
});
afterEach(() => cleanup());

async function hub(): Promise<FakeHubConnection> {
  await waitFor(() => expect(client.status.state).toBe('connected'));
  return created.at(-1)!;
}

describe('feature hooks', () => {
  it('usePresence follows the presence channel and tracks who is online', async () => {
    const { result } = renderHook(() => hooks.usePresence(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['presence', null]]));
    act(() => h.emit('PresenceChanged', { userId: 2, displayName: 'Alice', isOnline: true, status: 'online', lastSeen: null, version: 1 }));
    expect(result.current.isOnline(2)).toBe(true);
    act(() => h.emit('PresenceChanged', { userId: 2, displayName: 'Alice', isOnline: false, status: 'offline', lastSeen: t, version: 2 }));
    expect(result.current.isOnline(2)).toBe(false);
  });

  it('usePresence keeps a user online when an older offline comes after the newer online', async () => {
    const { result } = renderHook(() => hooks.usePresence(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['presence', null]]));
    // A tab reload: the disconnect (5) and the connect (7) announced together, the connect first.
    act(() => {
      h.emit('PresenceChanged', { userId: 2, displayName: 'Alice', isOnline: true, status: 'online', lastSeen: null, version: 7 });
      h.emit('PresenceChanged', { userId: 2, displayName: 'Alice', isOnline: false, status: 'offline', lastSeen: t, version: 5 });
    });
    expect(result.current.isOnline(2)).toBe(true);
    expect(result.current.users[2]?.version).toBe(7);
  });

  it('usePresence drops a change with the version it holds (the same state), without a new users object', async () => {
    const { result } = renderHook(() => hooks.usePresence(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['presence', null]]));
    const first = { userId: 2, displayName: 'Alice', isOnline: true, status: 'online', lastSeen: null, version: 7 };
    act(() => h.emit('PresenceChanged', first));
    const held = result.current.users;
    act(() => h.emit('PresenceChanged', { ...first }));
    expect(result.current.users).toBe(held);
    expect(result.current.users[2]).toBe(first);
  });

  it('useFeed collects new posts and their comments once each', async () => {
    const { result } = renderHook(() => hooks.useFeed(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['feed', null]]));
    const post = { id: 1, seq: 1, authorId: 2, authorName: 'alice', content: 'hi', timestamp: t };
    const comment = { id: 5, seq: 2, postId: 1, authorId: 1, authorName: 'demo', content: 'yo', timestamp: t };
    act(() => {
      h.emit('NewPost', post);
      h.emit('NewPost', post);
      h.emit('NewComment', comment);
      h.emit('NewComment', comment);
    });
    expect(result.current.posts).toEqual([post]);
    expect(result.current.commentsByPost[1]).toEqual([comment]);
  });

  it('useNotifications counts unread personal notifications without subscribing', async () => {
    const { result } = renderHook(() => hooks.useNotifications(), { wrapper });
    const h = await hub();
    act(() => {
      h.emit('Notification', { id: 1, type: 'mention', data: { chatId: 1 }, isRead: false, timestamp: t });
      h.emit('Notification', { id: 2, type: 'mention', data: null, isRead: true, timestamp: t });
    });
    expect(result.current.unread).toBe(1);
    act(() => result.current.markAllRead());
    expect(result.current.unread).toBe(0);
    expect(h.calls('Subscribe')).toEqual([]);
  });

  it('useIssueUpdates follows one issue and ignores others; useAlerts follows alerts', async () => {
    const issue = renderHook(() => hooks.useIssueUpdates('NET-7'), { wrapper });
    const alerts = renderHook(() => hooks.useAlerts(), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe').map((c) => c[0]).sort()).toEqual(['alerts', 'issue:NET-7']));
    act(() => {
      h.emit('IssueUpdated', { channel: 'issue:NET-7', seq: 1, type: 'status', payload: { status: 'done' }, timestamp: t });
      h.emit('IssueUpdated', { channel: 'issue:NET-8', seq: 1, type: 'status', payload: null, timestamp: t });
      h.emit('AlertTriggered', { channel: 'alerts', seq: 1, type: 'cpu', payload: { level: 'high' }, timestamp: t });
      h.emit('AlertTriggered', { channel: 'alerts', seq: 1, type: 'cpu', payload: { level: 'high' }, timestamp: t });
    });
    expect(issue.result.current.items.map((e) => e.channel)).toEqual(['issue:NET-7']);
    // Same seq twice on a followed channel: delivered once.
    expect(alerts.result.current.items).toHaveLength(1);
  });
});

describe('presence seed and channel history', () => {
  const answers = new Map<string, unknown>();
  const urls: string[] = [];
  let fetchWith: typeof fetch;
  beforeEach(() => {
    answers.clear();
    urls.length = 0;
    fetchWith = (async (url: string | URL | Request) => {
      const u = String(url);
      urls.push(u);
      for (const [part, body] of answers) if (u.includes(part)) return new Response(JSON.stringify(body), { status: 200 });
      return new Response('', { status: 404 });
    }) as typeof fetch;
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchWith });
    wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
  });

  it('usePresence reads the members’ state from GET /api/presence, then follows live changes (and away)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    answers.set('/api/presence?userIds=1,2,3', [
      { userId: 1, displayName: 'Demo', isOnline: true, status: 'online', lastSeen: null, version: 10 },
      { userId: 2, displayName: 'Alice', isOnline: true, status: 'online', lastSeen: null, version: 10 },
      { userId: 3, displayName: 'Bob', isOnline: false, status: 'offline', lastSeen: t, version: 10 },
    ]);
    const slow = client.http.bind(client);
    client.http = (async (path: string) => {
      await gate;
      return slow(path);
    }) as typeof client.http;
    const { result } = renderHook(() => hooks.usePresence([3, 2, 1, 2]), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['presence', null]]));
    // A live change while the read is on its way wins over the (older) answer.
    act(() => h.emit('PresenceChanged', { userId: 2, displayName: 'Alice', isOnline: true, status: 'away', lastSeen: null, version: 11 }));
    await act(async () => {
      release();
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(urls.at(-1)).toContain('/api/presence?userIds=1,2,3');
    expect([1, 2, 3].map((id) => result.current.statusOf(id))).toEqual(['online', 'away', 'offline']);
    expect(result.current.users[3]?.displayName).toBe('Bob');
    act(() => h.emit('PresenceChanged', { userId: 3, displayName: 'Bob', isOnline: true, status: 'online', lastSeen: null, version: 12 }));
    expect(result.current.isOnline(3)).toBe(true);
  });

  it('usePresence applies a read after a reconnect only where it is newer than what it holds', async () => {
    const reads: ((list: unknown) => void)[] = [];
    client.http = ((path: string) => {
      urls.push(path);
      return new Promise((resolve) => reads.push(resolve as (list: unknown) => void));
    }) as typeof client.http;
    const alice = { userId: 2, displayName: 'Alice', lastSeen: null };
    const bob = { userId: 3, displayName: 'Bob', lastSeen: null };
    const { result } = renderHook(() => hooks.usePresence([2, 3]), { wrapper });
    const h = await hub();
    await waitFor(() => expect(reads).toHaveLength(1));
    await act(async () => {
      reads[0]!([{ ...alice, isOnline: true, status: 'online', version: 4 }, { ...bob, isOnline: true, status: 'online', version: 4 }]);
      await flush();
    });
    expect([2, 3].map((id) => result.current.statusOf(id))).toEqual(['online', 'online']);

    act(() => h.dropConnection());
    await act(async () => {
      h.restoreConnection();
      await flush();
    });
    await waitFor(() => expect(reads).toHaveLength(2));
    expect(urls.at(-1)).toBe('/api/presence?userIds=2,3');
    // While the read is on its way: Alice goes away after it (14), and Bob's offline from before
    // it (9) comes late. The answer (12) loses to the first and wins over the second.
    act(() => {
      h.emit('PresenceChanged', { ...alice, isOnline: true, status: 'away', version: 14 });
      h.emit('PresenceChanged', { ...bob, isOnline: false, status: 'offline', lastSeen: t, version: 9 });
    });
    expect([2, 3].map((id) => result.current.statusOf(id))).toEqual(['away', 'offline']);
    await act(async () => {
      reads[1]!([{ ...alice, isOnline: true, status: 'online', version: 12 }, { ...bob, isOnline: true, status: 'online', version: 12 }]);
      await flush();
    });
    expect([2, 3].map((id) => result.current.statusOf(id))).toEqual(['away', 'online']);
    expect([2, 3].map((id) => result.current.users[id]?.version)).toEqual([14, 12]);
  });

  it('useChannelEvents shows recent history, then follows from its last seq, each seq once', async () => {
    const ev = (seq: number) => ({ channel: 'alerts', seq, type: 'critical', payload: { alertId: `a${seq}`, severity: 'critical', message: 'disk', data: null }, timestamp: t });
    answers.set('/api/channels/alerts/events', [ev(4), ev(5)]);
    const { result } = renderHook(() => hooks.useChannelEvents('alerts', 'AlertTriggered'), { wrapper });
    const h = await hub();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['alerts', 5]]));
    await waitFor(() => expect(result.current.loading).toBe(false));
    act(() => {
      h.emit('AlertTriggered', ev(5));
      h.emit('AlertTriggered', ev(6));
      h.emit('AlertTriggered', { ...ev(7), channel: 'app:other' });
    });
    expect(result.current.items.map((e) => e.seq)).toEqual([6, 5, 4]);
  });

  it('useChannelEvents retries a subscribe the server fails for a transient reason, and clears the error once it works', async () => {
    const restoreClock = pinRetryClock();
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchWith });
    try {
      const ev = (seq: number) => ({ channel: 'alerts', seq, type: 'critical', payload: null, timestamp: t });
      answers.set('/api/channels/alerts/events', [ev(4)]);
      // History is read once connected, so the subscribe after it is made while connected.
      let open!: () => void;
      const connectedGate = new Promise<void>((r) => (open = r));
      const read = client.http.bind(client);
      client.http = (async (path: string) => {
        await connectedGate;
        return read(path);
      }) as typeof client.http;
      const { result, unmount } = renderHook(() => hooks.useChannelEvents('alerts', 'AlertTriggered'), { wrapper });
      const h = await hub();
      let calls = 0;
      h.invokeImpl = (m, channel) =>
        m !== 'Subscribe' ? undefined
          : ++calls === 1 ? Promise.reject(new Error('INTERNAL: The database (PostgreSQL) cannot be reached right now.'))
            : { channel, lastSeq: 5, recovered: true, missed: [ev(5)] };
      open();
      await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
      expect(result.current.loading).toBe(false);
      await act(() => vi.advanceTimersByTimeAsync(500));
      expect(h.calls('Subscribe')).toEqual([['alerts', 4], ['alerts', 4]]);
      expect(result.current.error).toBeNull();
      expect(result.current.items.map((e) => e.seq)).toEqual([5, 4]);
      unmount();
      await act(() => vi.advanceTimersByTimeAsync(60_000));
      expect(h.calls('Subscribe')).toHaveLength(2);
    } finally {
      restoreClock();
    }
  });
});

describe('useChannelEvents, when its history read fails for a transient reason', () => {
  const ev = (seq: number) => ({ channel: 'alerts', seq, type: 'critical', payload: null, timestamp: t });
  const dbDown = () =>
    new Response(JSON.stringify({ title: 'Service Unavailable', status: 503, code: 'INTERNAL', detail: 'The database (PostgreSQL) cannot be reached right now.' }), {
      status: 503, headers: { 'Retry-After': '5' },
    });
  /** The answers to GET /api/channels/alerts/events, in order; the last one repeats. */
  let answers: (() => Response)[] = [];
  let reads = 0;
  /** Reads wait for it: the test opens it once connected, so retries are due at known times. */
  let open!: () => void;

  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    reads = 0;
    const connectedGate = new Promise<void>((r) => (open = r));
    const scripted = (async (url: string | URL | Request) => {
      if (!String(url).includes('/api/channels/alerts/events')) return new Response('', { status: 404 });
      await connectedGate;
      return answers[Math.min(reads++, answers.length - 1)]!();
    }) as typeof fetch;
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: scripted });
    wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
    return () => vi.useRealTimers();
  });

  it('shows the error, reads again after Retry-After, then shows the history and follows from its last seq', async () => {
    answers = [dbDown, () => new Response(JSON.stringify([ev(4), ev(3)]), { status: 200 })];
    const { result } = renderHook(() => hooks.useChannelEvents('alerts', 'AlertTriggered'), { wrapper });
    const h = await hub();
    open();
    await act(flush);
    expect(result.current).toMatchObject({ error: { code: 'INTERNAL', status: 503 }, loading: false });
    expect(h.calls('Subscribe')).toEqual([]);
    await act(() => vi.advanceTimersByTimeAsync(4900));
    expect(reads).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(200));
    expect(reads).toBe(2);
    expect(result.current).toMatchObject({ error: null, loading: false });
    expect(result.current.items.map((e) => e.seq)).toEqual([4, 3]);
    expect(h.calls('Subscribe')).toEqual([['alerts', 3]]);
  });

  it('stops at a FORBIDDEN, and stops retrying once unmounted', async () => {
    const forbidden = () => new Response(JSON.stringify({ title: 'Forbidden', status: 403, code: 'FORBIDDEN', detail: 'Not yours.' }), { status: 403 });
    answers = [dbDown, forbidden, () => new Response(JSON.stringify([ev(4)]), { status: 200 })];
    const refused = renderHook(() => hooks.useChannelEvents('alerts', 'AlertTriggered'), { wrapper });
    const h = await hub();
    open();
    await waitFor(() => expect(refused.result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5100));
    expect(refused.result.current.error?.code).toBe('FORBIDDEN');
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads).toBe(2);
    refused.unmount();

    reads = 0;
    answers = [dbDown, dbDown, () => new Response(JSON.stringify([ev(4)]), { status: 200 })];
    const waiting = renderHook(() => hooks.useChannelEvents('alerts', 'AlertTriggered'), { wrapper });
    await waitFor(() => expect(waiting.result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5100));
    expect(reads).toBe(2);
    waiting.unmount();
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads).toBe(2);
    expect(h.calls('Subscribe')).toEqual([]);
  });
});

describe('usePresence, when its seed read fails for a transient reason', () => {
  const path = '/api/presence?userIds=2,3';
  let reads: Record<string, number>;
  let restoreClock: () => void;

  beforeEach(() => {
    reads = {};
    restoreClock = pinRetryClock();
  });
  afterEach(() => {
    restoreClock();
  });

  function mount(answers: (() => Response)[]) {
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: scriptedFetch({ [path]: answers }, reads) });
    wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
    return renderHook(() => hooks.usePresence([3, 2]), { wrapper });
  }

  it('shows the 503, reads again after its Retry-After, then shows who is online and clears the error', async () => {
    const { result } = mount([
      () => databaseDown(5),
      () => ok([
        { userId: 2, displayName: 'Alice', isOnline: true, status: 'online', lastSeen: null, version: 3 },
        { userId: 3, displayName: 'Bob', isOnline: false, status: 'offline', lastSeen: t, version: 3 },
      ]),
    ]);
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'INTERNAL', status: 503 }));
    await act(() => vi.advanceTimersByTimeAsync(4800));
    expect(reads[path]).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(400));
    expect(reads[path]).toBe(2);
    expect(result.current.error).toBeNull();
    expect([2, 3].map((id) => result.current.statusOf(id))).toEqual(['online', 'offline']);
  });

  it('stops retrying once unmounted', async () => {
    const { result, unmount } = mount([() => databaseDown(5)]);
    await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5200));
    expect(reads[path]).toBe(2);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads[path]).toBe(2);
  });
});
