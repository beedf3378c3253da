import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { emptyRoom, type PendingMessage, type TypingUser } from './chatStore';
import { Channels, type ChatMessage, type NetraEventName, type NetraEvents } from './contracts';
import type { ChannelStatus, ConnectionStatus, NetraClient } from './NetraClient';
import { NetraError } from './NetraError';
import { useNetraContext } from './NetraProvider';
import { retryTransient } from './retry';

/** Newest-first pages: `beforeSeq` above any real seq returns the latest messages. */
const LATEST = Number.MAX_SAFE_INTEGER;
export const PAGE_SIZE = 50;
/** Someone who said "typing" and then went quiet is shown for at most this long. */
export const TYPING_SHOWN_MS = 6000;
/** While typing, tell the server again at most this often; stop after this much idle time. */
export const TYPING_REFRESH_MS = 3000;
export const TYPING_IDLE_MS = 3000;

export function useNetra(): NetraClient {
  return useNetraContext().client;
}

export function useConnectionState(): ConnectionStatus {
  const client = useNetra();
  return useSyncExternalStore(
    useCallback((onChange: () => void) => client.onStatus(onChange), [client]),
    () => client.status,
  );
}

/** Calls the latest `handler` for each `event`; subscribes in an effect, removes it in cleanup. */
export function useNetraEvent<E extends NetraEventName>(event: E, handler: (payload: NetraEvents[E]) => void): void {
  const client = useNetra();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => client.on(event, (payload) => latest.current(payload)), [client, event]);
}

/** What useChannel reports: the client's ChannelStatus, or the error of the subscribe itself. */
export type ChannelState = ChannelStatus;

/**
 * Follows `channel` for a hook until the returned function is called (in the effect's cleanup). The
 * subscribe keeps the channel when the server fails it for a transient reason, and the client retries
 * it as it retries a re-subscribe (SubscribeOptions.retry): while connected, and on the next connect.
 * `report` gets each status meanwhile: the error while it is retried, `{subscribed: true, error: null}`
 * once it worked, the refusal when the server refuses it for good (not retried: the client no longer
 * follows it), and later what re-subscribes after a reconnect meet. The returned function stops the
 * reports and unsubscribes once, and not at all when the server refused the channel (the client has
 * dropped it, with this caller's reference: another follower's must not be taken).
 */
export function followChannel(
  client: NetraClient,
  channel: string,
  sinceSeq: number | null,
  report: (status: ChannelStatus) => void,
): () => void {
  let active = true;
  let held = true;
  const off = client.onChannelStatus((c, status) => {
    if (c !== channel || !held) return;
    if (client.channelStatus(channel) === null) held = false; // dropped: refused for good
    if (active) report(status);
  });
  client.subscribe(channel, sinceSeq, { retry: true }).then(
    // Another follower's subscribe may still be waiting or retried: the client's status says.
    () => active && held && report(client.channelStatus(channel) ?? { subscribed: true, error: null }),
    (e: unknown) => active && report({ subscribed: false, error: NetraError.parse(e) }),
  );
  return () => {
    active = false;
    off();
    if (held) client.unsubscribe(channel).catch(() => undefined);
    held = false;
  };
}

/**
 * Follows `channel` while mounted (null: nothing). Events arrive through useNetraEvent; this
 * hook only holds the subscription and reports whether it worked, and, after that, what the client
 * says of it. A Subscribe that fails for a transient reason (INTERNAL while the server's database is
 * down, RATE_LIMITED, ...), the first one or a re-subscribe after a reconnect, is retried by the
 * client: `subscribed` false with the error meanwhile, true with no error once it worked. One the
 * server refuses for good (FORBIDDEN, NOT_FOUND, ...) is not retried: `subscribed` false with the
 * refusal, and the client no longer follows it.
 */
