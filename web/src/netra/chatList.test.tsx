// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseDown, ok } from './testing/fakeApi';
import { created, defaults, flush, type FakeHubConnection } from './testing/fakeSignalR';
import { applyChatEvent, applyNewMessage, applyReadMarker } from './chatList';
import type { ChatMessage, ChatSummary } from './contracts';
import { retriedReads } from './testing/retriedReads';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraProvider } = await import('./NetraProvider');
const { useChatList, RELOAD_DEBOUNCE_MS } = await import('./chatList');

const ME = 1;
const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  id: 7, title: 'Plans', memberIds: [1, 2], lastSeq: 3, createdAt: 't', lastReadSeq: 3, unreadCount: 0, readReceipts: false, createdBy: 1, ...over,
});
const msg = (seq: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  id: 100 + seq, chatId: 7, seq, senderId: 2, senderName: 'alice', content: `m${seq}`, attachment: null,
  clientMessageId: `c${seq}`, timestamp: 't', editedAt: null, deleted: false, ...over,
});

describe('unread counts (pure)', () => {
  it('counts others’ new messages after the read position, each seq once, not our own', () => {
    let list = [chat(), chat({ id: 8, lastSeq: 0, lastReadSeq: 0 })];
    list = applyNewMessage(list, msg(4), ME);
    list = applyNewMessage(list, msg(4), ME); // the same seq again
    list = applyNewMessage(list, msg(5, { senderId: ME }), ME); // ours
    list = applyNewMessage(list, msg(6), ME);
    expect(list[0]).toMatchObject({ lastSeq: 6, unreadCount: 2 });
    expect(list[1]).toMatchObject({ lastSeq: 0, unreadCount: 0 });
  });

  it('an edit or delete moves the head without counting, so a later message still counts once', () => {
    let list = [chat()];
    list = applyChatEvent(list, 7, 4);
    expect(list[0]).toMatchObject({ lastSeq: 4, unreadCount: 0 });
    list = applyNewMessage(list, msg(5), ME);
    expect(list[0]).toMatchObject({ lastSeq: 5, unreadCount: 1 });
  });

  it('ReadMarker to the head clears the count; to before it asks the server; an older one changes nothing', () => {
    const list = [chat({ lastSeq: 9, lastReadSeq: 3, unreadCount: 4 })];
    expect(applyReadMarker(list, { chatId: 7, userId: ME, seq: 9 })).toEqual({
      list: [chat({ lastSeq: 9, lastReadSeq: 9, unreadCount: 0 })], exact: true,
    });
    const partial = applyReadMarker(list, { chatId: 7, userId: ME, seq: 6 });
    expect(partial.exact).toBe(false);
    expect(partial.list[0]).toMatchObject({ lastReadSeq: 6, unreadCount: 4 });
    expect(applyReadMarker(list, { chatId: 7, userId: ME, seq: 2 })).toEqual({ list, exact: true });
  });
});

