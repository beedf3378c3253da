import { useCallback, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { NotificationTypes, type ChatMessage, type ChatSummary, type ReadMarkerEvent } from './contracts';
import { useConnectionState, useNetra } from './hooks';
import { NetraError } from './NetraError';
import { useNetraContext } from './NetraProvider';
import { isPermanentRefusal, retryTransient } from './retry';

// ------------------------------------------------------------------------ pure updates --

/**
 * A live (or replayed) message: the chat's head moves to it, and a message from someone else
 * after the read position counts as unread. Each seq counts once (a seq at or below the head
 * is one we had).
 */
export function applyNewMessage(list: ChatSummary[], m: ChatMessage, selfId: number): ChatSummary[] {
  return list.map((c) => {
    if (c.id !== m.chatId || m.seq <= c.lastSeq) return c;
    const unread = m.senderId !== selfId && !m.deleted && m.seq > c.lastReadSeq;
    return { ...c, lastSeq: m.seq, unreadCount: c.unreadCount + (unread ? 1 : 0) };
  });
}

/** An edit or delete takes its chat's next seq too: the head moves, nothing new to read. */
export function applyChatEvent(list: ChatSummary[], chatId: number, seq: number): ChatSummary[] {
  return list.map((c) => (c.id === chatId && seq > c.lastSeq ? { ...c, lastSeq: seq } : c));
}

/**
 * The user read a chat up to `seq` (here or in another tab). Read to the head: nothing unread.
 * Read to somewhere before it: `exact` is false, and the count must come from the server (which
 * knows which of the messages after `seq` are others' and not deleted).
 */
export function applyReadMarker(list: ChatSummary[], marker: ReadMarkerEvent): { list: ChatSummary[]; exact: boolean } {
  let exact = true;
  const next = list.map((c) => {
    if (c.id !== marker.chatId || marker.seq <= c.lastReadSeq) return c;
    if (marker.seq >= c.lastSeq) return { ...c, lastReadSeq: marker.seq, unreadCount: 0 };
    exact = false;
    return { ...c, lastReadSeq: marker.seq };
  });
  return { list: next, exact };
}

// ------------------------------------------------------------------------------- hooks --

/** How long to gather changes before asking the server for the counts again. */
export const RELOAD_DEBOUNCE_MS = 300;

export interface UseChatListResult {
  /** The user's chats with `lastSeq`, `lastReadSeq` and `unreadCount`; null until loaded. */
  chats: ChatSummary[] | null;
  error: NetraError | null;
  reload(): Promise<void>;
  /** Adds a chat just created (POST /api/chats answered it). */
  add(chat: ChatSummary): void;
}

/**
 * The signed-in user's chats with unread counts: loaded from GET /api/chats on connect, after
 * every reconnect and when the window regains focus; kept current by NewMessage (counts up),
 * ReadMarker from any of the user's tabs (clears), and edits and deletes (a delete of an unread
 * message is counted by the server: the list is reloaded), and reloaded when a notification says
 * the user was added to a chat or removed from one. Those reads, when one fails for a transient
 * reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED, the network), are retried while
 * connected (retryTransient, at least as long as its Retry-After asks), the error shown meanwhile
 * and cleared once one works; `reload()`, the user's, is not retried. Use it once, where the list lives;
 * useChatSummary reads one chat of it elsewhere.
 */
export function useChatList(selfId: number): UseChatListResult {
  const client = useNetra();
  const { chatStore } = useNetraContext();
  const chats = useStore(chatStore, (s) => s.chats);
  const { state } = useConnectionState();
  const [error, setError] = useState<NetraError | null>(null);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** Calls off the hook's own read still on its way or waiting to be retried; null when none is. */
  const stopLoad = useRef<(() => void) | null>(null);

  /**
   * The hook's own read (on connect, on focus, after a change the server must count): one that
   * fails for a transient reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED, the network)
   * is retried with retryTransient, its error shown meanwhile; a refusal is shown. `restart` calls
   * off a read under way and reads now; without it (focus), one under way is left to finish.
   */
  const load = useCallback(
    (restart: boolean) => {
      if (stopLoad.current && !restart) return;
      stopLoad.current?.();
      const stop = retryTransient(() => client.http<ChatSummary[]>('/api/chats'), {
        done: (list) => {
          if (stopLoad.current === stop) stopLoad.current = null;
          chatStore.getState().setChats(list);
          setError(null);
        },
        failed: (e) => {
          if (isPermanentRefusal(e) && stopLoad.current === stop) stopLoad.current = null;
          setError(e);
        },
      });
      stopLoad.current = stop;
    },
    [client, chatStore],
  );
  const stopLoading = useCallback(() => {
    stopLoad.current?.();
    stopLoad.current = null;
  }, []);

  /** A read the user asked for: not retried (the error shows; they may ask again). */
  const reload = useCallback(async () => {
    try {
      const list = await client.http<ChatSummary[]>('/api/chats');
      chatStore.getState().setChats(list);
      setError(null);
    } catch (e) {
      setError(NetraError.parse(e));
    }
  }, [client, chatStore]);

  useEffect(() => {
    const later = () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
      reloadTimer.current = setTimeout(() => load(true), RELOAD_DEBOUNCE_MS);
    };
    const set = chatStore.getState().setChats;
    const offs = [
      client.on('NewMessage', (m) => set((list) => (list ? applyNewMessage(list, m, selfId) : list))),
      client.on('MessageUpdated', (e) => set((list) => (list ? applyChatEvent(list, e.chatId, e.seq) : list))),
      client.on('MessageDeleted', (e) => {
        const before = chatStore.getState().chats?.find((c) => c.id === e.chatId);
        set((list) => (list ? applyChatEvent(list, e.chatId, e.seq) : list));
        if (before && before.unreadCount > 0) later();
      }),
      client.on('ReadMarker', (marker) => {
        const list = chatStore.getState().chats;
        if (!list || marker.userId !== selfId) return;
        const result = applyReadMarker(list, marker);
        set(result.list);
        if (!result.exact) later();
      }),
      // Added to a chat, or removed from one, by its creator: the list changed on the server.
      client.on('Notification', (n) => {
        if (n.type === NotificationTypes.AddedToChat || n.type === NotificationTypes.RemovedFromChat) later();
      }),
    ];
    return () => {
      for (const off of offs) off();
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
      stopLoading();
    };
  }, [client, chatStore, selfId, load, stopLoading]);

  // On start, after every reconnect, and when the window regains focus: the server pushes no chat
  // summaries (only notifications of membership changes), and counts may have moved while the
  // connection was down.
  useEffect(() => {
    if (state !== 'connected') return;
    load(true);
    const onFocus = () => load(false);
    window.addEventListener('focus', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      stopLoading();
    };
  }, [state, load, stopLoading]);

  const add = useCallback(
    (chat: ChatSummary) => chatStore.getState().setChats((list) => [chat, ...(list ?? []).filter((c) => c.id !== chat.id)]),
    [chatStore],
  );

  return { chats, error, reload, add };
}

/** One chat of the list useChatList keeps (undefined until it is loaded). */
export function useChatSummary(chatId: number | null): ChatSummary | undefined {
  const { chatStore } = useNetraContext();
  return useStore(chatStore, (s) => (chatId === null ? undefined : s.chats?.find((c) => c.id === chatId)));
}
