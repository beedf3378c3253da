import { beforeEach, describe, expect, it, vi } from 'vitest';
import { created, defaults, establishedEvent, flush, FakeHubConnectionBuilder, type FakeHubConnection } from './testing/fakeSignalR';
import { pinRetryClock } from './testing/retryClock';

vi.mock('@microsoft/signalr', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@microsoft/signalr')>();
  const fake = await import('./testing/fakeSignalR');
  return { ...actual, HubConnectionBuilder: fake.FakeHubConnectionBuilder };
});

const { NetraClient } = await import('./NetraClient');
const { NetraError } = await import('./NetraError');
const { JitteredBackoffPolicy } = await import('./backoff');
const { HttpTransportType } = await import('@microsoft/signalr');
type ChatMessage = import('./contracts').ChatMessage;

const discovery = {
  websocket_config: {
    version: '1.0',
    protocol_version: '1',
    features: {},
    endpoints: { websocket: '/ws', negotiate: '/ws/negotiate', login: '/api/auth/login', register: '/api/auth/register' },
    connection_limits: {
      max_connections_per_user: 5, max_connections_per_node: 10000, max_message_rate: 60, max_call_rate: 600,
      max_message_bytes: 10240, connect_attempts_per_minute_per_ip: 600, login_attempts_per_minute: 10,
      heartbeat_interval: 15000, client_timeout: 30000,
    },
  },
};

const fetchStub = vi.fn(async (url: string | URL | Request) => {
  if (String(url).endsWith('/ws/config')) return new Response(JSON.stringify(discovery), { status: 200 });
  return new Response('', { status: 404 });
}) as unknown as typeof fetch;

/**
 * fetchStub, plus `GET /api/auth/me` answered by `me` (a status, or a function of the call number
 * giving one; 'offline' makes fetch fail). `meCalls` counts those requests.
 */
function fetchWithMe(me: number | 'offline' | ((call: number) => number | 'offline')) {
  const counter = { meCalls: 0, tokens: [] as (string | null)[] };
  const fetchImpl = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    if (!String(url).endsWith('/api/auth/me')) return fetchStub(url, init);
    counter.meCalls++;
    counter.tokens.push(new Headers(init?.headers).get('authorization'));
    const answer = typeof me === 'function' ? me(counter.meCalls) : me;
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    if (answer === 200) return new Response(JSON.stringify({ userId: 7, userName: 'demo', roles: [] }), { status: 200 });
    const code = answer === 401 ? 'UNAUTHORIZED' : answer === 429 ? 'RATE_LIMITED' : 'INTERNAL';
    return new Response(JSON.stringify({ title: 'x', status: answer, detail: 'refused', code }), { status: answer });
  }) as unknown as typeof fetch;
  return { fetch: fetchImpl, counter };
}

/** What a browser's WebSocket reports for any refused upgrade, 401 included: no status. */
const webSocketFailure = () =>
  new Error('Failed to start the connection: Error: WebSocket failed to connect. The connection could not be found on the server, '
    + 'either the endpoint may not be a SignalR endpoint, the connection ID is not present on the server, or there is a proxy blocking WebSockets.');

/** Runs `body` while every connection built has `startImpl` as its start. */
async function withStarts<T>(startImpl: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  const origBuild = FakeHubConnectionBuilder.prototype.build;
  FakeHubConnectionBuilder.prototype.build = function build(this: FakeHubConnectionBuilder) {
    const c = origBuild.call(this);
    c.startImpl = startImpl;
    return c;
  };
  try {
    return await body();
  } finally {
    FakeHubConnectionBuilder.prototype.build = origBuild;
  }
}

function message(seq: number, chatId = 1): ChatMessage {
  return {
    id: 100 + seq, chatId, seq, senderId: 7, senderName: 'demo', content: `m${seq}`, attachment: null,
    clientMessageId: `c${seq}`, timestamp: '2026-01-01T00:00:00+00:00', editedAt: null, deleted: false,
  };
}

async function connectedClient(options: { maxQueuedSends?: number; fetch?: typeof fetch } = {}) {
  const client = new NetraClient({
    baseUrl: 'http://netra.test/',
    accessTokenFactory: () => 'token-1',
    fetch: fetchStub,
    retryPolicy: new JitteredBackoffPolicy({ baseMs: 1, capMs: 2 }),
    ...options,
  });
  await client.start();
  const hub = created.at(-1) as FakeHubConnection;
  return { client, hub };
}

beforeEach(() => {
  created.length = 0;
  defaults.establish = true;
});

