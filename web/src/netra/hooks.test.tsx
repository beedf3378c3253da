// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { created, defaults, flush, type FakeHubConnection } from './testing/fakeSignalR';
import { pinRetryClock } from './testing/retryClock';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraProvider } = await import('./NetraProvider');
const { useChat, useConnectionState, useNetraEvent, useChannel, useMarkRead, MARK_READ_DEBOUNCE_MS, useAwayWhenHidden, AWAY_DELAY_MS } = await import('./hooks');
type ChatMessage = import('./contracts').ChatMessage;

function message(seq: number, over: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: 100 + seq, chatId: 1, seq, senderId: 2, senderName: 'alice', content: `m${seq}`, attachment: null,
    clientMessageId: `c${seq}`, timestamp: '2026-01-01T00:00:00+00:00', editedAt: null, deleted: false, ...over,
  };
}

let history: ChatMessage[] = [];
const httpCalls: string[] = [];
const fetchStub = (async (url: string | URL | Request) => {
  const u = String(url);
  httpCalls.push(u);
  if (u.includes('/api/chats/1/messages')) return new Response(JSON.stringify(history), { status: 200 });
  if (u.includes('/api/chats/9/messages')) {
    return new Response(JSON.stringify({ title: 'Forbidden', detail: 'You are not a member of chat 9.', code: 'FORBIDDEN' }), { status: 403 });
  }
  return new Response('', { status: 404 });
}) as typeof fetch;

let client: InstanceType<typeof NetraClient>;
const newClient = () => new NetraClient({ baseUrl: 'http://netra.test', accessTokenFactory: () => 'tok', fetch: fetchStub });
let hub: FakeHubConnection;
let wrapper: (props: { children: ReactNode }) => ReactNode;

beforeEach(async () => {
  created.length = 0;
  httpCalls.length = 0;
  history = [message(1), message(2)];
  client = newClient();
  wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
});

afterEach(() => {
  cleanup();
});

/** After the provider mounted: the fake connection, answering Subscribe and SendMessage. */
async function connected(): Promise<FakeHubConnection> {
  await waitFor(() => expect(client.status.state).toBe('connected'));
  hub = created.at(-1)!;
  return hub;
}

beforeEach(() => {
  defaults.invoke = (method, ...args) => {
    if (method === 'Subscribe') return { channel: args[0], lastSeq: 2, recovered: true, missed: [] };
    if (method === 'SendMessage') {
      const req = args[0] as { chatId: number; content: string; clientMessageId: string };
      return message(3, { senderId: 1, senderName: 'demo', content: req.content, clientMessageId: req.clientMessageId });
    }
    return undefined;
  };
});

describe('NetraProvider', () => {
  it('starts the connection on mount and stops it on unmount', async () => {
    const { unmount } = render(<NetraProvider client={client}><p>child</p></NetraProvider>);
    expect(screen.getByText('child')).toBeDefined();
    await connected();
    unmount();
    await flush();
    expect(client.status.state).toBe('disconnected');
  });
});

describe('useConnectionState', () => {
  it('follows the connection through a drop and a reconnect', async () => {
    const { result } = renderHook(() => useConnectionState(), { wrapper });
    const h = await connected();
    expect(result.current.state).toBe('connected');
    act(() => h.dropConnection());
    expect(result.current.state).toBe('reconnecting');
    // Connected once the server's ConnectionEstablished has come, just after the handshake.
    await act(async () => {
      h.restoreConnection();
      await flush();
    });
    expect(result.current.state).toBe('connected');
  });
});

describe('useNetraEvent', () => {
  it('calls the latest handler and stops on unmount', async () => {
    const seen: string[] = [];
    const { rerender, unmount } = renderHook(({ tag }) => useNetraEvent('Typing', (t) => seen.push(`${tag}:${t.userName}`)), {
      wrapper, initialProps: { tag: 'first' },
    });
    const h = await connected();
    rerender({ tag: 'second' });
    act(() => h.emit('Typing', { chatId: 1, userId: 2, userName: 'alice', isTyping: true }));
    unmount();
    h.emit('Typing', { chatId: 1, userId: 2, userName: 'bob', isTyping: true });
    expect(seen).toEqual(['second:alice']);
  });
});

