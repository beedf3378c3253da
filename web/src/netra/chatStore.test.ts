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

describe('chatStore edits and deletes', () => {
  it('applies edits and deletes by message id, in the order they come, leaving others alone', () => {
    const store = createChatStore();
    store.getState().setHistory(1, [m(1), m(2), m(3)], false);
    store.getState().applyEdit(1, { ...m(2), content: 'first edit', editedAt: 't1' });
    store.getState().applyEdit(1, { ...m(2), content: 'second edit', editedAt: 't2' });
    store.getState().applyDelete(1, { chatId: 1, seq: 6, messageId: 3, deletedBy: 2, deletedAt: 't3' });
    const rows = store.getState().rooms[1]!.messages;
    expect(rows.map((x) => [x.seq, x.content, x.editedAt, x.deleted])).toEqual([
      [1, 'm1', null, false],
      [2, 'second edit', 't2', false],
      [3, '', null, true],
    ]);
  });

  it('ignores an edit or delete of a message it does not hold (older than the loaded history)', () => {
    const store = createChatStore();
    store.getState().setHistory(1, [m(5)], true);
    const before = store.getState().rooms[1]!.messages;
    store.getState().applyEdit(1, { ...m(2), content: 'old one edited' });
    store.getState().applyDelete(1, { chatId: 1, seq: 7, messageId: 1, deletedBy: 2, deletedAt: 't' });
    expect(store.getState().rooms[1]!.messages).toBe(before);
  });

  it('a tombstone loses its attachment', () => {
    const store = createChatStore();
    store.getState().addMessages(1, [{ ...m(1), attachment: '/uploads/a.png' }]);
    store.getState().applyDelete(1, { chatId: 1, seq: 2, messageId: 1, deletedBy: 2, deletedAt: 't' });
    expect(store.getState().rooms[1]!.messages[0]).toMatchObject({ deleted: true, content: '', attachment: null });
  });
});