describe('NetraClient', () => {
  it('discovers the hub, connects to base + /ws with the token factory and reports its states', async () => {
    const client = new NetraClient({ baseUrl: 'http://netra.test/', accessTokenFactory: () => 't', fetch: fetchStub });
    const states: string[] = [];
    client.onStatus((s) => states.push(s.state));
    expect(client.status.state).toBe('idle');
    await client.start();
    const hub = created[0]!;
    expect(hub.url).toBe('http://netra.test/ws');
    expect(await hub.options.accessTokenFactory?.()).toBe('t');
    expect(hub.retryPolicy).toBeDefined();
    expect(hub.keepAliveIntervalInMilliseconds).toBe(15000);
    expect(hub.serverTimeoutInMilliseconds).toBe(30000);
    expect(client.discovery?.websocket_config.version).toBe('1.0');
    expect(states).toEqual(['connecting', 'connected']);
    await client.stop();
    expect(client.status.state).toBe('disconnected');
  });

  it('opens the WebSocket directly, without negotiate (the server\'s own transport serves that)', async () => {
    const { hub } = await connectedClient();
    expect(hub.options.skipNegotiation).toBe(true);
    expect(hub.options.transport).toBe(HttpTransportType.WebSockets);
    expect(await hub.options.accessTokenFactory?.()).toBe('token-1');
  });

  it('delivers typed events to handlers until they unsubscribe', async () => {
    const { client, hub } = await connectedClient();
    const seen: string[] = [];
    const off = client.on('Typing', (t) => seen.push(`${t.userName}:${t.isTyping}`));
    hub.emit('Typing', { chatId: 1, userId: 2, userName: 'alice', isTyping: true });
    off();
    hub.emit('Typing', { chatId: 1, userId: 2, userName: 'alice', isTyping: false });
    expect(seen).toEqual(['alice:true']);
  });

  it('turns "CODE: text" hub errors into NetraError with the code', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = () => Promise.reject(new Error('RATE_LIMITED: 60 messages per minute; retry in 12 s'));
    const error = await client.sendMessage({ chatId: 1, content: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetraError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', message: '60 messages per minute; retry in 12 s' });
    expect((error as InstanceType<typeof NetraError>).fromServer).toBe(true);
    expect(NetraError.parse(new Error("An unexpected error occurred invoking 'Subscribe' on the server. HubException: FORBIDDEN: no")).code)
      .toBe('FORBIDDEN');
    expect(NetraError.parse(new Error('socket gone'), 'DISCONNECTED').code).toBe('DISCONNECTED');
  });

  it('drops live messages whose seq was already delivered', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = (m) => (m === 'Subscribe' ? { channel: 'chat:1', lastSeq: 3, recovered: true, missed: [] } : undefined);
    const seqs: number[] = [];
    client.on('NewMessage', (m) => seqs.push(m.seq));
    await client.subscribe('chat:1', 3);
    hub.emit('NewMessage', message(4));
    hub.emit('NewMessage', message(4));
    hub.emit('NewMessage', message(3));
    hub.emit('NewMessage', message(5));
    expect(seqs).toEqual([4, 5]);
    expect(client.lastSeq('chat:1')).toBe(5);
  });

  it('fills a gap in seqs from the server before delivering what came after it', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = (m) => (m === 'Subscribe' ? { channel: 'chat:1', lastSeq: 3, recovered: true, missed: [] } : undefined);
    const seqs: number[] = [];
    client.on('NewMessage', (m) => seqs.push(m.seq));
    await client.subscribe('chat:1', 3);
    hub.invokeImpl = (m, channel, since) =>
      m === 'Subscribe' && channel === 'chat:1' && since === 3
        ? { channel: 'chat:1', lastSeq: 5, recovered: true, missed: [message(4), message(5)] }
        : undefined;
    // Two senders' broadcasts overtook each other: 5 arrives before 4.
    hub.emit('NewMessage', message(5));
    await flush();
    hub.emit('NewMessage', message(4));
    hub.emit('NewMessage', message(6));
    expect(seqs).toEqual([4, 5, 6]);
    expect(hub.calls('Subscribe').at(-1)).toEqual(['chat:1', 3]);
  });

  it('resumes the feed: replayed posts and comments come as NewPost and NewComment, then live ones, in seq order', async () => {
    const { client, hub } = await connectedClient();
    const post = (seq: number) => ({ id: seq, seq, authorId: 7, authorName: 'demo', content: `p${seq}`, timestamp: 't' });
    const comment = (seq: number) => ({ id: seq, seq, postId: 1, authorId: 8, authorName: 'alice', content: `c${seq}`, timestamp: 't' });
    hub.invokeImpl = (m) => (m === 'Subscribe' ? { channel: 'feed', lastSeq: 3, recovered: true, missed: [post(2), comment(3)] } : undefined);
    const seen: string[] = [];
    client.on('NewPost', (p) => seen.push(`post ${p.seq}`));
    client.on('NewComment', (c) => seen.push(`comment ${c.seq}`));
    await client.subscribe('feed', 1);
    hub.emit('NewComment', comment(4));
    hub.emit('NewComment', comment(3));
    expect(seen).toEqual(['post 2', 'comment 3', 'comment 4']);
    expect(client.lastSeq('feed')).toBe(4);
  });

  it('on reconnect re-subscribes with the last seq and delivers missed events before live ones, once each', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = (m) => (m === 'Subscribe' ? { channel: 'chat:1', lastSeq: 2, recovered: true, missed: [] } : undefined);
    const seqs: number[] = [];
    client.on('NewMessage', (m) => seqs.push(m.seq));
    await client.subscribe('chat:1', 2);
    hub.emit('NewMessage', message(3));

    hub.dropConnection();
    expect(client.status.state).toBe('reconnecting');
    let answer!: (r: unknown) => void;
    hub.invokeImpl = (m) => (m === 'Subscribe' ? new Promise((r) => (answer = r)) : undefined);
    hub.restoreConnection();
    await flush();
    expect(hub.calls('Subscribe').at(-1)).toEqual(['chat:1', 3]);
    // A live message arrives while the Subscribe call is still in flight: it must wait.
    hub.emit('NewMessage', message(6));
    expect(seqs).toEqual([3]);
    answer({ channel: 'chat:1', lastSeq: 6, recovered: true, missed: [message(3), message(4), message(5), message(6)] });
    await flush();
    expect(seqs).toEqual([3, 4, 5, 6]);
    hub.emit('NewMessage', message(6));
    hub.emit('NewMessage', message(7));
    expect(seqs).toEqual([3, 4, 5, 6, 7]);
    expect(client.status.state).toBe('connected');
  });

  it('is connected only once the server has sent ConnectionEstablished, on connect and on reconnect', async () => {
    // The handshake completes before the server has registered the connection on every node.
    defaults.establish = false;
    const client = new NetraClient({ baseUrl: 'http://netra.test/', accessTokenFactory: () => 't', fetch: fetchStub });
    let started = false;
    const start = client.start().then(() => (started = true));
    await flush();
    const hub = created[0]!;
    expect(client.status.state).toBe('connecting');
    expect(started).toBe(false);
    hub.emit('ConnectionEstablished', establishedEvent);
    await start;
    expect(client.status.state).toBe('connected');

    hub.dropConnection();
    hub.restoreConnection();
    await flush();
    expect(client.status.state).toBe('reconnecting');
    hub.emit('ConnectionEstablished', establishedEvent);
    await flush();
    expect(client.status.state).toBe('connected');
    await client.stop();
  });

  it('uses the connection after the handshake timeout when ConnectionEstablished never comes, and says so', async () => {
    defaults.establish = false;
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const client = new NetraClient({ baseUrl: 'http://netra.test/', accessTokenFactory: () => 't', fetch: fetchStub });
      const start = client.start();
      await flush();
      expect(client.status.state).toBe('connecting');
      await vi.advanceTimersByTimeAsync(15_000);
      await start;
      expect(client.status.state).toBe('connected');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('no ConnectionEstablished within 15000 ms'));
      await client.stop();
    } finally {
      warn.mockRestore();
      vi.useRealTimers();
    }
  });

  it('does not report connected when the connection closes before ConnectionEstablished', async () => {
    defaults.establish = false;
    const client = new NetraClient({ baseUrl: 'http://netra.test/', accessTokenFactory: () => 't', fetch: fetchStub });
    const start = client.start();
    await flush();
    created[0]!.close(new Error('WebSocket closed with status code: 1006'));
    await start;
    expect(client.status.state).toBe('disconnected');
  });

  it('tells listeners to reload a channel the server could not fully replay', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = () => ({ channel: 'chat:1', lastSeq: 5000, recovered: false, missed: [] });
    const resets: string[] = [];
    client.onChannelReset((c) => resets.push(c));
    await client.subscribe('chat:1', 1);
    expect(resets).toEqual(['chat:1']);
    expect(client.lastSeq('chat:1')).toBe(5000);
  });

  describe('when a re-subscribe fails', () => {
    const dbDown = 'INTERNAL: The database (PostgreSQL) cannot be reached right now, so the request was not carried out. Retry in a few seconds.';
    const accept = (since: unknown, missed: ChatMessage[] = []) =>
      ({ channel: 'chat:1', lastSeq: missed.at(-1)?.seq ?? since, recovered: true, missed });

    beforeEach(() => {
      const restoreClock = pinRetryClock();
      return restoreClock;
    });

    /** Connected, following chat:1 with seq 3 delivered; `seqs` collects what NewMessage delivers. */
    async function following() {
      const { client, hub } = await connectedClient();
      hub.invokeImpl = (m, _c, since) => (m === 'Subscribe' ? accept(since) : undefined);
      const seqs: number[] = [];
      client.on('NewMessage', (m) => seqs.push(m.seq));
      const statuses: string[] = [];
      client.onChannelStatus((channel, s) => statuses.push(`${channel} ${s.subscribed} ${s.error?.code ?? '-'}`));
      await client.subscribe('chat:1', 2);
      hub.emit('NewMessage', message(3));
      return { client, hub, seqs, statuses };
    }

    it('keeps a channel the server fails to resume (INTERNAL while PostgreSQL is down) and retries it from its last seq', async () => {
      const { client, hub, seqs, statuses } = await following();
      hub.dropConnection();
      let failures = 0;
      hub.invokeImpl = (m, _c, since) => {
        if (m !== 'Subscribe') return undefined;
        if (++failures <= 2) return Promise.reject(new Error(`HubException: ${dbDown}`));
        return accept(since, [message(4), message(5)]);
      };
      hub.restoreConnection();
      await flush();
      expect(failures).toBe(1);
      expect(client.lastSeq('chat:1')).toBe(3);
      expect(client.channelStatus('chat:1')).toMatchObject({ subscribed: false, error: { code: 'INTERNAL' } });
      expect(client.status.state).toBe('connected');

      await vi.advanceTimersByTimeAsync(500); // the first retry: full jitter below 500 ms
      expect(failures).toBe(2);
      await vi.advanceTimersByTimeAsync(1000); // the second, below 1 s
      expect(failures).toBe(3);
      expect(hub.calls('Subscribe').slice(1)).toEqual([['chat:1', 3], ['chat:1', 3], ['chat:1', 3]]);
      expect(seqs).toEqual([3, 4, 5]);
      expect(client.channelStatus('chat:1')).toEqual({ subscribed: true, error: null });
      expect(statuses).toEqual(['chat:1 true -', 'chat:1 false INTERNAL', 'chat:1 false INTERNAL', 'chat:1 true -']);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(hub.calls('Subscribe')).toHaveLength(4);
    });

    it('resumes a channel whose retry is still waiting from its last seq on the next reconnect, once', async () => {
      const { client, hub, seqs } = await following();
      hub.dropConnection();
      hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error('RATE_LIMITED: 600 calls per minute; retry in 40 s')) : undefined);
      hub.restoreConnection();
      await flush();
      hub.dropConnection();
      hub.invokeImpl = (m, _c, since) => (m === 'Subscribe' ? accept(since, [message(4)]) : undefined);
      hub.restoreConnection();
      await flush();
      expect(seqs).toEqual([3, 4]);
      expect(client.channelStatus('chat:1')).toEqual({ subscribed: true, error: null });
      await vi.advanceTimersByTimeAsync(60_000); // the retry of the first failure was called off
      expect(hub.calls('Subscribe').slice(1)).toEqual([['chat:1', 3], ['chat:1', 3]]);
    });

    it('retries a failed gap re-sync no sooner than "retry in N s" asks, then delivers in order', async () => {
      const { client, hub, seqs } = await following();
      hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error('RATE_LIMITED: 600 calls per minute; retry in 12 s')) : undefined);
      hub.emit('NewMessage', message(5)); // 4 is missing
      await flush();
      expect(client.lastSeq('chat:1')).toBe(3);
      expect(client.channelStatus('chat:1')).toMatchObject({ subscribed: false, error: { code: 'RATE_LIMITED' } });
      hub.invokeImpl = (m, _c, since) => (m === 'Subscribe' ? accept(since, [message(4)]) : undefined);
      await vi.advanceTimersByTimeAsync(11_900);
      expect(hub.calls('Subscribe')).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(200);
      expect(hub.calls('Subscribe').at(-1)).toEqual(['chat:1', 3]);
      expect(seqs).toEqual([3, 4, 5]);
      expect(client.channelStatus('chat:1')).toEqual({ subscribed: true, error: null });
    });

    it('keeps a subscribe made offline waiting while its channel is retried, and resolves it once subscribed', async () => {
      const { client, hub } = await connectedClient();
      hub.dropConnection();
      let answer: 'fail' | 'ok' = 'fail';
      hub.invokeImpl = (m, _c, since) =>
        m !== 'Subscribe' ? undefined : answer === 'fail' ? Promise.reject(new Error(dbDown)) : { ...accept(since), channel: 'alerts', lastSeq: 9 };
      let settled: unknown = 'pending';
      void client.subscribe('alerts').then((r) => (settled = r), (e: unknown) => (settled = e));
      hub.restoreConnection();
      await flush();
      expect(settled).toBe('pending');
      answer = 'ok';
      await vi.advanceTimersByTimeAsync(500);
      expect(settled).toMatchObject({ channel: 'alerts', lastSeq: 9 });
    });

    it.each(['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'UNAUTHORIZED'])(
      'drops a channel the server refuses for good (%s), says so, and fails a subscribe waiting for it',
      async (code) => {
        const { client, hub, statuses } = await following();
        hub.dropConnection();
        const waiting = client.subscribe('feed').catch((e: unknown) => e);
        hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error(`${code}: refused`)) : undefined);
        hub.restoreConnection();
        await flush();
        expect(client.lastSeq('chat:1')).toBeNull();
        expect(client.channelStatus('chat:1')).toBeNull();
        expect(statuses.slice(1).sort()).toEqual([`chat:1 false ${code}`, `feed false ${code}`]);
        expect(await waiting).toMatchObject({ code });
        await vi.advanceTimersByTimeAsync(60_000);
        expect(hub.calls('Subscribe')).toHaveLength(3); // no retry
      },
    );

    it('hands the failure of a subscribe made while connected to its caller, and keeps nothing', async () => {
      const { client, hub } = await connectedClient();
      hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error(dbDown)) : undefined);
      await expect(client.subscribe('chat:1', 2)).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(client.channelStatus('chat:1')).toBeNull();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(hub.calls('Subscribe')).toHaveLength(1);
    });

    it('with retry, keeps a channel whose first subscribe fails for a transient reason, and settles once it is subscribed', async () => {
      const { client, hub } = await connectedClient();
      let failures = 0;
      hub.invokeImpl = (m, _c, since) => {
        if (m !== 'Subscribe') return undefined;
        if (++failures <= 2) return Promise.reject(new Error(`HubException: ${dbDown}`));
        return accept(since, [message(3)]);
      };
      const seqs: number[] = [];
      client.on('NewMessage', (m) => seqs.push(m.seq));
      let settled: unknown = 'pending';
      void client.subscribe('chat:1', 2, { retry: true }).then((r) => (settled = r), (e: unknown) => (settled = e));
      await flush();
      expect(settled).toBe('pending');
      expect(client.channelStatus('chat:1')).toMatchObject({ subscribed: false, error: { code: 'INTERNAL' } });
      await vi.advanceTimersByTimeAsync(500); // the first retry: below 500 ms
      expect(failures).toBe(2);
      expect(settled).toBe('pending');
      await vi.advanceTimersByTimeAsync(1000); // the second, below 1 s
      expect(settled).toMatchObject({ channel: 'chat:1', lastSeq: 3 });
      expect(hub.calls('Subscribe')).toEqual([['chat:1', 2], ['chat:1', 2], ['chat:1', 2]]);
      expect(seqs).toEqual([3]);
      expect(client.channelStatus('chat:1')).toEqual({ subscribed: true, error: null });
    });

    it('with retry, rejects a permanent refusal and keeps nothing', async () => {
      const { client, hub } = await connectedClient();
      hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error('NOT_FOUND: no such issue')) : undefined);
      await expect(client.subscribe('issue:X-1', null, { retry: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(client.channelStatus('issue:X-1')).toBeNull();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(hub.calls('Subscribe')).toHaveLength(1);
    });

    it('sends no Unsubscribe for a channel the server never took, and one for a channel it took', async () => {
      const { client, hub } = await connectedClient();
      hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error(dbDown)) : undefined);
      void client.subscribe('chat:1', 2, { retry: true }).catch(() => undefined);
      await flush();
      await client.unsubscribe('chat:1');
      expect(hub.calls('Unsubscribe')).toEqual([]);
      hub.invokeImpl = (m, _c, since) => (m === 'Subscribe' ? accept(since) : undefined);
      await client.subscribe('chat:1', 2);
      await client.unsubscribe('chat:1');
      expect(hub.calls('Unsubscribe')).toEqual([['chat:1']]);
    });

    it('leaves a channel whose first subscribe fails for a transient reason to a follower that joined meanwhile, retried for it', async () => {
      const { client, hub } = await connectedClient();
      let answer!: (failure: Error | null) => void;
      hub.invokeImpl = (m, _c, since) =>
        m !== 'Subscribe' ? undefined
          : new Promise((resolve, reject) => (answer = (failure) => (failure ? reject(failure) : resolve(accept(since)))));
      const first = client.subscribe('chat:1', 2).catch((e: unknown) => e);
      await client.subscribe('chat:1', null, { retry: true }); // joins the channel being subscribed
      answer(new Error(dbDown));
      expect(await first).toMatchObject({ code: 'INTERNAL' });
      expect(client.channelStatus('chat:1')).toMatchObject({ subscribed: false, error: { code: 'INTERNAL' } });
      await vi.advanceTimersByTimeAsync(500);
      answer(null);
      await flush();
      expect(client.channelStatus('chat:1')).toEqual({ subscribed: true, error: null });
      expect(hub.calls('Subscribe')).toEqual([['chat:1', 2], ['chat:1', 2]]);
      await client.unsubscribe('chat:1'); // the joiner's one reference: the first caller's went with its failure
      expect(hub.calls('Unsubscribe')).toEqual([['chat:1']]);
      expect(client.channelStatus('chat:1')).toBeNull();
    });

    it('stops retrying a channel once it is unsubscribed', async () => {
      const { client, hub } = await following();
      hub.dropConnection();
      hub.invokeImpl = (m) => (m === 'Subscribe' ? Promise.reject(new Error(dbDown)) : undefined);
      hub.restoreConnection();
      await flush();
      await client.unsubscribe('chat:1');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(hub.calls('Subscribe')).toHaveLength(2);
      expect(client.channelStatus('chat:1')).toBeNull();
    });
  });

  it('unsubscribes from the server only when the last follower leaves', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = (m) => (m === 'Subscribe' ? { channel: 'chat:1', lastSeq: 0, recovered: true, missed: [] } : undefined);
    await client.subscribe('chat:1');
    await client.subscribe('chat:1');
    await client.unsubscribe('chat:1');
    expect(hub.calls('Unsubscribe')).toEqual([]);
    await client.unsubscribe('chat:1');
    expect(hub.calls('Unsubscribe')).toEqual([['chat:1']]);
    expect(hub.calls('Subscribe')).toHaveLength(1);
  });

  it('settles a subscribe made offline with CANCELLED when its channel is unsubscribed before the connection is back', async () => {
    const { client, hub } = await connectedClient();
    hub.dropConnection();
    const first = client.subscribe('chat:1').catch((e: unknown) => e);
    const second = client.subscribe('chat:1'); // follows the same pending subscription
    await client.unsubscribe('chat:1');
    await client.unsubscribe('chat:1');
    let settled: unknown = 'pending';
    void first.then((r) => (settled = r));
    await flush();
    expect(settled).toBeInstanceOf(NetraError);
    expect(settled).toMatchObject({ code: 'CANCELLED' });
    await second;
    hub.restoreConnection();
    await flush();
    expect(hub.calls('Subscribe')).toEqual([]);
  });

  it('queues sends while offline, bounded, and sends them in order with their clientMessageId on reconnect', async () => {
    const { client, hub } = await connectedClient({ maxQueuedSends: 2 });
    hub.dropConnection();
    const first = client.sendMessage({ chatId: 1, content: 'one', clientMessageId: 'id-1' });
    const second = client.sendMessage({ chatId: 1, content: 'two' });
    const third = client.sendMessage({ chatId: 1, content: 'three' }).catch((e: unknown) => e);
    expect(await third).toMatchObject({ code: 'QUEUE_FULL' });
    expect(client.queuedSends).toBe(2);

    hub.invokeImpl = (m, req) => (m === 'SendMessage' ? { ...message(9), ...(req as object) } : undefined);
    hub.restoreConnection();
    const [a, b] = await Promise.all([first, second]);
    expect(a.clientMessageId).toBe('id-1');
    expect(b.content).toBe('two');
    const sent = hub.calls('SendMessage').map(([r]) => (r as { content: string }).content);
    expect(sent).toEqual(['one', 'two']);
    expect((hub.calls('SendMessage')[1]![0] as { clientMessageId: string }).clientMessageId).toMatch(/./);
    expect(client.queuedSends).toBe(0);
  });

  it('re-sends a message whose call was cut by a dropped connection, with the same clientMessageId', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = () => {
      hub.dropConnection();
      return Promise.reject(new Error('Invocation canceled due to the underlying connection being closed.'));
    };
    const pending = client.sendMessage({ chatId: 1, content: 'x', clientMessageId: 'keep-me' });
    await flush();
    expect(client.queuedSends).toBe(1);
    hub.invokeImpl = (m, req) => (m === 'SendMessage' ? { ...message(1), ...(req as object) } : undefined);
    hub.restoreConnection();
    expect((await pending).clientMessageId).toBe('keep-me');
    expect(hub.calls('SendMessage').map(([r]) => (r as { clientMessageId: string }).clientMessageId))
      .toEqual(['keep-me', 'keep-me']);
  });

  it('re-sends several messages cut off by one drop in the order they were sent, before later ones', async () => {
    const { client, hub } = await connectedClient();
    const inFlight: ((e: Error) => void)[] = [];
    hub.invokeImpl = (m) => (m === 'SendMessage' ? new Promise((_, reject) => inFlight.push(reject)) : undefined);
    const sent = ['a', 'b', 'c'].map((content) => client.sendMessage({ chatId: 1, content, clientMessageId: content }));
    await flush();
    expect(inFlight).toHaveLength(3);
    hub.dropConnection();
    const later = client.sendMessage({ chatId: 1, content: 'd', clientMessageId: 'd' });
    // SignalR fails the cut-off calls in the order they were made.
    for (const reject of inFlight) reject(new Error('Invocation canceled due to the underlying connection being closed.'));
    await flush();
    expect(client.queuedSends).toBe(4);

    hub.invokeImpl = (m, req) => (m === 'SendMessage' ? { ...message(1), ...(req as object) } : undefined);
    hub.restoreConnection();
    await Promise.all([...sent, later]);
    expect(hub.calls('SendMessage').slice(3).map(([r]) => (r as { clientMessageId: string }).clientMessageId))
      .toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails queued sends and pending subscribes with DISCONNECTED when reconnecting gives up, and works again after start()', async () => {
    const { client, hub } = await connectedClient();
    hub.invokeImpl = (m) => (m === 'Subscribe' ? { channel: 'feed', lastSeq: 0, recovered: true, missed: [] } : undefined);
    await client.subscribe('feed');
    let cutOff!: (e: Error) => void;
    hub.invokeImpl = (m) => (m === 'SendMessage' ? new Promise((_, reject) => (cutOff = reject)) : undefined);
    const inFlight = client.sendMessage({ chatId: 1, content: 'in flight' }).catch((e: unknown) => e);
    await flush();
    hub.dropConnection();
    const queued = client.sendMessage({ chatId: 1, content: 'queued' }).catch((e: unknown) => e);
    const waiting = client.subscribe('alerts').catch((e: unknown) => e);
    hub.close(new Error('WebSocket closed with status code: 1006')); // the retry policy gave up
    cutOff(new Error('Invocation canceled due to the underlying connection being closed.'));
    expect(client.status.state).toBe('disconnected');
    expect(await inFlight).toMatchObject({ code: 'DISCONNECTED' });
    expect(await queued).toMatchObject({ code: 'DISCONNECTED' });
    expect(await waiting).toMatchObject({ code: 'DISCONNECTED' });
    expect(await client.sendMessage({ chatId: 1, content: 'later' }).catch((e: unknown) => e)).toMatchObject({ code: 'DISCONNECTED' });
    expect(client.queuedSends).toBe(0);

    hub.invokeImpl = (m, arg) =>
      m === 'SendMessage' ? { ...message(1), ...(arg as object) } : m === 'Subscribe' ? { channel: arg, lastSeq: 0, recovered: true, missed: [] } : undefined;
    await client.start();
    expect(client.status.state).toBe('connected');
    expect((await client.sendMessage({ chatId: 1, content: 'again' })).content).toBe('again');
    // The channels are still followed (their owners did not unsubscribe): resumed on the new connection.
    expect(hub.calls('Subscribe').slice(1).map(([c]) => c).sort()).toEqual(['alerts', 'feed']);
  });

  it('fails sends with DISCONNECTED when the server closes the connection for good (CONNECTION_LIMIT)', async () => {
    const { client, hub } = await connectedClient();
    hub.dropConnection();
    const queued = client.sendMessage({ chatId: 1, content: 'queued' }).catch((e: unknown) => e);
    hub.emit('Error', { code: 'CONNECTION_LIMIT', error: 'At most 5 connections per user.', recoverable: false, help: null, timestamp: 'x' });
    hub.close(new Error('Server returned an error on close: Connection closed with an error.'));
    expect(await queued).toMatchObject({ code: 'DISCONNECTED' });
    expect(client.status.error?.code).toBe('CONNECTION_LIMIT');
  });

  it('fails sends made while the first connect is retried with DISCONNECTED once the policy gives up', async () => {
    const client = new NetraClient({
      baseUrl: 'http://netra.test', accessTokenFactory: () => 't', fetch: fetchWithMe(200).fetch,
      retryPolicy: new JitteredBackoffPolicy({ baseMs: 1, capMs: 2, maxRetries: 2 }),
    });
    let sent: Promise<unknown> | null = null;
    await withStarts(async () => {
      sent ??= client.sendMessage({ chatId: 1, content: 'early' }).catch((e: unknown) => e);
      throw webSocketFailure();
    }, () => client.start());
    expect(client.status.state).toBe('disconnected');
    expect(await sent).toMatchObject({ code: 'DISCONNECTED' });
    expect(client.queuedSends).toBe(0);
  });

  it('counts reconnect attempts through the retry policy it hands to withAutomaticReconnect', async () => {
    const { client, hub } = await connectedClient();
    hub.dropConnection();
    const delay = hub.retryPolicy!.nextRetryDelayInMilliseconds({ previousRetryCount: 2, elapsedMilliseconds: 10, retryReason: new Error('x') });
    expect(delay).not.toBeNull();
    expect(client.status).toMatchObject({ state: 'reconnecting', attempt: 3 });
    hub.close(new Error('CONNECTION_LIMIT: 5 connections'));
    expect(client.status.state).toBe('disconnected');
    expect(client.status.error?.code).toBe('CONNECTION_LIMIT');
  });

  it('stops reconnecting when the server refuses the token, and says why', async () => {
    const { client, hub } = await connectedClient();
    hub.dropConnection();
    const delay = hub.retryPolicy!.nextRetryDelayInMilliseconds({
      previousRetryCount: 0, elapsedMilliseconds: 10, retryReason: new Error("Unauthorized: Status code '401'"),
    });
    expect(delay).toBeNull();
    hub.close(new Error("Unauthorized: Status code '401'"));
    expect(client.status.state).toBe('disconnected');
    expect(client.status.error?.code).toBe('UNAUTHORIZED');
  });

  it('keeps the CONNECTION_LIMIT reason the server pushed before closing', async () => {
    const { client, hub } = await connectedClient();
    hub.emit('Error', { code: 'CONNECTION_LIMIT', error: 'At most 5 connections per user.', recoverable: false, help: null, timestamp: 'x' });
    hub.close(new Error('Server returned an error on close: Connection closed with an error.'));
    expect(client.status.error).toMatchObject({ code: 'CONNECTION_LIMIT', message: 'At most 5 connections per user.' });
  });

  it('maps a 401 at start to UNAUTHORIZED without retrying', async () => {
    let attempts = 0;
    const client = new NetraClient({ accessTokenFactory: () => 'bad', fetch: fetchStub });
    // Build the connection first so its start can be made to fail.
    const origBuild = FakeHubConnectionBuilder.prototype.build;
    FakeHubConnectionBuilder.prototype.build = function build(this: FakeHubConnectionBuilder) {
      const c = origBuild.call(this);
      c.startImpl = () => {
        attempts++;
        return Promise.reject(new Error("Failed to complete negotiation with the server: Error: Unauthorized: Status code '401'"));
      };
      return c;
    };
    try {
      await client.start();
    } finally {
      FakeHubConnectionBuilder.prototype.build = origBuild;
    }
    expect(attempts).toBe(1);
    expect(client.status).toMatchObject({ state: 'disconnected' });
    expect(client.status.error?.code).toBe('UNAUTHORIZED');
  });
});