export function useChannel(channel: string | null, sinceSeq: number | null = null): ChannelState {
  const client = useNetra();
  const [state, setState] = useState<ChannelState>({ subscribed: false, error: null });
  useEffect(() => {
    if (!channel) return;
    setState({ subscribed: false, error: null });
    return followChannel(client, channel, sinceSeq, setState);
    // sinceSeq only matters for the first subscribe; later ones resume from the client's own seq.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, channel]);
  return state;
}

/** A row of a chat view: a stored message or one of ours still on its way. */
export interface ChatEntry {
  key: string;
  /** The stored message's id (null while pending). */
  id: number | null;
  clientMessageId: string;
  seq: number | null;
  senderId: number | null;
  senderName: string;
  content: string;
  timestamp: string;
  /** An upload's path (`/uploads/...`), or null. */
  attachment: string | null;
  status: 'sent' | 'pending' | 'failed';
  error: NetraError | null;
  /** When its author last edited it, if ever. */
  editedAt: string | null;
  /** A tombstone: the message was deleted (content is empty). */
  deleted: boolean;
}

const entryOf = (m: ChatMessage): ChatEntry => ({
  key: `s${m.seq}`,
  id: m.id,
  clientMessageId: m.clientMessageId,
  seq: m.seq,
  senderId: m.senderId,
  senderName: m.senderName,
  content: m.content,
  timestamp: m.timestamp,
  attachment: m.attachment,
  status: 'sent',
  error: null,
  editedAt: m.editedAt,
  deleted: m.deleted,
});

const pendingEntryOf = (p: PendingMessage, senderName: string): ChatEntry => ({
  key: `p${p.clientMessageId}`,
  id: null,
  clientMessageId: p.clientMessageId,
  seq: null,
  senderId: null,
  senderName,
  content: p.content,
  timestamp: p.createdAt,
  attachment: p.attachment ?? null,
  status: p.status,
  error: p.error,
  editedAt: null,
  deleted: false,
});

export interface UseChatResult {
  /** Stored messages in seq order, then our unconfirmed ones. */
  messages: ChatEntry[];
  /** Others typing in this chat now. */
  typing: TypingUser[];
  loading: boolean;
  hasOlder: boolean;
  error: NetraError | null;
  /** Sends a message, optionally with an upload's path (see NetraClient.upload). */
  send(content: string, attachment?: string | null): void;
  retry(clientMessageId: string): void;
  /** Call on every keystroke: sends "typing" (debounced) and "stopped" after a pause. */
  notifyTyping(): void;
  /** Sends "stopped" now if "typing" was sent (`send` does it itself; call it when the draft goes elsewhere, e.g. to an agent). */
  stopTyping(): void;
  loadOlder(): Promise<void>;
  /** Edits one of our messages (EditMessage); rejects with a NetraError (FORBIDDEN, VALIDATION_FAILED, ...). */
  edit(messageId: number, content: string): Promise<void>;
  /** Deletes a message (ours, or any in a chat we created); rejects with a NetraError. */
  remove(messageId: number): Promise<void>;
}

const newClientMessageId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * One chat: history (newest page, older on demand), live messages resumed across reconnects,
 * optimistic sends (pending → replaced by the stored message, or failed with a retry), and the
 * typing indicator both ways. A read of the newest page that fails for a transient reason (503
 * INTERNAL while PostgreSQL is down, RATE_LIMITED, the network) is retried while the chat is open,
 * with the client's re-subscribe backoff and at least as long as its Retry-After asks; its error
 * shows meanwhile and goes once the page is in. A refusal (FORBIDDEN, NOT_FOUND, ...) is not retried.
 */
export function useChat(chatId: number | null, options: { selfName?: string } = {}): UseChatResult {
  const { client, chatStore } = useNetraContext();
  const room = useStore(chatStore, (s) => (chatId === null ? emptyRoom : (s.rooms[chatId] ?? emptyRoom)));
  const actions = chatStore.getState();

  useEffect(() => {
    if (chatId === null) return;
    const store = chatStore.getState();
    const channel = Channels.chat(chatId);
    const typingTimers = new Map<number, ReturnType<typeof setTimeout>>();
    /** Stops following the channel; null until history is in and the channel is followed. */
    let unfollow: (() => void) | null = null;
    /** The subscribe error shown, cleared once the channel is subscribed (an HTTP error stays). */
    let shown: NetraError | null = null;
    const showStatus = (status: ChannelStatus) => {
      if (status.error) {
        shown = status.error;
        store.setError(chatId, status.error);
      } else if (status.subscribed && shown) {
        if (chatStore.getState().rooms[chatId]?.error === shown) store.setError(chatId, null);
        shown = null;
      }
    };

    const offMessage = client.on('NewMessage', (m) => {
      if (m.chatId === chatId) store.addMessages(chatId, [m]);
    });
    // Edits and deletes are chat events with their own seq: the client delivers them in seq order
    // with the messages, live and when resuming, so applying each as it comes gives the current state.
    const offEdit = client.on('MessageUpdated', (e) => {
      if (e.chatId === chatId) store.applyEdit(chatId, e.message);
    });
    const offDelete = client.on('MessageDeleted', (e) => {
      if (e.chatId === chatId) store.applyDelete(chatId, e);
    });
    const offTyping = client.on('Typing', (t) => {
      if (t.chatId !== chatId) return;
      const user = { userId: t.userId, userName: t.userName };
      store.setTyping(chatId, user, t.isTyping);
      clearTimeout(typingTimers.get(t.userId));
      if (t.isTyping) {
        typingTimers.set(t.userId, setTimeout(() => store.setTyping(chatId, user, false), TYPING_SHOWN_MS));
      }
    });

    /** Calls off the read of the latest page still on its way or waiting to be retried. */
    let stopLoading: (() => void) | null = null;
    const loadLatest = () => {
      stopLoading?.();
      store.setLoading(chatId, true);
      // A read that fails for a transient reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED,
      // the network) is retried as a re-subscribe is, its error shown meanwhile; a refusal is shown.
      stopLoading = retryTransient(
        () => client.http<ChatMessage[]>(`/api/chats/${chatId}/messages?beforeSeq=${LATEST}&limit=${PAGE_SIZE}`),
        {
          done: (page) => {
            store.setHistory(chatId, page, page.length === PAGE_SIZE); // clears the error
            // From the last message we hold: anything newer is replayed, then live. A Subscribe that
            // fails for a transient reason is retried (its error shown meanwhile); a refusal is shown.
            unfollow ??= followChannel(client, channel, page.at(-1)?.seq ?? 0, showStatus);
          },
          failed: (e) => store.setError(chatId, e),
        },
      );
    };
    const offReset = client.onChannelReset((c) => {
      if (c === channel) loadLatest();
    });
    loadLatest();

    return () => {
      offMessage();
      offEdit();
      offDelete();
      offTyping();
      offReset();
      for (const t of typingTimers.values()) clearTimeout(t);
      stopLoading?.();
      unfollow?.();
    };
  }, [client, chatStore, chatId]);

  // Our own typing: "true" at most every TYPING_REFRESH_MS while keys come, "false" after a pause.
  const typingSentAt = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const stopTyping = useCallback(() => {
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = null;
    if (typingSentAt.current !== 0 && chatId !== null) {
      typingSentAt.current = 0;
      client.setTyping(chatId, false).catch(() => undefined);
    }
  }, [client, chatId]);
  const notifyTyping = useCallback(() => {
    if (chatId === null) return;
    const now = Date.now();
    if (now - typingSentAt.current >= TYPING_REFRESH_MS) {
      typingSentAt.current = now;
      client.setTyping(chatId, true).catch(() => undefined);
    }
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  }, [client, chatId, stopTyping]);
  useEffect(() => stopTyping, [stopTyping]);

  const deliver = useCallback(
    (id: number, clientMessageId: string, content: string, attachment: string | null) => {
      client.sendMessage({ chatId: id, content, attachment, clientMessageId }).then(
        (stored) => chatStore.getState().addMessages(id, [stored]),
        (e: unknown) => chatStore.getState().setPendingStatus(id, clientMessageId, 'failed', NetraError.parse(e)),
      );
    },
    [client, chatStore],
  );

  const send = useCallback(
    (content: string, attachment: string | null = null) => {
      if (chatId === null || content.trim() === '') return;
      stopTyping();
      const clientMessageId = newClientMessageId();
      actions.addPending({ clientMessageId, chatId, content, attachment, status: 'pending', error: null, createdAt: new Date().toISOString() });
      deliver(chatId, clientMessageId, content, attachment);
    },
    [actions, chatId, deliver, stopTyping],
  );

  const retry = useCallback(
    (clientMessageId: string) => {
      if (chatId === null) return;
      const p = chatStore.getState().rooms[chatId]?.pending.find((x) => x.clientMessageId === clientMessageId);
      if (!p || p.status !== 'failed') return;
      actions.setPendingStatus(chatId, clientMessageId, 'pending', null);
      deliver(chatId, clientMessageId, p.content, p.attachment ?? null); // same id: stored at most once
    },
    [actions, chatId, chatStore, deliver],
  );

  const loadOlder = useCallback(async () => {
    if (chatId === null) return;
    const first = chatStore.getState().rooms[chatId]?.messages[0];
    if (!first) return;
    actions.setLoading(chatId, true);
    try {
      const page = await client.http<ChatMessage[]>(`/api/chats/${chatId}/messages?beforeSeq=${first.seq}&limit=${PAGE_SIZE}`);
      actions.addOlder(chatId, page, page.length === PAGE_SIZE);
    } catch (e) {
      actions.setError(chatId, NetraError.parse(e));
    }
  }, [actions, chatId, chatStore, client]);

  const edit = useCallback(
    async (messageId: number, content: string) => {
      if (chatId === null) return;
      try {
        // The answer is the message as it now is: shown at once; the MessageUpdated that follows changes nothing.
        actions.applyEdit(chatId, await client.editMessage(chatId, messageId, content));
      } catch (e) {
        throw NetraError.parse(e);
      }
    },
    [actions, chatId, client],
  );

  const remove = useCallback(
    async (messageId: number) => {
      if (chatId === null) return;
      try {
        await client.deleteMessage(chatId, messageId);
      } catch (e) {
        throw NetraError.parse(e);
      }
    },
    [chatId, client],
  );

  const selfName = options.selfName ?? 'You';
  const messages = useMemo(() => {
    const stored = room.messages.map(entryOf);
    const ids = new Set(room.messages.map((m) => m.clientMessageId));
    return [...stored, ...room.pending.filter((p) => !ids.has(p.clientMessageId)).map((p) => pendingEntryOf(p, selfName))];
  }, [room.messages, room.pending, selfName]);

  return {
    messages,
    typing: room.typing,
    loading: room.loading,
    hasOlder: room.hasOlder,
    error: room.error,
    send,
    retry,
    notifyTyping,
    stopTyping,
    loadOlder,
    edit,
    remove,
  };
}

/** How long the newest shown seq must stay the newest before MarkRead is sent. */
export const MARK_READ_DEBOUNCE_MS = 400;

const pageVisible = (): boolean => typeof document === 'undefined' || document.visibilityState !== 'hidden';

/**
 * Tells the server the user read `chatId` up to `seq` (MarkRead), debounced, only forward, and
 * only while the page is visible (a hidden tab has not been read). A pending mark is sent at once
 * when the chat or the tab closes, and again after a reconnect if it could not be sent. Every tab of the user
 * then gets ReadMarker, which useChatList applies.
 */
export function useMarkRead(chatId: number | null, seq: number | null): void {
  const client = useNetra();
  const { state } = useConnectionState();
  const visible = usePageVisible();
  const marks = useRef<{ sent: number; pending: number | null } | null>(null);

  const flush = useCallback(
    (id: number, m: { sent: number; pending: number | null }) => {
      const next = m.pending;
      if (next === null || next <= m.sent) return;
      m.sent = next;
      m.pending = null;
      client.markRead(id, next).catch(() => {
        // Not sent (e.g. offline): keep it for the next try (a later seq, or the reconnect).
        if (m.sent === next) m.sent = 0;
        m.pending = Math.max(m.pending ?? 0, next);
      });
    },
    [client],
  );

  // Per chat: what was sent; leaving the chat sends a mark still waiting for its debounce.
  useEffect(() => {
    if (chatId === null) return;
    const m = { sent: 0, pending: null as number | null };
    marks.current = m;
    // A tab being closed: send what waits now (the frame can still leave before the socket closes).
    const closing = () => flush(chatId, m);
    window.addEventListener('pagehide', closing);
    return () => {
      window.removeEventListener('pagehide', closing);
      flush(chatId, m);
      marks.current = null;
    };
  }, [chatId, flush]);

  useEffect(() => {
    const m = marks.current;
    if (chatId === null || !m || !visible || state !== 'connected') return;
    if (seq !== null && seq > m.sent) m.pending = Math.max(m.pending ?? 0, seq);
    if (m.pending === null) return;
    const timer = setTimeout(() => flush(chatId, m), MARK_READ_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [chatId, seq, visible, state, flush]);
}

/** Whether the page is visible (document.visibilityState), kept current. */
export function usePageVisible(): boolean {
  return useSyncExternalStore(
    useCallback((onChange: () => void) => {
      document.addEventListener('visibilitychange', onChange);
      return () => document.removeEventListener('visibilitychange', onChange);
    }, []),
    pageVisible,
    () => true,
  );
}

/** A tab hidden this long is `away` (a quick switch back and forth changes nothing). */
export const AWAY_DELAY_MS = 1000;

/**
 * Marks the user `away` while the page is hidden and `online` when it is shown again
 * (SetPresence), and again after every reconnect (a new connection starts `online`). Going away
 * waits AWAY_DELAY_MS and is dropped when the page is being closed (`pagehide`): a closing tab
 * also turns hidden first, and its user may still be here in another tab (presence is per user).
 */
export function useAwayWhenHidden(): void {
  const client = useNetra();
  const { state } = useConnectionState();
  useEffect(() => {
    if (state !== 'connected') return;
    let last: 'online' | 'away' = 'online';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const send = (next: 'online' | 'away') => {
      if (next === last) return;
      last = next;
      client.setPresence(next).catch(() => {
        last = next === 'away' ? 'online' : 'away'; // not applied: try again on the next change
      });
    };
    const apply = () => {
      clearTimeout(timer);
      if (pageVisible()) send('online');
      else timer = setTimeout(() => send('away'), AWAY_DELAY_MS);
    };
    const closing = () => clearTimeout(timer);
    apply();
    document.addEventListener('visibilitychange', apply);
    window.addEventListener('pagehide', closing);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', apply);
      window.removeEventListener('pagehide', closing);
    };
  }, [client, state]);
}
