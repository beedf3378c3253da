// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { created, defaults, flush, type FakeHubConnection } from './testing/fakeSignalR';

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
let hub: FakeHubConnection;
let wrapper: (props: { children: ReactNode }) => ReactNode;

beforeEach(async () => {
  created.length = 0;
  httpCalls.length = 0;
  history = [message(1), message(2)];
  client = new NetraClient({ baseUrl: 'http://netra.test', accessTokenFactory: () => 'tok', fetch: fetchStub });
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