describe('NetraClient, when the WebSocket cannot say why it failed', () => {
  // Bounded, so that a client that never stops retrying fails the test instead of hanging it.
  const fastRetries = () => new JitteredBackoffPolicy({ baseMs: 1, capMs: 2, maxRetries: 5 });

  it('asks /api/auth/me after a failed start and, on its 401, ends unauthorized without trying again', async () => {
    const { fetch, counter } = fetchWithMe(401);
    let attempts = 0;
    const client = new NetraClient({ baseUrl: 'http://netra.test', accessTokenFactory: () => 'old-token', fetch, retryPolicy: fastRetries() });
    await withStarts(() => {
      attempts++;
      return Promise.reject(webSocketFailure());
    }, () => client.start());
    expect(attempts).toBe(1);
    expect(counter.meCalls).toBe(1);
    expect(counter.tokens).toEqual(['Bearer old-token']);
    expect(client.status).toMatchObject({ state: 'disconnected', attempt: 0 });
    expect(client.status.error?.code).toBe('UNAUTHORIZED');
  });

  const checkFailures = ['offline', 429, 503] as const;
  it.each<[string, (call: number) => number | 'offline']>([
    ['while /api/auth/me accepts the token', () => 200],
    ['when the check itself fails (offline, rate-limited, a server error)', (n) => checkFailures[n - 1] ?? 200],
  ])('keeps retrying a failed start %s', async (_, answer) => {
    const { fetch, counter } = fetchWithMe(answer);
    let attempts = 0;
    const client = new NetraClient({ baseUrl: 'http://netra.test', accessTokenFactory: () => 't', fetch, retryPolicy: fastRetries() });
    await withStarts(async () => {
      if (++attempts < 4) throw webSocketFailure();
    }, () => client.start());
    expect(attempts).toBe(4);
    expect(counter.meCalls).toBe(3);
    expect(client.status).toMatchObject({ state: 'connected', error: null });
    await client.stop();
  });

  it('stops reconnecting once a failed attempt\'s check gets a 401, and says the session expired', async () => {
    const { fetch, counter } = fetchWithMe(401);
    const { client, hub } = await connectedClient({ fetch });
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(`${s.state}:${s.error?.code ?? '-'}`));
    hub.dropConnection();
    const policy = hub.retryPolicy!;
    // The drop itself asks nothing (a restarting server would have every client ask at once)...
    expect(policy.nextRetryDelayInMilliseconds({ previousRetryCount: 0, elapsedMilliseconds: 0, retryReason: new Error('WebSocket closed with status code: 1006') }))
      .not.toBeNull();
    await flush();
    expect(counter.meCalls).toBe(0);
    // ...a failed reconnect attempt does, once while its answer is on the way.
    for (const previousRetryCount of [1, 2]) {
      const delay = policy.nextRetryDelayInMilliseconds({ previousRetryCount, elapsedMilliseconds: 10, retryReason: webSocketFailure() });
      expect(delay).not.toBeNull(); // the policy cannot wait for the answer
    }
    await flush();
    expect(counter.meCalls).toBe(1);
    expect(hub.stopCalls).toBe(1);
    expect(client.status).toMatchObject({ state: 'disconnected', attempt: 0 });
    expect(client.status.error?.code).toBe('UNAUTHORIZED');
    expect(statuses.at(-1)).toBe('disconnected:UNAUTHORIZED');
  });

  it('goes on reconnecting when a failed attempt\'s check accepts the token', async () => {
    const { fetch, counter } = fetchWithMe(200);
    const { client, hub } = await connectedClient({ fetch });
    hub.dropConnection();
    const delay = hub.retryPolicy!.nextRetryDelayInMilliseconds({ previousRetryCount: 1, elapsedMilliseconds: 10, retryReason: webSocketFailure() });
    expect(delay).not.toBeNull();
    await flush();
    expect(counter.meCalls).toBe(1);
    expect(hub.stopCalls).toBe(0);
    expect(client.status).toMatchObject({ state: 'reconnecting', attempt: 2 });
    hub.restoreConnection();
    await flush();
    expect(client.status.state).toBe('connected');
    await client.stop();
  });
});

describe('JitteredBackoffPolicy', () => {
  const ctx = (n: number) => ({ previousRetryCount: n, elapsedMilliseconds: 0, retryReason: new Error('x') });

  it('waits a random time below min(cap, base * 2^n)', () => {
    const high = new JitteredBackoffPolicy({ baseMs: 100, capMs: 1000, random: () => 0.999 });
    expect([0, 1, 2, 3, 4, 10].map((n) => high.nextRetryDelayInMilliseconds(ctx(n)))).toEqual([99, 199, 399, 799, 999, 999]);
    const low = new JitteredBackoffPolicy({ baseMs: 100, capMs: 1000, random: () => 0 });
    expect(low.nextRetryDelayInMilliseconds(ctx(5))).toBe(0);
  });

  it('gives up after maxRetries by returning null', () => {
    const p = new JitteredBackoffPolicy({ maxRetries: 2 });
    expect(p.nextRetryDelayInMilliseconds(ctx(1))).not.toBeNull();
    expect(p.nextRetryDelayInMilliseconds(ctx(2))).toBeNull();
  });
});
