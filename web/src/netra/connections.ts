// Connection requests as the connections page shows them: read over HTTP (on connect and after every
// reconnect), kept live by the personal events ConnectionRequest and ConnectionAccepted (no
// subscription), changed by sending, accepting and declining. The updates are pure functions
// (unit-tested on their own); the hook wires them to the client.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConnectionAcceptedEvent, ConnectionRequestEvent, ConnectionRequestInfo } from './contracts';
import { useConnectionState, useNetra, useNetraEvent } from './hooks';
import { NetraError } from './NetraError';
import { isPermanentRefusal, retryTransient } from './retry';

/** The other person of a request, seen from the signed-in user. */
export interface ConnectionEntry {
  requestId: number;
  userId: number;
  userName: string;
  /** When it was asked (pending), or accepted (a connection). */
  since: string;
}

/** Each list newest request first, each request once, and in one list only. */
export interface ConnectionLists {
  /** Pending requests to the user. */
  incoming: ConnectionEntry[];
  /** Pending requests the user sent. */
  outgoing: ConnectionEntry[];
  /** Accepted requests, either way. */
  connections: ConnectionEntry[];
}

export const emptyConnectionLists: ConnectionLists = { incoming: [], outgoing: [], connections: [] };

const uniqueNewestFirst = (list: readonly ConnectionEntry[]): ConnectionEntry[] => {
  const byId = new Map<number, ConnectionEntry>();
  for (const e of list) if (!byId.has(e.requestId)) byId.set(e.requestId, e);
  return [...byId.values()].sort((a, b) => b.requestId - a.requestId);
};

/** Dedupes, sorts, and drops from the pending lists what is already a connection. */
function normalize(lists: ConnectionLists): ConnectionLists {
  const connections = uniqueNewestFirst(lists.connections);
  const accepted = new Set(connections.map((c) => c.requestId));
  const pending = (list: readonly ConnectionEntry[]) => uniqueNewestFirst(list).filter((e) => !accepted.has(e.requestId));
  return { incoming: pending(lists.incoming), outgoing: pending(lists.outgoing), connections };
}

const otherSide = (selfId: number, r: ConnectionRequestInfo, since: string): ConnectionEntry =>
  r.fromUserId === selfId
    ? { requestId: r.id, userId: r.toUserId, userName: r.toUserName, since }
    : { requestId: r.id, userId: r.fromUserId, userName: r.fromUserName, since };

/** The lists from GET /api/connections/requests (pending, both ways) and GET /api/connections (accepted). */
export function connectionListsFrom(selfId: number, pending: readonly ConnectionRequestInfo[], accepted: readonly ConnectionRequestInfo[]): ConnectionLists {
  return normalize({
    incoming: pending.filter((r) => r.toUserId === selfId).map((r) => otherSide(selfId, r, r.createdAt)),
    outgoing: pending.filter((r) => r.fromUserId === selfId).map((r) => otherSide(selfId, r, r.createdAt)),
    connections: accepted.map((r) => otherSide(selfId, r, r.acceptedAt ?? r.createdAt)),
  });
}

/** Someone asked the user to connect (live `ConnectionRequest`). */
export const applyRequestReceived = (lists: ConnectionLists, e: ConnectionRequestEvent): ConnectionLists =>
  normalize({ ...lists, incoming: [...lists.incoming, { requestId: e.requestId, userId: e.fromUserId, userName: e.fromUserName, since: e.timestamp }] });

/** The user's request was accepted (live `ConnectionAccepted`; `userId` is who accepted). */
export const applyRequestAccepted = (lists: ConnectionLists, e: ConnectionAcceptedEvent): ConnectionLists =>
  normalize({
    ...lists,
    outgoing: lists.outgoing.filter((o) => o.requestId !== e.requestId),
    connections: [...lists.connections, { requestId: e.requestId, userId: e.userId, userName: e.userName, since: e.timestamp }],
  });

/** The server's answer to the user's own send or accept: a pending request they sent, or one now accepted. */
export function applyOwnRequest(lists: ConnectionLists, selfId: number, r: ConnectionRequestInfo): ConnectionLists {
  if (r.status === 'accepted') {
    const entry = otherSide(selfId, r, r.acceptedAt ?? r.createdAt);
    return normalize({ ...lists, connections: [...lists.connections, entry] });
  }
  return normalize({ ...lists, outgoing: [...lists.outgoing, otherSide(selfId, r, r.createdAt)] });
}