describe('useChannel', () => {
  it('subscribes while mounted and reports a refusal as a value', async () => {
    // The provider stays mounted; the channel goes away (as when a component using it unmounts).
    const { result, rerender } = renderHook(({ on }) => useChannel(on ? 'alerts' : null), { wrapper, initialProps: { on: true } });
    const h = await connected();
    await waitFor(() => expect(result.current.subscribed).toBe(true));
    rerender({ on: false });
    await flush();
    expect(h.calls('Unsubscribe')).toEqual([['alerts']]);

    h.invokeImpl = () => Promise.reject(new Error('FORBIDDEN: no such channel'));
    const refused = renderHook(() => useChannel('nope'), { wrapper });
    await waitFor(() => expect(refused.result.current.error?.code).toBe('FORBIDDEN'));
  });

  it('tells while a re-subscribe after a reconnect is retried, and when it worked again', async () => {
    const { result } = renderHook(() => useChannel('alerts'), { wrapper });
    const h = await connected();
    await waitFor(() => expect(result.current).toEqual({ subscribed: true, error: null }));
    h.dropConnection();
    let down = true;
    h.invokeImpl = (m, channel) =>
      m !== 'Subscribe' ? undefined
        : down ? Promise.reject(new Error('INTERNAL: The database (PostgreSQL) cannot be reached right now.'))
          : { channel, lastSeq: 2, recovered: true, missed: [] };
    act(() => h.restoreConnection());
    await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
    expect(result.current.subscribed).toBe(false);
    down = false;
    await waitFor(() => expect(result.current).toEqual({ subscribed: true, error: null }), { timeout: 2000 });
  });

  it('reports a channel the server refuses when it is subscribed again after a reconnect', async () => {
    const { result } = renderHook(() => useChannel('alerts'), { wrapper });
    const h = await connected();
    await waitFor(() => expect(result.current.subscribed).toBe(true));
    h.dropConnection();
    h.invokeImpl = () => Promise.reject(new Error('FORBIDDEN: no longer allowed'));
    act(() => h.restoreConnection());
    await waitFor(() => expect(result.current.error?.code).toBe('FORBIDDEN'));
    expect(result.current.subscribed).toBe(false);
    expect(client.channelStatus('alerts')).toBeNull();
  });
});

