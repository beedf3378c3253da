// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseDown, fakeFetch, ok, type RecordedCall } from './testing/fakeApi';
import { created, defaults, type FakeHubConnection } from './testing/fakeSignalR';
import { retriedReads } from './testing/retriedReads';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraProvider } = await import('./NetraProvider');
const connections = await import('./connections');
type ConnectionRequestInfo = import('./contracts').ConnectionRequestInfo;
type ConnectionLists = import('./connections').ConnectionLists;

const SELF = 1;
const t = '2026-01-01T00:00:00+00:00';
const later = '2026-01-02T00:00:00+00:00';
const names: Record<number, string> = { 1: 'Me', 2: 'Alice', 3: 'Bob', 4: 'Carol' };
const info = (id: number, from: number, to: number, status: 'pending' | 'accepted' = 'pending'): ConnectionRequestInfo => ({
  id, fromUserId: from, fromUserName: names[from]!, toUserId: to, toUserName: names[to]!, status, createdAt: t,
  acceptedAt: status === 'accepted' ? later : null,
});
/** Each list as `requestId:userName`. */
const show = (l: ConnectionLists) => ({
  incoming: l.incoming.map((e) => `${e.requestId}:${e.userName}`),
  outgoing: l.outgoing.map((e) => `${e.requestId}:${e.userName}`),
  connections: l.connections.map((e) => `${e.requestId}:${e.userName}`),
});

describe('connection list updates', () => {
  it('sorts what the server lists into incoming, outgoing and connections, naming the other person', () => {
    const lists = connections.connectionListsFrom(SELF, [info(5, 2, SELF), info(6, SELF, 3)], [info(3, SELF, 4, 'accepted'), info(4, 2, SELF, 'accepted')]);
    expect(show(lists)).toEqual({ incoming: ['5:Alice'], outgoing: ['6:Bob'], connections: ['4:Alice', '3:Carol'] });
    expect(lists.connections[0]).toEqual({ requestId: 4, userId: 2, userName: 'Alice', since: later });
  });

  it('adds a live request once, and moves an accepted one from outgoing to connections', () => {
    let lists = connections.connectionListsFrom(SELF, [info(6, SELF, 3)], []);
    const received = { requestId: 7, fromUserId: 4, fromUserName: 'Carol', timestamp: t };
    lists = connections.applyRequestReceived(connections.applyRequestReceived(lists, received), received);
    lists = connections.applyRequestAccepted(lists, { requestId: 6, userId: 3, userName: 'Bob', timestamp: later });
    expect(show(lists)).toEqual({ incoming: ['7:Carol'], outgoing: [], connections: ['6:Bob'] });
  });

  it("applies the user's own send, accept and decline", () => {
    let lists = connections.connectionListsFrom(SELF, [info(5, 2, SELF), info(7, 4, SELF)], []);
    lists = connections.applyOwnRequest(lists, SELF, info(8, SELF, 3));
    lists = connections.applyOwnRequest(lists, SELF, info(5, 2, SELF, 'accepted'));
    lists = connections.applyDeclined(lists, 7);
    expect(show(lists)).toEqual({ incoming: [], outgoing: ['8:Bob'], connections: ['5:Alice'] });
  });
});

