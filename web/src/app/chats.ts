import { create } from 'zustand';
import type { ChatSummary } from '../netra';

type Updater = ChatSummary[] | null | ((list: ChatSummary[] | null) => ChatSummary[] | null);

/** The signed-in user's chats (GET /api/chats, kept current by live messages). */
export const useChats = create<{ chats: ChatSummary[] | null; setChats(next: Updater): void }>((set) => ({
  chats: null,
  setChats: (next) => set((s) => ({ chats: typeof next === 'function' ? next(s.chats) : next })),
}));