describe('useChatList', () => {
  let server: ChatSummary[];
  let gets: number;
  let client: InstanceType<typeof NetraClient>;
  let wrapper: (props: { children: ReactNode }) => ReactNode;

  beforeEach(() => {
    created.length = 0;
    gets = 0;
    server = [chat({ lastSeq: 3, lastReadSeq: 1, unreadCount: 2 })];
    defaults.invoke = (method, ...args) => (method === 'Subscribe' ? { channel: args[0], lastSeq: 3, recovered: true, missed: [] } : undefined);
    const fetchStub = (async (url: string | URL | Request) => {
      if (String(url).endsWith('/api/chats')) {
        gets++;
        return new Response(JSON.stringify(server), { status: 200 });
      }
      return new Response('', { status: 404 });
    }) as typeof fetch;
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchStub });
    wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
  });
  afterEach(() => cleanup());

  async function hub(): Promise<FakeHubConnection> {
    await waitFor(() => expect(client.status.state).toBe('connected'));
    return created.at(-1)!;
  }

  it('loads the counts, counts live messages of followed chats, and clears on a ReadMarker from another tab', async () => {
    const { result } = renderHook(() => useChatList(ME), { wrapper });
    const h = await hub();
    await waitFor(() => expect(result.current.chats?.[0]?.unreadCount).toBe(2));
    await act(async () => {
      await client.subscribe('chat:7', 3);
    });
    act(() => {
      h.emit('NewMessage', msg(4));
      h.emit('NewMessage', msg(4));
    });
    expect(result.current.chats?.[0]).toMatchObject({ lastSeq: 4, unreadCount: 3 });
    act(() => h.emit('ReadMarker', { chatId: 7, userId: ME, seq: 4 }));
    expect(result.current.chats?.[0]).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
  });

  it('asks the server again after a ReadMarker short of the head, after deleting an unread message, and when added to a chat', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { result } = renderHook(() => useChatList(ME), { wrapper });
      const h = await hub();
      await waitFor(() => expect(result.current.chats).not.toBeNull());
      const before = gets;
      server = [chat({ lastSeq: 3, lastReadSeq: 2, unreadCount: 1 })];
      act(() => h.emit('ReadMarker', { chatId: 7, userId: ME, seq: 2 }));
      await act(async () => {
        vi.advanceTimersByTime(RELOAD_DEBOUNCE_MS + 50);
        await flush();
      });
      expect(gets).toBe(before + 1);
      expect(result.current.chats?.[0]).toMatchObject({ lastReadSeq: 2, unreadCount: 1 });

      server = [chat({ lastSeq: 4, lastReadSeq: 2, unreadCount: 0 })];
      act(() => h.emit('MessageDeleted', { chatId: 7, seq: 4, messageId: 103, deletedBy: 2, deletedAt: 't' }));
      await act(async () => {
        vi.advanceTimersByTime(RELOAD_DEBOUNCE_MS + 50);
        await flush();
      });
      expect(gets).toBe(before + 2);
      expect(result.current.chats?.[0]).toMatchObject({ lastSeq: 4, unreadCount: 0 });

      // Added to a chat by its creator: the new chat is read from the server; other notifications change nothing.
      server = [chat({ id: 9, title: 'New', lastSeq: 0, lastReadSeq: 0 }), ...server];
      act(() => {
        h.emit('Notification', { id: 1, type: 'comment_on_post', data: { postId: 1 }, isRead: false, timestamp: 't' });
      });
      await act(async () => {
        vi.advanceTimersByTime(RELOAD_DEBOUNCE_MS + 50);
        await flush();
      });
      expect(gets).toBe(before + 2);
      act(() => {
        h.emit('Notification', { id: 2, type: 'added_to_chat', data: { chatId: 9, title: 'New', byUserId: 2, byUserName: 'alice' }, isRead: false, timestamp: 't' });
      });
      await act(async () => {
        vi.advanceTimersByTime(RELOAD_DEBOUNCE_MS + 50);
        await flush();
      });
      expect(gets).toBe(before + 3);
      expect(result.current.chats?.map((c) => c.id)).toEqual([9, 7]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('useChatList, when its first read fails for a transient reason', () => {
  const retried = retriedReads();
  const mount = (answers: (() => Response)[]) => retried.mount({ '/api/chats': answers }, () => useChatList(ME));

  it('shows the 503, reads again after its Retry-After, then shows the chats and clears the error', async () => {
    const { result } = mount([() => databaseDown(5), () => ok([chat({ unreadCount: 2 })])]);
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'INTERNAL', status: 503 }));
    expect(result.current.chats).toBeNull();
    await act(() => vi.advanceTimersByTimeAsync(4800));
    expect(retried.reads['/api/chats']).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(400));
    expect(retried.reads['/api/chats']).toBe(2);
    expect(result.current.error).toBeNull();
    expect(result.current.chats?.[0]).toMatchObject({ id: 7, unreadCount: 2 });
  });

  it('stops retrying once unmounted', async () => {
    const { result, unmount } = mount([() => databaseDown(5)]);
    await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5200));
    expect(retried.reads['/api/chats']).toBe(2);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(retried.reads['/api/chats']).toBe(2);
  });
});
