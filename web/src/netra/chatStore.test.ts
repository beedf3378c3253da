import { describe, expect, it } from 'vitest';
import { createChatStore, mergeMessages } from './chatStore';
import type { ChatMessage } from './contracts';

const m = (seq: number, clientMessageId = `c${seq}`): ChatMessage => ({
  id: seq, chatId: 1, seq, senderId: 2, senderName: 'alice', content: `m${seq}`, attachment: null, clientMessageId, timestamp: 't', editedAt: null, deleted: false,
});

describe('chatStore', () => {
  it('merges by seq: ascending, each seq once', () => {
    expect(mergeMessages([m(1), m(3)], [m(3), m(2), m(5)]).map((x) => x.seq)).toEqual([1, 2, 3, 5]);
  });

  it('keeps live messages newer than a reloaded history page', () => {
    const store = createChatStore();
    store.getState().addMessages(1, [m(7)]);
    store.getState().setHistory(1, [m(4), m(5)], true);
    expect(store.getState().rooms[1]!.messages.map((x) => x.seq)).toEqual([4, 5, 7]);
    expect(store.getState().rooms[1]!.hasOlder).toBe(true);
  });

  it('drops a pending message once the stored one with its clientMessageId arrives', () => {
    const store = createChatStore();
    store.getState().addPending({ clientMessageId: 'mine', chatId: 1, content: 'x', status: 'pending', error: null, createdAt: 't' });
    store.getState().addMessages(1, [m(1)]);
    expect(store.getState().rooms[1]!.pending).toHaveLength(1);
    store.getState().addMessages(1, [m(2, 'mine')]);
    expect(store.getState().rooms[1]!.pending).toHaveLength(0);
  });

  it('tracks who is typing, once per user', () => {
    const store = createChatStore();
    const alice = { userId: 2, userName: 'alice' };
    store.getState().setTyping(1, alice, true);
    store.getState().setTyping(1, alice, true);
    expect(store.getState().rooms[1]!.typing).toEqual([alice]);
    store.getState().setTyping(1, alice, false);
    expect(store.getState().rooms[1]!.typing).toEqual([]);
  });
});