describe('useChannel, when its first subscribe fails for a transient reason', () => {
  const dbDown = 'INTERNAL: The database (PostgreSQL) cannot be reached right now, so the request was not carried out. Retry in a few seconds.';
  const accept = (channel: unknown) => ({ channel, lastSeq: 0, recovered: true, missed: [] });

  beforeEach(() => {
    const restoreClock = pinRetryClock();
    client = newClient();
    return restoreClock;
  });

  /** Connected first, then `useChannel('alerts')` mounted (`on`), so its subscribe is made while connected. */
  async function mountedWhileConnected(answer: (call: number, channel: unknown) => unknown) {
    const view = renderHook(({ on }) => useChannel(on ? 'alerts' : null), { wrapper, initialProps: { on: false } });
    const h = await connected();
    let calls = 0;
    h.invokeImpl = (m, channel) => (m === 'Subscribe' ? answer(++calls, channel) : undefined);
    view.rerender({ on: true });
    await act(flush);
    return { ...view, h };
  }

  it('retries it with a full-jitter backoff, reports the error meanwhile, and subscribed once it works', async () => {
    const { result, rerender, h } = await mountedWhileConnected((call, channel) =>
      call <= 2 ? Promise.reject(new Error(`HubException: ${dbDown}`)) : accept(channel));
    expect(result.current).toMatchObject({ subscribed: false, error: { code: 'INTERNAL' } });
    expect(h.calls('Subscribe')).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(500)); // the first retry: below 500 ms
    expect(h.calls('Subscribe')).toHaveLength(2);
    expect(result.current).toMatchObject({ subscribed: false, error: { code: 'INTERNAL' } });
    await act(() => vi.advanceTimersByTimeAsync(1000)); // the second: below 1 s
    expect(result.current).toEqual({ subscribed: true, error: null });
    expect(h.calls('Subscribe')).toEqual([['alerts', null], ['alerts', null], ['alerts', null]]);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(h.calls('Subscribe')).toHaveLength(3);
    rerender({ on: false });
    await act(flush);
    expect(h.calls('Unsubscribe')).toEqual([['alerts']]);
  });

  it('waits at least as long as a "retry in N s" asks', async () => {
    const { result, h } = await mountedWhileConnected((call, channel) =>
      call === 1 ? Promise.reject(new Error('RATE_LIMITED: 600 calls per minute; retry in 12 s')) : accept(channel));
    expect(result.current).toMatchObject({ subscribed: false, error: { code: 'RATE_LIMITED' } });
    await act(() => vi.advanceTimersByTimeAsync(11_900));
    expect(h.calls('Subscribe')).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(200));
    expect(h.calls('Subscribe')).toHaveLength(2);
    expect(result.current).toEqual({ subscribed: true, error: null });
  });

  it('subscribes it on the next connect when the connection drops before the retry', async () => {
    let down = true;
    const { result, h } = await mountedWhileConnected((_call, channel) =>
      down ? Promise.reject(new Error('RATE_LIMITED: 600 calls per minute; retry in 40 s')) : accept(channel));
    expect(result.current).toMatchObject({ subscribed: false, error: { code: 'RATE_LIMITED' } });
    act(() => h.dropConnection());
    down = false;
    await act(async () => {
      h.restoreConnection();
      await flush();
    });
    expect(result.current).toEqual({ subscribed: true, error: null });
    await act(() => vi.advanceTimersByTimeAsync(60_000)); // the waiting retry was called off
    expect(h.calls('Subscribe')).toEqual([['alerts', null], ['alerts', null]]);
  });

  it.each(['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'UNAUTHORIZED'])(
    'does not retry a permanent refusal (%s), and has nothing to unsubscribe',
    async (code) => {
      const { result, rerender, h } = await mountedWhileConnected(() => Promise.reject(new Error(`${code}: refused`)));
      expect(result.current).toMatchObject({ subscribed: false, error: { code } });
      await act(() => vi.advanceTimersByTimeAsync(60_000));
      expect(h.calls('Subscribe')).toHaveLength(1);
      rerender({ on: false });
      await act(flush);
      expect(h.calls('Unsubscribe')).toEqual([]);
    },
  );

  it('stops retrying once unmounted: no timer left, no subscribe, nothing to unsubscribe', async () => {
    const { rerender, h } = await mountedWhileConnected(() => Promise.reject(new Error(dbDown)));
    expect(h.calls('Subscribe')).toHaveLength(1);
    rerender({ on: false });
    await act(flush);
    expect(vi.getTimerCount()).toBe(0);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(h.calls('Subscribe')).toHaveLength(1);
    expect(h.calls('Unsubscribe')).toEqual([]); // the server never took it
    expect(client.channelStatus('alerts')).toBeNull();
  });

  it('keeps the count of two followers of one channel: both recover, and the last to leave unsubscribes once', async () => {
    const view = renderHook(({ a, b }) => [useChannel(a ? 'alerts' : null), useChannel(b ? 'alerts' : null)], {
      wrapper, initialProps: { a: false, b: false },
    });
    const h = await connected();
    let calls = 0;
    h.invokeImpl = (m, channel) => (m !== 'Subscribe' ? undefined : ++calls === 1 ? Promise.reject(new Error(dbDown)) : accept(channel));
    view.rerender({ a: true, b: true });
    await act(flush);
    expect(view.result.current.map((s) => s.error?.code)).toEqual(['INTERNAL', 'INTERNAL']);
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(view.result.current).toEqual([{ subscribed: true, error: null }, { subscribed: true, error: null }]);
    expect(h.calls('Subscribe')).toHaveLength(2);
    view.rerender({ a: false, b: true });
    await act(flush);
    expect(h.calls('Unsubscribe')).toEqual([]);
    view.rerender({ a: false, b: false });
    await act(flush);
    expect(h.calls('Unsubscribe')).toEqual([['alerts']]);
  });

  it('does not unsubscribe a later follower when a refused one unmounts', async () => {
    const view = renderHook(({ a, b }) => [useChannel(a ? 'alerts' : null), useChannel(b ? 'alerts' : null)], {
      wrapper, initialProps: { a: false, b: false },
    });
    const h = await connected();
    h.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error('FORBIDDEN: not yet')) : undefined);
    view.rerender({ a: true, b: false });
    await act(flush);
    expect(view.result.current[0]).toMatchObject({ subscribed: false, error: { code: 'FORBIDDEN' } });
    h.invokeImpl = (m, channel) => (m === 'Subscribe' ? accept(channel) : undefined); // allowed now
    view.rerender({ a: true, b: true });
    await act(flush);
    expect(view.result.current[1]).toEqual({ subscribed: true, error: null });
    view.rerender({ a: false, b: true });
    await act(flush);
    expect(h.calls('Unsubscribe')).toEqual([]);
    expect(client.channelStatus('alerts')).toEqual({ subscribed: true, error: null });
    view.rerender({ a: false, b: false });
    await act(flush);
    expect(h.calls('Unsubscribe')).toEqual([['alerts']]);
  });
});

