import { describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../netra';
import { notificationHref } from './NotificationBell';
import { parseRoute } from './useHashRoute';

const note = (type: string, data: NotificationEvent['data']): NotificationEvent => ({ id: 1, type, data, isRead: false, timestamp: '2026-01-01T00:00:00+00:00' });

describe('notification links', () => {
  it('lead to the post, the connections page or the chat, and to routes the app knows', () => {
    const cases: [NotificationEvent, string | null][] = [
      [note('comment_on_post', { postId: 7, commentId: 9, fromUserId: 2, fromUserName: 'Alice', preview: 'hi' }), '#/feed/7'],
      [note('connection_request', { requestId: 3, fromUserId: 2, fromUserName: 'Alice' }), '#/connections'],
      [note('connection_accepted', { requestId: 3, userId: 2, userName: 'Alice' }), '#/connections'],
      [note('added_to_chat', { chatId: 12, title: 'Plans', byUserId: 2, byUserName: 'Alice' }), '#/chats/12'],
      // Nothing to open: a chat one no longer belongs to, an unknown type, data that is not an id.
      [note('removed_from_chat', { chatId: 12, title: 'Plans', byUserId: 2, byUserName: 'Alice' }), null],
      [note('something_new', { postId: 7 }), null],
      [note('comment_on_post', { postId: '7/../../admin' }), null],
      [note('added_to_chat', null), null],
    ];
    for (const [n, href] of cases) expect([n.type, notificationHref(n)]).toEqual([n.type, href]);
    expect(parseRoute('#/feed/7')).toEqual({ page: 'feed', postId: 7 });
    expect(parseRoute('#/connections')).toEqual({ page: 'connections' });
    expect(parseRoute('#/chats/12')).toEqual({ page: 'chats', chatId: 12 });
    expect(parseRoute('#/feed')).toEqual({ page: 'feed', postId: null });
    expect(parseRoute('#/feed/0')).toEqual({ page: 'chats', chatId: null });
  });
});
