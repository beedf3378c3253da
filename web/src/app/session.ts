import { create } from 'zustand';
import { NetraClient, request, type LoginResponse, type UserInfo } from '../netra';

const STORAGE_KEY = 'netra.session';
/** The app talks to the server that serves it. */
export const API_BASE = '';

export interface Session {
  accessToken: string;
  expiresAt: string;
  user: UserInfo;
}

interface SessionState {
  session: Session | null;
  /** One client per signed-in session, made when the session starts (never during render). */
  client: NetraClient | null;
  /** Why the last session ended, shown on the sign-in page. */
  notice: string | null;
}

export const useSession = create<SessionState>(() => ({ session: null, client: null, notice: null }));

function clientFor(session: Session): NetraClient {
  return new NetraClient({
    baseUrl: API_BASE,
    // Read on every connect and reconnect, so a newer token (a fresh sign-in) is picked up.
    accessTokenFactory: () => useSession.getState().session?.accessToken ?? session.accessToken,
  });
}

function begin(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  useSession.setState({ session, client: clientFor(session), notice: null });
}

export function restoreSession(): void {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return;
    const session = JSON.parse(raw) as Session;
    if (Date.parse(session.expiresAt) > Date.now() + 30_000) begin(session);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
  }
}

export async function signIn(userName: string, password: string): Promise<void> {
  const response = await request<LoginResponse>(API_BASE, '/api/auth/login', { body: { userName, password } });
  begin({ accessToken: response.accessToken, expiresAt: response.expiresAt, user: response.user });
}

export async function register(userName: string, password: string, displayName: string): Promise<void> {
  await request<UserInfo>(API_BASE, '/api/auth/register', { body: { userName, password, displayName } });
  await signIn(userName, password);
}

export function signOut(notice: string | null = null): void {
  sessionStorage.removeItem(STORAGE_KEY);
  // The provider unmounts with the session and stops the client's connection.
  useSession.setState({ session: null, client: null, notice });
}
