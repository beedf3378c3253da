import { create } from 'zustand';

/** The last seq read per chat, kept per user in localStorage so unread counts survive reloads. */
interface ReadMarks {
  marks: Record<string, number>;
  markRead(userId: number, chatId: number, seq: number): void;
}

const key = (userId: number) => `netra.read.${userId}`;

export function loadMarks(userId: number): Record<string, number> {
  try {
    return JSON.parse(localStorage.getItem(key(userId)) ?? '{}') as Record<string, number>;
  } catch {
    return {};
  }
}

export const useReadMarks = create<ReadMarks>((set, get) => ({
  marks: {},
  markRead(userId, chatId, seq) {
    const id = `${userId}:${chatId}`;
    if ((get().marks[id] ?? loadMarks(userId)[chatId] ?? 0) >= seq) return;
    const stored = { ...loadMarks(userId), [chatId]: seq };
    localStorage.setItem(key(userId), JSON.stringify(stored));
    set((s) => ({ marks: { ...s.marks, [id]: seq } }));
  },
}));

export function lastRead(marks: Record<string, number>, userId: number, chatId: number): number {
  return marks[`${userId}:${chatId}`] ?? loadMarks(userId)[chatId] ?? 0;
}
