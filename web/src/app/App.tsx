import { NetraProvider } from '../netra';
import { ChatList } from './ChatList';
import { ChatView } from './ChatView';
import { ConnectionBanner } from './ConnectionBanner';
import { LoginPage } from './LoginPage';
import { signOut, useSession } from './session';
import { useHashRoute } from './useHashRoute';

export function App() {
  const session = useSession((s) => s.session);
  const client = useSession((s) => s.client);
  const route = useHashRoute();

  if (!session || !client) return <LoginPage />;

  return (
    <NetraProvider client={client}>
      <div className="shell">
        <header className="topbar">
          <span className="brand">Netra</span>
          <span className="who">
            Signed in as <strong>{session.user.displayName}</strong> ({session.user.userName}, id {session.user.id})
          </span>
          <button type="button" className="link" onClick={() => signOut()}>
            Sign out
          </button>
        </header>
        <ConnectionBanner />
        <div className="layout">
          <ChatList selectedId={route.chatId} userId={session.user.id} />
          <main className="main">
            {route.chatId === null ? (
              <div className="empty">
                <h2>Pick a chat</h2>
                <p>Choose a conversation on the left, or start a new one.</p>
              </div>
            ) : (
              <ChatView key={route.chatId} chatId={route.chatId} user={session.user} />
            )}
          </main>
        </div>
      </div>
    </NetraProvider>
  );
}