/** The user declined a request to them: it is gone. */
export const applyDeclined = (lists: ConnectionLists, requestId: number): ConnectionLists => ({
  ...lists,
  incoming: lists.incoming.filter((e) => e.requestId !== requestId),
});

type Update = (lists: ConnectionLists) => ConnectionLists;

export interface UseConnectionRequestsResult extends ConnectionLists {
  /** True until the first read answered. */
  loading: boolean;
  /**
   * Why the last read failed (the live events still come). A transient failure is retried while
   * connected and cleared once a read works; a refusal stays until the next reconnect reads again.
   */
  error: NetraError | null;
  /** Asks `toUserId` to connect; rejects with a NetraError (VALIDATION_FAILED, NOT_FOUND, CONFLICT, ...). */
  send(toUserId: number): Promise<void>;
  /** Accepts a request to the user; the requester gets ConnectionAccepted. Rejects with a NetraError. */
  accept(requestId: number): Promise<void>;
  /** Declines a request to the user (the requester is not told). Rejects with a NetraError. */
  decline(requestId: number): Promise<void>;
}

/**
 * The signed-in user's (`selfId`) connection requests and connections: read over HTTP once
 * connected and after every reconnect (a read that fails for a transient reason is retried while
 * connected, with retryTransient), then kept live. A change that lands while a read is under
 * way (a live event, or the user's own send, accept or decline) is applied again on top of that
 * read's answer, so a read that started before it cannot undo it.
 */
export function useConnectionRequests(selfId: number): UseConnectionRequestsResult {
  const client = useNetra();
  const { state } = useConnectionState();
  const [lists, setLists] = useState<ConnectionLists>(emptyConnectionLists);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<NetraError | null>(null);
  /** Updates made since the running read started (null: no read running). */
  const sinceRead = useRef<Update[] | null>(null);

  const update = useCallback((change: Update) => {
    sinceRead.current?.push(change);
    setLists(change);
  }, []);
  useNetraEvent('ConnectionRequest', (e) => update((l) => applyRequestReceived(l, e)));
  useNetraEvent('ConnectionAccepted', (e) => update((l) => applyRequestAccepted(l, e)));

  useEffect(() => {
    if (state !== 'connected') return;
    // Kept from the first try to the answer that works: a change made while a retry waited is
    // applied again on top of that answer too (each update is idempotent).
    const changes: Update[] = [];
    sinceRead.current = changes;
    const readDone = () => {
      if (sinceRead.current === changes) sinceRead.current = null;
    };
    // A read that fails for a transient reason (503 INTERNAL while PostgreSQL is down, RATE_LIMITED,
    // the network) is retried while connected, its error shown meanwhile; a refusal is shown.
    const stop = retryTransient(
      () => Promise.all([
        client.http<ConnectionRequestInfo[]>('/api/connections/requests'),
        client.http<ConnectionRequestInfo[]>('/api/connections'),
      ]),
      {
        done: ([pending, accepted]) => {
          readDone();
          setLists(changes.reduce((l, change) => change(l), connectionListsFrom(selfId, pending, accepted)));
          setError(null);
          setLoading(false);
        },
        failed: (e) => {
          if (isPermanentRefusal(e)) readDone();
          setError(e);
          setLoading(false);
        },
      },
    );
    return () => {
      stop();
      readDone();
    };
  }, [client, state, selfId]);

  const send = useCallback(
    async (toUserId: number) => {
      const r = await client.http<ConnectionRequestInfo>('/api/connections/requests', { method: 'POST', body: { toUserId } });
      update((l) => applyOwnRequest(l, selfId, r));
    },
    [client, selfId, update],
  );
  const accept = useCallback(
    async (requestId: number) => {
      const r = await client.http<ConnectionRequestInfo>(`/api/connections/requests/${requestId}/accept`, { method: 'POST' });
      update((l) => applyOwnRequest(l, selfId, r));
    },
    [client, selfId, update],
  );
  const decline = useCallback(
    async (requestId: number) => {
      await client.http<void>(`/api/connections/requests/${requestId}/decline`, { method: 'POST' });
      update((l) => applyDeclined(l, requestId));
    },
    [client, update],
  );

  return { ...lists, loading, error, send, accept, decline };
}
