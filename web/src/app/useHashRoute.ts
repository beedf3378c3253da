import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'chats'; chatId: number | null }
  | { page: 'events' }
  | { page: 'admin' }
  | { page: 'feed' }
  | { page: 'connections' };

/**
 * Hash routes (#/chats, #/chats/12, #/feed, #/connections, #/events, #/admin): the server needs no
 * fallback for client-side paths.
 */
export function parseRoute(hash: string): Route {
  if (hash === '#/events') return { page: 'events' };
  if (hash === '#/admin') return { page: 'admin' };
  if (hash === '#/connections') return { page: 'connections' };
  if (hash === '#/feed') return { page: 'feed' };
  const m = /^#\/chats\/([1-9][0-9]*)$/.exec(hash);
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
export const chatsHref = '#/chats';
export const eventsHref = '#/events';
export const adminHref = '#/admin';
export const feedHref = '#/feed';
export const connectionsHref = '#/connections';
