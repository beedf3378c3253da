import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'chats'; chatId: number | null }
  | { page: 'events' }
  | { page: 'admin' }
  | { page: 'feed'; postId: number | null }
  | { page: 'connections' };

/**
 * Hash routes (#/chats, #/chats/12, #/feed, #/feed/7 for one post, #/connections, #/events,
 * #/admin): the server needs no fallback for client-side paths.
 */
export function parseRoute(hash: string): Route {
  if (hash === '#/events') return { page: 'events' };
  if (hash === '#/admin') return { page: 'admin' };
  if (hash === '#/connections') return { page: 'connections' };
  if (hash === '#/feed') return { page: 'feed', postId: null };
  const post = /^#\/feed\/([1-9][0-9]{0,15})$/.exec(hash);
  if (post) return { page: 'feed', postId: Number(post[1]) };
  const m = /^#\/chats\/([1-9][0-9]{0,15})$/.exec(hash);
  return { page: 'chats', chatId: m ? Number(m[1]) : null };
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

export const chatHref = (chatId: number): string => `#/chats/${chatId}`;
export const postHref = (postId: number): string => `#/feed/${postId}`;
export const chatsHref = '#/chats';
export const eventsHref = '#/events';
export const adminHref = '#/admin';
export const feedHref = '#/feed';
export const connectionsHref = '#/connections';
