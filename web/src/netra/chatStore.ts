import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ChatMessage, ChatSummary, MessageDeletedEvent } from './contracts';
import type { NetraError } from './NetraError';

export type SendStatus = 'pending' | 'failed';

/** A message sent from this tab that the server has not confirmed yet (or refused). */
export interface PendingMessage {
  clientMessageId: string;
  chatId: number;
  content: string;
  /** An upload's path (`POST /api/uploads`), if the message carries one. */
  attachment?: string | null;
  status: SendStatus;
  error: NetraError | null;
  createdAt: string;
}

export interface TypingUser {
  userId: number;
  userName: string;
}

export interface ChatRoom {
  /** Stored messages, ascending seq, each seq once. */
  messages: ChatMessage[];
  pending: PendingMessage[];
  typing: TypingUser[];
  loading: boolean;
  hasOlder: boolean;
  error: NetraError | null;
}

export interface ChatStoreState {
  rooms: Record<number, ChatRoom>;
  setHistory(chatId: number, messages: ChatMessage[], hasOlder: boolean): void;
  addOlder(chatId: number, messages: ChatMessage[], hasOlder: boolean): void;
  addMessages(chatId: number, messages: ChatMessage[]): void;
  addPending(message: PendingMessage): void;
  setPendingStatus(chatId: number, clientMessageId: string, status: SendStatus, error: NetraError | null): void;
  setTyping(chatId: number, user: TypingUser, isTyping: boolean): void;
  setLoading(chatId: number, loading: boolean): void;
  setError(chatId: number, error: NetraError | null): void;
  /** An edit (MessageUpdated): the message with that id takes its new state; unknown ids are ignored. */
  applyEdit(chatId: number, message: ChatMessage): void;
  /** A delete (MessageDeleted): the message becomes a tombstone (no content, no attachment). */
  applyDelete(chatId: number, event: MessageDeletedEvent): void;
  /** The user's chats (GET /api/chats, kept current by useChatList); null until loaded. */
  chats: ChatSummary[] | null;
  setChats(next: ChatSummary[] | null | ((list: ChatSummary[] | null) => ChatSummary[] | null)): void;
}

export type ChatStore = StoreApi<ChatStoreState>;

export const emptyRoom: ChatRoom = { messages: [], pending: [], typing: [], loading: false, hasOlder: false, error: null };

/** Merges two ascending lists by seq; a seq present in both is kept once. */
export function mergeMessages(existing: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return existing;
  const bySeq = new Map<number, ChatMessage>();
  for (const m of existing) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** `messages` with the one whose id is `id` changed; the same array when it is not there. */
function replaceById(messages: ChatMessage[], id: number, change: (m: ChatMessage) => ChatMessage): ChatMessage[] {
  const i = messages.findIndex((m) => m.id === id);
  if (i < 0) return messages; // older than what we hold: history shows it as it now is when loaded
  const next = [...messages];
  next[i] = change(messages[i]!);
  return next;
}

/** One store per provider: chat rooms by id. */
export function createChatStore(): ChatStore {
  return createStore<ChatStoreState>()((set) => {
    const update = (chatId: number, change: (room: ChatRoom) => Partial<ChatRoom>) =>
      set((s) => {
        const room = s.rooms[chatId] ?? emptyRoom;
        return { rooms: { ...s.rooms, [chatId]: { ...room, ...change(room) } } };
      });
    const confirmed = (pending: PendingMessage[], messages: ChatMessage[]) => {
      const ids = new Set(messages.map((m) => m.clientMessageId));
      return pending.some((p) => ids.has(p.clientMessageId)) ? pending.filter((p) => !ids.has(p.clientMessageId)) : pending;
    };
    return {
      rooms: {},
      setHistory: (chatId, messages, hasOlder) =>
        update(chatId, (r) => ({
          // History replaces what we had, but keeps live messages newer than its last page.
          messages: mergeMessages(messages, r.messages.filter((m) => m.seq > (messages.at(-1)?.seq ?? 0))),
          pending: confirmed(r.pending, messages),
          hasOlder,
          loading: false,
          error: null,
        })),
      addOlder: (chatId, messages, hasOlder) =>
        update(chatId, (r) => ({ messages: mergeMessages(r.messages, messages), hasOlder, loading: false })),
      addMessages: (chatId, messages) =>
        update(chatId, (r) => ({
          messages: mergeMessages(r.messages, messages),
          pending: confirmed(r.pending, messages),
          // Whoever sent a message has stopped typing it.
          typing: r.typing.filter((t) => !messages.some((m) => m.senderId === t.userId)),
        })),
      addPending: (message) => update(message.chatId, (r) => ({ pending: [...r.pending, message] })),
      setPendingStatus: (chatId, clientMessageId, status, error) =>
        update(chatId, (r) => ({
          pending: r.pending.map((p) => (p.clientMessageId === clientMessageId ? { ...p, status, error } : p)),
        })),
      setTyping: (chatId, user, isTyping) =>
        update(chatId, (r) => {
          const others = r.typing.filter((t) => t.userId !== user.userId);
          return { typing: isTyping ? [...others, user] : others };
        }),
      setLoading: (chatId, loading) => update(chatId, () => ({ loading })),
      setError: (chatId, error) => update(chatId, () => ({ error, loading: false })),
      applyEdit: (chatId, message) =>
        update(chatId, (r) => ({ messages: replaceById(r.messages, message.id, () => message) })),
      applyDelete: (chatId, event) =>
        update(chatId, (r) => ({
          messages: replaceById(r.messages, event.messageId, (m) => ({ ...m, content: '', attachment: null, deleted: true })),
        })),
      chats: null,
      setChats: (next) => set((s) => ({ chats: typeof next === 'function' ? next(s.chats) : next })),
    };
  });
}
