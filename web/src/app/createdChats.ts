// Which chats this user created, as far as this browser knows: POST /api/chats answered us, so
// we are their creator and may delete any message in them. GET /api/chats does not say who created
// a chat (ChatSummary has no creator), so chats created elsewhere are not known here; the server
// decides either way (DeleteMessage refuses anyone but the author or the creator).
const key = (userId: number) => `netra.created.${userId}`;

export function createdChats(userId: number): number[] {
  try {
    const ids: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is number => typeof id === 'number') : [];
  } catch {
    return [];
  }
}

export function rememberCreated(userId: number, chatId: number): void {
  const ids = createdChats(userId);
  if (!ids.includes(chatId)) localStorage.setItem(key(userId), JSON.stringify([...ids, chatId]));
}