describe('useChat, when its first subscribe fails for a transient reason', () => {
  beforeEach(() => {
    const restoreClock = pinRetryClock();
    client = newClient();
    return restoreClock;
  });

  /** Connected first, then chat 1 opened, so its subscribe is made while connected. */
  async function openedWhileConnected(answer: (call: number) => unknown) {
    const view = renderHook(({ id }) => useChat(id), { wrapper, initialProps: { id: null as number | null } });
    const h = await connected();
    let calls = 0;
    h.invokeImpl = (m) => (m === 'Subscribe' ? answer(++calls) : undefined);
    view.rerender({ id: 1 });
    await waitFor(() => expect(h.calls('Subscribe')).toHaveLength(1));
    await act(flush);
    return { ...view, h };
  }

  it('shows the error, retries, and clears it once subscribed, with what was missed meanwhile', async () => {
    const { result, rerender, h } = await openedWhileConnected((call) =>
      call === 1
        ? Promise.reject(new Error('INTERNAL: The database (PostgreSQL) cannot be reached right now.'))
        : { channel: 'chat:1', lastSeq: 3, recovered: true, missed: [message(3)] });
    expect(result.current.error?.code).toBe('INTERNAL');
    expect(result.current.messages.map((m) => m.seq)).toEqual([1, 2]);
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(h.calls('Subscribe')).toEqual([['chat:1', 2], ['chat:1', 2]]);
    expect(result.current.error).toBeNull();
    expect(result.current.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    rerender({ id: null });
    await act(flush);
    expect(h.calls('Unsubscribe')).toEqual([['chat:1']]);
  });

  it('stops retrying when the chat is closed, and does not retry a refusal', async () => {
    const { rerender, h } = await openedWhileConnected(() => Promise.reject(new Error('RATE_LIMITED: 600 calls per minute; retry in 5 s')));
    rerender({ id: null });
    await act(flush);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(h.calls('Subscribe')).toHaveLength(1);
    expect(h.calls('Unsubscribe')).toEqual([]);

    h.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error('FORBIDDEN: You are not a member of chat 1.')) : undefined);
    rerender({ id: 1 });
    await waitFor(() => expect(h.calls('Subscribe')).toHaveLength(2));
    await act(flush);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(h.calls('Subscribe')).toHaveLength(2);
  });
});