describe('useConnectionRequests', () => {
  let calls: RecordedCall[];
  let answers: Record<string, unknown>;
  let held: Record<string, { release(): void }>;
  let client: InstanceType<typeof NetraClient>;
  let wrapper: (props: { children: ReactNode }) => ReactNode;

  beforeEach(() => {
    created.length = 0;
    calls = [];
    answers = {};
    held = {};
    defaults.invoke = () => undefined;
    const fetchStub = fakeFetch(answers, calls, held);
    client = new NetraClient({ accessTokenFactory: () => 'tok', fetch: fetchStub });
    wrapper = ({ children }) => <NetraProvider client={client}>{children}</NetraProvider>;
  });
  afterEach(() => cleanup());

  async function hub(): Promise<FakeHubConnection> {
    await waitFor(() => expect(client.status.state).toBe('connected'));
    return created.at(-1)!;
  }

  it('reads the lists once connected, follows live requests and acceptances, and sends, accepts and declines', async () => {
    answers['GET /api/connections/requests'] = [info(5, 2, SELF), info(6, SELF, 3)];
    answers['GET /api/connections'] = [];
    answers['POST /api/connections/requests'] = info(9, SELF, 4);
    answers['POST /api/connections/requests/5/accept'] = info(5, 2, SELF, 'accepted');
    const { result } = renderHook(() => connections.useConnectionRequests(SELF), { wrapper });
    const h = await hub();
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(show(result.current)).toEqual({ incoming: ['5:Alice'], outgoing: ['6:Bob'], connections: [] });
    // Personal events: nothing to subscribe to.
    expect(h.calls('Subscribe')).toEqual([]);

    act(() => {
      h.emit('ConnectionRequest', { requestId: 7, fromUserId: 4, fromUserName: 'Carol', timestamp: t });
      h.emit('ConnectionAccepted', { requestId: 6, userId: 3, userName: 'Bob', timestamp: later });
    });
    expect(show(result.current)).toEqual({ incoming: ['7:Carol', '5:Alice'], outgoing: [], connections: ['6:Bob'] });

    await act(() => result.current.accept(5));
    await act(() => result.current.decline(7));
    answers['GET /api/connections/requests'] = [info(9, SELF, 4)];
    await act(() => result.current.send(4));
    expect(calls.filter((c) => c.method === 'POST')).toEqual([
      { url: '/api/connections/requests/5/accept', method: 'POST', body: undefined },
      { url: '/api/connections/requests/7/decline', method: 'POST', body: undefined },
      { url: '/api/connections/requests', method: 'POST', body: { toUserId: 4 } },
    ]);
    expect(show(result.current)).toEqual({ incoming: [], outgoing: ['9:Carol'], connections: ['6:Bob', '5:Alice'] });
  });

  it('keeps what happened while a read was under way, and reads again after a reconnect', async () => {
    // The first read answers from before Alice's request 5 was accepted (and before Carol asked).
    answers['GET /api/connections/requests'] = [info(5, SELF, 2)];
    answers['GET /api/connections'] = [];
    held['GET /api/connections'] = { release: () => undefined };
    const { result } = renderHook(() => connections.useConnectionRequests(SELF), { wrapper });
    const h = await hub();
    await waitFor(() => expect(calls.map((c) => c.url)).toContain('/api/connections'));
    act(() => {
      h.emit('ConnectionAccepted', { requestId: 5, userId: 2, userName: 'Alice', timestamp: later });
      h.emit('ConnectionRequest', { requestId: 7, fromUserId: 4, fromUserName: 'Carol', timestamp: t });
    });
    await act(async () => held['GET /api/connections']!.release());
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(show(result.current)).toEqual({ incoming: ['7:Carol'], outgoing: [], connections: ['5:Alice'] });

    // After a reconnect the server's lists are read again: a request withdrawn meanwhile is gone.
    delete held['GET /api/connections'];
    answers['GET /api/connections/requests'] = [];
    answers['GET /api/connections'] = [info(5, SELF, 2, 'accepted')];
    act(() => h.dropConnection());
    act(() => h.restoreConnection());
    await waitFor(() => expect(show(result.current).incoming).toEqual([]));
    expect(show(result.current)).toEqual({ incoming: [], outgoing: [], connections: ['5:Alice'] });
    expect(calls.filter((c) => c.url === '/api/connections').length).toBe(2);
  });

  it('reports a failed read as a value and a refused action by rejecting with the server code', async () => {
    answers['GET /api/connections/requests'] = new Response(JSON.stringify({ title: 'Oops', code: 'INTERNAL' }), { status: 500 });
    answers['GET /api/connections'] = [];
    answers['POST /api/connections/requests'] = new Response(
      JSON.stringify({ title: 'Conflict', detail: 'You and user 2 already have a pending or accepted connection request.', code: 'CONFLICT' }),
      { status: 409 },
    );
    const { result } = renderHook(() => connections.useConnectionRequests(SELF), { wrapper });
    await hub();
    await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
    await expect(result.current.send(2)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(show(result.current)).toEqual({ incoming: [], outgoing: [], connections: [] });
  });
});

describe('useConnectionRequests, when its first read fails (retried while transient)', () => {
  const retried = retriedReads();
  const mount = (pending: (() => Response)[]) =>
    retried.mount(
      { '/api/connections/requests': pending, '/api/connections': [() => ok([info(3, SELF, 4, 'accepted')])] },
      () => connections.useConnectionRequests(SELF),
    );

  it('shows the 503, reads again after its Retry-After, then shows the lists and clears the error', async () => {
    const { result } = mount([() => databaseDown(5), () => ok([info(5, 2, SELF)])]);
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'INTERNAL', status: 503 }));
    await act(() => vi.advanceTimersByTimeAsync(4800));
    expect(retried.reads['/api/connections/requests']).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(400));
    expect(retried.reads['/api/connections/requests']).toBe(2);
    expect(result.current).toMatchObject({ error: null, loading: false });
    expect(show(result.current)).toEqual({ incoming: ['5:Alice'], outgoing: [], connections: ['3:Carol'] });
  });

  it('does not retry a bare 404 (no Netra code: a wrong base URL, a proxy that does not route /api), and shows it', async () => {
    const { result } = mount([() => new Response('', { status: 404 }), () => ok([info(5, 2, SELF)])]);
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'HTTP_ERROR', status: 404 }));
    expect(result.current.loading).toBe(false);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(retried.reads['/api/connections/requests']).toBe(1);
    expect(result.current.error).toMatchObject({ code: 'HTTP_ERROR', status: 404 });
  });

  it('retries a bare 502 (a proxy while the server restarts) with the backoff, then shows the lists', async () => {
    const { result } = mount([() => new Response('Bad Gateway', { status: 502 }), () => ok([info(5, 2, SELF)])]);
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'HTTP_ERROR', status: 502 }));
    await act(() => vi.advanceTimersByTimeAsync(500)); // the first retry: below 500 ms
    expect(retried.reads['/api/connections/requests']).toBe(2);
    expect(result.current).toMatchObject({ error: null, loading: false });
    expect(show(result.current)).toEqual({ incoming: ['5:Alice'], outgoing: [], connections: ['3:Carol'] });
  });

  it('stops retrying once unmounted', async () => {
    const { result, unmount } = mount([() => databaseDown(5)]);
    await waitFor(() => expect(result.current.error?.code).toBe('INTERNAL'));
    await act(() => vi.advanceTimersByTimeAsync(5200));
    expect(retried.reads['/api/connections/requests']).toBe(2);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(retried.reads['/api/connections/requests']).toBe(2);
  });
});
