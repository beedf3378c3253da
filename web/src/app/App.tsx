import { useMemo } from 'react';
import { NetraProvider, useAwayWhenHidden, useChatList, useConnectionState, usePresence, type UserInfo } from '../netra';
import { AdminPage } from './AdminPage';
import { ChatList } from './ChatList';
import { ChatView } from './ChatView';
import { ConnectionBanner } from './ConnectionBanner';
import { ConnectionsPage } from './ConnectionsPage';
import { EventsPage } from './EventsPage';
import { FeedPage } from './FeedPage';
import { LoginPage } from './LoginPage';
import { NotificationBell } from './NotificationBell';
import { signOut, useSession } from './session';
import { adminHref, chatsHref, connectionsHref, eventsHref, feedHref, useHashRoute } from './useHashRoute';

/** Everything behind sign-in, inside the provider: the chat list, presence, and the page of the route. */
function Workspace({ user }: { user: UserInfo }) {
  const route = useHashRoute();
  const list = useChatList(user.id);
  // Presence of everyone in the user's chats (seeded from the server, then live); away while hidden.
  const memberIds = useMemo(() => [...new Set((list.chats ?? []).flatMap((c) => c.memberIds))], [list.chats]);
  const presence = usePresence(memberIds);
  useAwayWhenHidden();
  const chatId = route.page === 'chats' ? route.chatId : null;
  // The connection's state, for tools (the browser tests wait for "connected"); people see the banner.
  const { state } = useConnectionState();

  return (
    <div className="shell" data-connection-state={state}>
      <header className="topbar">
        <span className="brand">Netra</span>
        <nav className="pages" aria-label="Pages">
          <a href={chatsHref} aria-current={route.page === 'chats' ? 'page' : undefined}>Chats</a>
          <a href={feedHref} aria-current={route.page === 'feed' ? 'page' : undefined}>Feed</a>
          <a href={connectionsHref} aria-current={route.page === 'connections' ? 'page' : undefined}>Connections</a>
          <a href={eventsHref} aria-current={route.page === 'events' ? 'page' : undefined}>Issues &amp; alerts</a>
          <a href={adminHref} aria-current={route.page === 'admin' ? 'page' : undefined}>Admin</a>
        </nav>
        <NotificationBell />
        <span className="who">
          Signed in as <strong>{user.displayName}</strong> ({user.userName}, id {user.id})
        </span>
        <button type="button" className="link" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <ConnectionBanner />
      <div className="layout">
        <ChatList selectedId={chatId} userId={user.id} list={list} presence={presence} />
        <main className="main">
          {route.page === 'feed' ? (
            <FeedPage postId={route.postId} />
          ) : route.page === 'connections' ? (
            <ConnectionsPage user={user} />
          ) : route.page === 'events' ? (
            <EventsPage />
          ) : route.page === 'admin' ? (
            <AdminPage />
          ) : chatId === null ? (
            <div className="empty">
              <h2>Pick a chat</h2>
              <p>Choose a conversation on the left, or start a new one.</p>
            </div>
          ) : (
            <ChatView key={chatId} chatId={chatId} user={user} presence={presence} />
          )}
        </main>
      </div>
    </div>
  );
}

export function App() {
  const session = useSession((s) => s.session);
  const client = useSession((s) => s.client);

  if (!session || !client) return <LoginPage />;

  return (
    <NetraProvider client={client}>
      <Workspace user={session.user} />
    </NetraProvider>
  );
}