describe('useChat, when its history read fails for a transient reason', () => {
  const dbDown = {
    title: 'Service Unavailable', status: 503, code: 'INTERNAL',
    detail: 'The database (PostgreSQL) cannot be reached right now, so the request was not carried out. Retry in a few seconds.',
  };
  const problem = (status: number, body: object, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers });
  /** The answers to GET /api/chats/1/messages, in order; the last one repeats. */
  let answers: (() => Response | Promise<Response>)[] = [];
  let reads = 0;

  beforeEach(() => {
    const restoreClock = pinRetryClock();
    reads = 0;
    const scripted = (async (url: string | URL | Request) => {
      const u = String(url);
      httpCalls.push(u);
      if (!u.includes('/api/chats/1/messages')) return fetchStub(url);
      const answer = answers[Math.min(reads++, answers.length - 1)]!;
      return answer();
    }) as typeof fetch;
    client = new NetraClient({ baseUrl: 'http://netra.test', accessTokenFactory: () => 'tok', fetch: scripted });
    return restoreClock;
  });

  /** Connected first, then chat 1 opened: its first read fails (or works) now, so retries are due at known times. */
  const opened = async () => {
    const view = renderHook(({ id }) => useChat(id), { wrapper, initialProps: { id: null as number | null } });
    const h = await connected();
    view.rerender({ id: 1 });
    await act(flush);
    return { ...view, h };
  };

  it('shows the 503 and reads again no sooner than its Retry-After, then shows the messages and subscribes from the last', async () => {
    answers = [() => problem(503, dbDown, { 'Retry-After': '5' }), () => new Response(JSON.stringify(history), { status: 200 })];
    const { result, h } = await opened();
    expect(result.current.error).toMatchObject({ code: 'INTERNAL', status: 503 });
    expect(result.current.messages).toEqual([]);
    expect(h.calls('Subscribe')).toEqual([]);
    await act(() => vi.advanceTimersByTimeAsync(4800)); // the backoff alone would be below 500 ms
    expect(reads).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(300));
    expect(reads).toBe(2);
    expect(result.current.error).toBeNull();
    expect(result.current.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(h.calls('Subscribe')).toEqual([['chat:1', 2]]);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads).toBe(2);
  });

  it('retries RATE_LIMITED and a network failure with the full-jitter backoff, the error shown meanwhile', async () => {
    answers = [
      () => problem(429, { title: 'Too Many Requests', status: 429, code: 'RATE_LIMITED', detail: 'Too many requests.' }, { 'Retry-After': '2' }),
      () => {
        throw new TypeError('Failed to fetch');
      },
      () => new Response(JSON.stringify(history), { status: 200 }),
    ];
    const { result, h } = await opened();
    expect(result.current.error?.code).toBe('RATE_LIMITED');
    await act(() => vi.advanceTimersByTimeAsync(1900));
    expect(reads).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(200)); // Retry-After: 2
    expect(reads).toBe(2);
    expect(result.current.error?.code).toBe('DISCONNECTED');
    await act(() => vi.advanceTimersByTimeAsync(1000)); // the second retry: below 1 s
    expect(reads).toBe(3);
    expect(result.current.error).toBeNull();
    expect(h.calls('Subscribe')).toEqual([['chat:1', 2]]);
  });

  it('stops at a 403 FORBIDDEN: not retried, nothing subscribed', async () => {
    answers = [
      () => problem(503, dbDown, { 'Retry-After': '1' }),
      () => problem(403, { title: 'Forbidden', status: 403, code: 'FORBIDDEN', detail: 'You are not a member of chat 1.' }),
      () => new Response(JSON.stringify(history), { status: 200 }),
    ];
    const { result, h } = await opened();
    expect(result.current.error?.code).toBe('INTERNAL');
    await act(() => vi.advanceTimersByTimeAsync(1100));
    expect(reads).toBe(2);
    expect(result.current.error).toMatchObject({ code: 'FORBIDDEN', message: 'You are not a member of chat 1.' });
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads).toBe(2);
    expect(result.current.error?.code).toBe('FORBIDDEN');
    expect(h.calls('Subscribe')).toEqual([]);
  });

  it('stops when the chat is closed during the wait: no timer left, no read, no subscribe', async () => {
    answers = [
      () => problem(503, dbDown, { 'Retry-After': '1' }),
      () => problem(503, dbDown, { 'Retry-After': '5' }),
      () => new Response(JSON.stringify(history), { status: 200 }),
    ];
    const { result, rerender, h } = await opened();
    await act(() => vi.advanceTimersByTimeAsync(1100));
    expect(reads).toBe(2);
    expect(result.current.error?.code).toBe('INTERNAL');
    await act(() => vi.advanceTimersByTimeAsync(1000)); // 4 s still to wait
    rerender({ id: null });
    await act(flush);
    expect(vi.getTimerCount()).toBe(0);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads).toBe(2);
    expect(h.calls('Subscribe')).toEqual([]);
  });

  it('stops when unmounted while a retried read is on its way: its answer is dropped, nothing follows', async () => {
    let arrive!: (r: Response) => void;
    answers = [() => problem(503, dbDown, { 'Retry-After': '1' }), () => new Promise<Response>((r) => (arrive = r))];
    const { unmount, h } = await opened();
    await act(() => vi.advanceTimersByTimeAsync(1100));
    expect(reads).toBe(2); // the retry is on its way
    unmount();
    arrive(new Response(JSON.stringify(history), { status: 200 }));
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(reads).toBe(2);
    expect(h.calls('Subscribe')).toEqual([]);
  });
});

describe('useChat', () => {
  it('loads history, subscribes from its last seq, and appends live messages once', async () => {
    const { result, rerender } = renderHook(({ id }) => useChat(id), { wrapper, initialProps: { id: 1 as number | null } });
    const h = await connected();
    await waitFor(() => expect(result.current.messages.map((m) => m.seq)).toEqual([1, 2]));
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['chat:1', 2]]));
    expect(httpCalls.some((u) => u.includes('/api/chats/1/messages?beforeSeq='))).toBe(true);
    act(() => {
      h.emit('NewMessage', message(3));
      h.emit('NewMessage', message(3));
      h.emit('NewMessage', message(4, { chatId: 2 }));
    });
    expect(result.current.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    rerender({ id: null });
    await flush();
    expect(h.calls('Unsubscribe')).toEqual([['chat:1']]);
  });

  it('sends an attachment with the message and shows it while pending and once stored', async () => {
    const { result } = renderHook(() => useChat(1, { selfName: 'demo' }), { wrapper });
    const h = await connected();
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    const path = '/uploads/0123456789abcdef0123456789abcdef.png';
    h.invokeImpl = (method, ...args) => {
      if (method !== 'SendMessage') return undefined;
      const req = args[0] as { content: string; attachment: string | null; clientMessageId: string };
      return message(3, { senderId: 1, senderName: 'demo', content: req.content, attachment: req.attachment, clientMessageId: req.clientMessageId });
    };
    act(() => result.current.send('look', path));
    expect(result.current.messages.at(-1)).toMatchObject({ status: 'pending', content: 'look', attachment: path });
    expect(h.calls('SendMessage').at(-1)![0]).toMatchObject({ chatId: 1, content: 'look', attachment: path });
    await act(flush);
    expect(result.current.messages.at(-1)).toMatchObject({ status: 'sent', seq: 3, attachment: path });
  });

  it('shows a sent message as pending, then replaces it with the stored one', async () => {
    const { result } = renderHook(() => useChat(1, { selfName: 'demo' }), { wrapper });
    const h = await connected();
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    let answer!: (m: ChatMessage) => void;
    h.invokeImpl = (method, ...args) => {
      if (method !== 'SendMessage') return undefined;
      const req = args[0] as { content: string; clientMessageId: string };
      return new Promise<ChatMessage>((r) => (answer = (m) => r({ ...m, content: req.content, clientMessageId: req.clientMessageId })));
    };
    act(() => result.current.send('hello'));
    const pending = result.current.messages.at(-1)!;
    expect(pending).toMatchObject({ status: 'pending', content: 'hello', seq: null, senderName: 'demo' });
    await act(async () => {
      answer(message(3, { senderId: 1, senderName: 'demo' }));
      await flush();
    });
    expect(result.current.messages).toHaveLength(3);
    expect(result.current.messages.at(-1)).toMatchObject({ status: 'sent', seq: 3, content: 'hello', clientMessageId: pending.clientMessageId });
    // The broadcast of our own message arrives too: still shown once.
    act(() => h.emit('NewMessage', message(3, { content: 'hello', clientMessageId: pending.clientMessageId })));
    expect(result.current.messages).toHaveLength(3);
  });

  it('marks a refused send as failed with the error, and retries it with the same clientMessageId', async () => {
    const { result } = renderHook(() => useChat(1), { wrapper });
    const h = await connected();
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    const ok = h.invokeImpl;
    h.invokeImpl = (method, ...args) =>
      method === 'SendMessage' ? Promise.reject(new Error('RATE_LIMITED: 60 messages per minute; retry in 12 s')) : ok(method, ...args);
    await act(async () => {
      result.current.send('too fast');
      await flush();
    });
    const failed = result.current.messages.at(-1)!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'RATE_LIMITED', message: '60 messages per minute; retry in 12 s' });
    h.invokeImpl = ok;
    await act(async () => {
      result.current.retry(failed.clientMessageId);
      await flush();
    });
    expect(result.current.messages.at(-1)).toMatchObject({ status: 'sent', content: 'too fast', clientMessageId: failed.clientMessageId });
    const ids = h.calls('SendMessage').map(([r]) => (r as { clientMessageId: string }).clientMessageId);
    expect(ids).toEqual([failed.clientMessageId, failed.clientMessageId]);
  });

  it("shows who is typing, hides them when they stop or send, and debounces our own typing", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { result } = renderHook(() => useChat(1), { wrapper });
      const h = await connected();
      await waitFor(() => expect(result.current.messages).toHaveLength(2));
      act(() => h.emit('Typing', { chatId: 1, userId: 2, userName: 'alice', isTyping: true }));
      expect(result.current.typing).toEqual([{ userId: 2, userName: 'alice' }]);
      act(() => h.emit('NewMessage', message(3)));
      expect(result.current.typing).toEqual([]);
      act(() => h.emit('Typing', { chatId: 1, userId: 2, userName: 'alice', isTyping: true }));
      act(() => vi.advanceTimersByTime(7000));
      expect(result.current.typing).toEqual([]);

      act(() => {
        result.current.notifyTyping();
        result.current.notifyTyping();
        result.current.notifyTyping();
      });
      expect(h.calls('SetTyping')).toEqual([[1, true]]);
      act(() => vi.advanceTimersByTime(3500));
      expect(h.calls('SetTyping')).toEqual([[1, true], [1, false]]);

      // stopTyping says "stopped" at once, once, and the idle timer sends nothing more.
      act(() => result.current.notifyTyping());
      act(() => {
        result.current.stopTyping();
        result.current.stopTyping();
      });
      expect(h.calls('SetTyping')).toEqual([[1, true], [1, false], [1, true], [1, false]]);
      act(() => vi.advanceTimersByTime(3500));
      expect(h.calls('SetTyping')).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resumes after a reconnect: missed messages appear once, in order', async () => {
    const { result } = renderHook(() => useChat(1), { wrapper });
    const h = await connected();
    await waitFor(() => expect(h.calls('Subscribe')).toHaveLength(1));
    act(() => h.dropConnection());
    h.invokeImpl = (method) =>
      method === 'Subscribe' ? { channel: 'chat:1', lastSeq: 4, recovered: true, missed: [message(2), message(3), message(4)] } : undefined;
    await act(async () => {
      h.restoreConnection();
      await flush();
    });
    expect(h.calls('Subscribe').at(-1)).toEqual(['chat:1', 2]);
    expect(result.current.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('loads older messages before the first one it holds', async () => {
    history = Array.from({ length: 50 }, (_, i) => message(i + 51));
    const { result } = renderHook(() => useChat(1), { wrapper });
    await connected();
    await waitFor(() => expect(result.current.messages).toHaveLength(50));
    expect(result.current.hasOlder).toBe(true);
    history = [message(49), message(50)];
    await act(() => result.current.loadOlder());
    expect(httpCalls.at(-1)).toContain('beforeSeq=51&limit=50');
    expect(result.current.messages.map((m) => m.seq).slice(0, 3)).toEqual([49, 50, 51]);
    expect(result.current.hasOlder).toBe(false);
  });

  it('returns an HTTP refusal as an error value', async () => {
    const { result } = renderHook(() => useChat(9), { wrapper });
    await connected();
    await waitFor(() => expect(result.current.error?.code).toBe('FORBIDDEN'));
    expect(result.current.error?.message).toBe('You are not a member of chat 9.');
  });
});

describe('useChat edits and deletes', () => {
  const edited = (seq: number, target: ChatMessage, content: string) => ({
    chatId: 1, seq, message: { ...target, content, editedAt: '2026-01-01T00:01:00+00:00' },
  });
  const deleted = (seq: number, messageId: number) => ({
    chatId: 1, seq, messageId, deletedBy: 2, deletedAt: '2026-01-01T00:02:00+00:00',
  });

  it('applies MessageUpdated and MessageDeleted live, in seq order, once each', async () => {
    const { result } = renderHook(() => useChat(1), { wrapper });
    const h = await connected();
    await waitFor(() => expect(h.calls('Subscribe')).toEqual([['chat:1', 2]]));
    act(() => {
      h.emit('MessageUpdated', edited(3, message(1), 'one, edited'));
      h.emit('NewMessage', message(4));
      h.emit('MessageUpdated', edited(5, message(1), 'one, edited again'));
      h.emit('MessageDeleted', deleted(6, message(2).id));
      h.emit('MessageUpdated', edited(5, message(1), 'one, edited again')); // a repeat: dropped by seq
      h.emit('MessageUpdated', edited(3, message(1), 'one, edited')); // an old one: dropped by seq
    });
    expect(result.current.messages.map((m) => [m.seq, m.content, m.editedAt !== null, m.deleted])).toEqual([
      [1, 'one, edited again', true, false],
      [2, '', false, true],
      [4, 'm4', false, false],
    ]);
  });

  it('applies edits and deletes missed while offline when it resumes, in order', async () => {
    const { result } = renderHook(() => useChat(1), { wrapper });
    const h = await connected();
    await waitFor(() => expect(h.calls('Subscribe')).toHaveLength(1));
    act(() => h.dropConnection());
    // What the server replays: an edit, a new message, a second edit, and a delete of the new one.
    h.invokeImpl = (method) =>
      method === 'Subscribe'
        ? {
            channel: 'chat:1', lastSeq: 6, recovered: true,
            missed: [edited(3, message(2), 'two v1'), message(4), edited(5, message(2), 'two v2'), deleted(6, message(4).id)],
          }
        : undefined;
    await act(async () => {
      h.restoreConnection();
      await flush();
    });
    expect(h.calls('Subscribe').at(-1)).toEqual(['chat:1', 2]);
    expect(result.current.messages.map((m) => [m.seq, m.content, m.deleted])).toEqual([
      [1, 'm1', false],
      [2, 'two v2', false],
      [4, '', true],
    ]);
    // Live again: a later event carries on from the replayed head.
    act(() => h.emit('MessageUpdated', edited(7, message(1), 'one v1')));
    expect(result.current.messages[0]!.content).toBe('one v1');
  });

  it('edit() calls EditMessage and shows the answer; remove() calls DeleteMessage; a refusal rejects with its code', async () => {
    const { result } = renderHook(() => useChat(1), { wrapper });
    const h = await connected();
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    h.invokeImpl = (method, ...args) => {
      if (method === 'EditMessage') {
        const req = args[0] as { messageId: number; content: string };
        if (req.messageId === message(2).id) return Promise.reject(new Error('FORBIDDEN: Only the author may edit a message.'));
        return { ...message(1), content: req.content, editedAt: '2026-01-01T00:01:00+00:00' };
      }
      return undefined;
    };
    await act(() => result.current.edit(message(1).id, 'fixed typo'));
    expect(h.calls('EditMessage')).toEqual([[{ chatId: 1, messageId: message(1).id, content: 'fixed typo' }]]);
    expect(result.current.messages[0]).toMatchObject({ content: 'fixed typo', editedAt: '2026-01-01T00:01:00+00:00' });
    await expect(result.current.edit(message(2).id, 'not mine')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await act(() => result.current.remove(message(1).id));
    expect(h.calls('DeleteMessage')).toEqual([[{ chatId: 1, messageId: message(1).id }]]);
  });
});

describe('useMarkRead', () => {
  it('sends the newest seq once it settles, only forward, and a pending one when the chat closes', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { rerender } = renderHook(({ chatId, seq }) => useMarkRead(chatId, seq), {
        wrapper, initialProps: { chatId: 1 as number | null, seq: 3 as number | null },
      });
      const h = await connected();
      rerender({ chatId: 1, seq: 4 });
      rerender({ chatId: 1, seq: 5 });
      act(() => vi.advanceTimersByTime(MARK_READ_DEBOUNCE_MS + 50));
      await act(flush);
      expect(h.calls('MarkRead')).toEqual([[1, 5]]);
      rerender({ chatId: 1, seq: 5 });
      act(() => vi.advanceTimersByTime(MARK_READ_DEBOUNCE_MS + 50));
      expect(h.calls('MarkRead')).toEqual([[1, 5]]);
      rerender({ chatId: 1, seq: 7 });
      rerender({ chatId: null, seq: null }); // the chat closes before the debounce: sent at once
      expect(h.calls('MarkRead')).toEqual([[1, 5], [1, 7]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not mark while the page is hidden, and marks once it is shown', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    try {
      renderHook(() => useMarkRead(1, 9), { wrapper });
      const h = await connected();
      act(() => vi.advanceTimersByTime(MARK_READ_DEBOUNCE_MS * 3));
      expect(h.calls('MarkRead')).toEqual([]);
      visibility.mockReturnValue('visible');
      act(() => {
        document.dispatchEvent(new Event('visibilitychange'));
      });
      act(() => vi.advanceTimersByTime(MARK_READ_DEBOUNCE_MS + 50));
      expect(h.calls('MarkRead')).toEqual([[1, 9]]);
    } finally {
      visibility.mockRestore();
      vi.useRealTimers();
    }
  });
});

describe('useAwayWhenHidden', () => {
  it('sets away once the page stays hidden, online when shown again, and nothing for a closing tab', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
    const show = (v: 'visible' | 'hidden') =>
      act(() => {
        visibility.mockReturnValue(v);
        document.dispatchEvent(new Event('visibilitychange'));
      });
    try {
      renderHook(() => useAwayWhenHidden(), { wrapper });
      const h = await connected();
      expect(h.calls('SetPresence')).toEqual([]);
      show('hidden');
      show('visible'); // a quick switch: nothing
      act(() => vi.advanceTimersByTime(AWAY_DELAY_MS * 2));
      expect(h.calls('SetPresence')).toEqual([]);
      show('hidden');
      act(() => vi.advanceTimersByTime(AWAY_DELAY_MS + 50));
      expect(h.calls('SetPresence')).toEqual([['away']]);
      show('visible');
      expect(h.calls('SetPresence')).toEqual([['away'], ['online']]);
      show('hidden');
      act(() => {
        window.dispatchEvent(new Event('pagehide')); // the tab is closing, not going away
      });
      act(() => vi.advanceTimersByTime(AWAY_DELAY_MS * 2));
      expect(h.calls('SetPresence')).toEqual([['away'], ['online']]);
    } finally {
      visibility.mockRestore();
      vi.useRealTimers();
    }
  });
});
