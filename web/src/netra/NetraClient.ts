import {
  HubConnectionBuilder,
  HubConnectionState,
  HttpTransportType,
  LogLevel,
  type HubConnection,
  type IRetryPolicy,
  type RetryContext,
} from '@microsoft/signalr';
import { request, type RequestOptions } from './api';
import { JitteredBackoffPolicy } from './backoff';
import { isPermanentRefusal, retryDelayMs } from './retry';
import {
  Channels,
  HubMethods,
  HubPath,
  NetraEventNames,
  type AgentEvent,
  type ChatMessage,
  type DiscoveryDocument,
  type Json,
  type NetraEventName,
  type NetraEvents,
  type PingResult,
  type StartAgentRunRequest,
  type SubscribeResult,
  type TokenInfo,
  type UploadResult,
} from './contracts';
import { NetraError } from './NetraError';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Retry number while connecting or reconnecting (1 = first retry), else 0. */
  attempt: number;
  /** Why the connection is down (or was last closed), if known. */
  error: NetraError | null;
}

/** Whether the client follows a channel, as useChannel reports it. */
export interface ChannelStatus {
  /**
   * True once the server accepted its Subscribe. It stays true while the connection is down (the
   * channel is resumed on reconnect) and turns false when a re-subscribe fails.
   */
  subscribed: boolean;
  /**
   * Why the last re-subscribe failed: a transient error (INTERNAL, RATE_LIMITED, ...) while it is
   * retried, or the refusal that made the client drop the channel. Null once subscribed.
   */
  error: NetraError | null;
}

export interface NetraClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:5080`; empty for the page's own origin. */
  baseUrl?: string;
  /** Called before every connect and reconnect, so a refreshed token is picked up. */
  accessTokenFactory: () => string | Promise<string>;
  retryPolicy?: IRetryPolicy;
  /** Sends kept while offline; more are refused with QUEUE_FULL. */
  maxQueuedSends?: number;
  fetch?: typeof fetch;
  logLevel?: LogLevel;
}

export interface SubscribeOptions {
  /**
   * Keep following the channel when the server fails this Subscribe for a transient reason (INTERNAL
   * while PostgreSQL is down, RATE_LIMITED, ...), and retry it as a re-subscribe is retried: the
   * promise then settles once the channel is subscribed, or rejects when the server refuses it for good
   * (isPermanentRefusal; nothing is kept then), with CANCELLED when it is unsubscribed first, or with
   * DISCONNECTED when the connection goes down for good (the channel stays followed and is subscribed
   * on the next start()). The caller holds one reference meanwhile, as after a subscribe made offline.
   * Without it, a subscribe made while connected hands any failure to its caller and keeps nothing.
   */
  retry?: boolean;
}

export interface SendInput {
  chatId: number;
  content: string;
  attachment?: string | null;
  /** Chosen by the caller to make retries safe; a UUID is made when absent. */
  clientMessageId?: string;
}

type Listener = (payload: never) => void;

/** SignalR's default handshake timeout: how long a new connection waits for `ConnectionEstablished`. */
const EstablishedTimeoutMs = 15_000;

/** Whom the token names; the hub's bearer scheme, so a 401 here means the hub refuses the token too. */
const TokenCheckPath = '/api/auth/me';
/** How long that check may take before it counts as "cannot tell". */
const TokenCheckTimeoutMs = 10_000;

/** Settled with true by the server's `ConnectionEstablished`, with false when the connection ends first. */
interface Establishment {
  readonly arrived: Promise<boolean>;
  settle(value: boolean): void;
}

function establishment(): Establishment {
  let settle: (value: boolean) => void = () => undefined;
  const arrived = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { arrived, settle };
}

interface ChannelState {
  refs: number;
  lastSeq: number | null;
  /** True while a Subscribe for it is in flight (or the connection is down): live events wait. */
  syncing: boolean;
  buffer: { event: NetraEventName; payload: unknown; seq: number }[];
  waiters: { resolve: (r: SubscribeResult) => void; reject: (e: NetraError) => void }[];
  status: ChannelStatus;
  /** True while a Subscribe call for it is on its way. */
  inFlight: boolean;
  /** Re-subscribes that failed in a row (for the backoff), and the one waiting to be tried. */
  retries: number;
  retryTimer: ReturnType<typeof setTimeout> | null;
  /**
   * True once a Subscribe of it worked on the current connection: the server then follows it until it
   * is unsubscribed or refused (a failed Subscribe leaves the server's side as it found it).
   */
  joined: boolean;
}

interface QueuedSend {
  /** Call order: the queue is kept sorted by it, so sends retried after a drop keep their order. */
  order: number;
  request: { chatId: number; content: string; attachment: string | null; clientMessageId: string };
  resolve: (message: ChatMessage) => void;
  reject: (error: NetraError) => void;
}

const newId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** The channel and seq a live event belongs to, for resume and de-duplication; null if untracked. */
function sequenceOf(event: NetraEventName, payload: unknown): { channel: string; seq: number } | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as { chatId?: unknown; channel?: unknown; seq?: unknown };
  if (typeof p.seq !== 'number') return null;
  if ((event === 'NewMessage' || event === 'MessageUpdated' || event === 'MessageDeleted') && typeof p.chatId === 'number') {
    return { channel: Channels.chat(p.chatId), seq: p.seq };
  }
  if (event === 'NewPost' || event === 'NewComment') return { channel: Channels.Feed, seq: p.seq };
  if ((event === 'ChannelEvent' || event === 'IssueUpdated' || event === 'AlertTriggered') && typeof p.channel === 'string') {
    return { channel: p.channel, seq: p.seq };
  }
  return null;
}

/**
 * The event a replayed (`missed`) item of a channel is delivered as: the same one live delivery uses.
 * The feed carries posts and comments (a comment has a `postId`); a chat carries messages, edits
 * (with the `message` as it now is) and deletes (with a `messageId`).
 */
function replayEventOf(channel: string, item: unknown): NetraEventName {
  const has = (key: string) => typeof item === 'object' && item !== null && key in item;
  if (Channels.chatIdOf(channel) !== null) return has('message') ? 'MessageUpdated' : has('messageId') ? 'MessageDeleted' : 'NewMessage';
  if (channel === Channels.Feed) return has('postId') ? 'NewComment' : 'NewPost';
  if (channel === Channels.Issues || channel.startsWith('issue:')) return 'IssueUpdated';
  if (channel === Channels.Alerts) return 'AlertTriggered';
  return 'ChannelEvent';
}

/**
 * The one connection of an app to Netra: typed hub calls and events, reconnect through
 * SignalR's withAutomaticReconnect with a jittered backoff, resume of every subscribed channel
 * from its last seq (missed events first, duplicates dropped; a re-subscribe that fails for a
 * transient reason is retried, only a permanent refusal drops the channel), and a bounded queue of
 * sends made while offline. Create it once, outside React's render, and hand it to NetraProvider.
 */
export class NetraClient {
  readonly baseUrl: string;
  discovery: DiscoveryDocument | null = null;

  private readonly options: NetraClientOptions;
  private readonly retryPolicy: IRetryPolicy;
  private readonly maxQueuedSends: number;
  private connection: HubConnection | null = null;
  private startPromise: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private established: Establishment = establishment();
  /** The token check in flight (at most one), shared by whoever asks meanwhile. */
  private tokenCheck: { readonly refused: Promise<boolean>; readonly abort: AbortController } | null = null;
  /** True while a token check started by the reconnect policy waits for its answer. */
  private reconnectCheckPending = false;
  /** Set when the reconnect loop was stopped because the token is refused: onclose then says so. */
  private closingUnauthorized = false;
  private flushing = false;
  private statusValue: ConnectionStatus = { state: 'idle', attempt: 0, error: null };
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private readonly listeners = new Map<NetraEventName, Set<Listener>>();
  private readonly resetListeners = new Set<(channel: string) => void>();
  private readonly channelListeners = new Set<(channel: string, status: ChannelStatus) => void>();
  /** Paces re-subscribes that failed for a transient reason (full jitter, capped). */
  private readonly resubscribeBackoff = new JitteredBackoffPolicy();
  private readonly channels = new Map<string, ChannelState>();
  private readonly queue: QueuedSend[] = [];
  private sendOrder = 0;

  constructor(options: NetraClientOptions) {
    this.options = options;
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.retryPolicy = options.retryPolicy ?? new JitteredBackoffPolicy();
    this.maxQueuedSends = options.maxQueuedSends ?? 100;
  }

  // ------------------------------------------------------------------------- state --

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** Calls `listener` on every status change; returns the function that stops it. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Typed server event handler; returns the function that removes it. */
  on<E extends NetraEventName>(event: E, handler: (payload: NetraEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const listener = handler as Listener;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called when a channel could not be resumed completely: reload it from history. */
  onChannelReset(listener: (channel: string) => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  /** Whether `channel` is followed and subscribed; null when it is not followed (or was dropped). */
  channelStatus(channel: string): ChannelStatus | null {
    return this.channels.get(channel)?.status ?? null;
  }

  /**
   * Calls `listener` whenever a followed channel's status changes: subscribed, a re-subscribe that
   * failed and is retried, or a channel dropped because the server refuses it. Returns the function
   * that stops it.
   */
  onChannelStatus(listener: (channel: string, status: ChannelStatus) => void): () => void {
    this.channelListeners.add(listener);
    return () => this.channelListeners.delete(listener);
  }

  /** The highest seq delivered on `channel`, or null. */
  lastSeq(channel: string): number | null {
    return this.channels.get(channel)?.lastSeq ?? null;
  }

  get queuedSends(): number {
    return this.queue.length;
  }

  // ------------------------------------------------------------------- lifecycle --

  /** Reads `/ws/config`; null when it cannot (the defaults then apply). */
  async discover(): Promise<DiscoveryDocument | null> {
    try {
      this.discovery = await request<DiscoveryDocument>(this.baseUrl, HubPath.Config, this.fetchOption());
    } catch {
      this.discovery = null;
    }
    return this.discovery;
  }

  /**
   * Connects, retrying with the backoff policy until it succeeds, stop() is called, the policy
   * gives up or the server refuses the token. Idempotent.
   */
  start(): Promise<void> {
    this.stopped = false;
    this.closingUnauthorized = false;
    this.startPromise ??= this.startLoop().finally(() => {
      this.startPromise = null;
    });
    return this.startPromise;
  }

  /** Closes the connection; queued sends and pending subscriptions fail with DISCONNECTED. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.tokenCheck?.abort.abort();
    const connection = this.connection;
    if (connection && connection.state !== HubConnectionState.Disconnected) await connection.stop();
    for (const ch of this.channels.values()) this.cancelRetry(ch);
    this.setStatus({ state: 'disconnected', attempt: 0, error: null });
    this.failPending();
  }

  /**
   * The connection is down for good (stop(), the retry policy gave up, or a close that allows no
   * reconnect such as CONNECTION_LIMIT or a refused token): queued sends and subscribes waiting for
   * the server fail with DISCONNECTED instead of waiting for a connection that is not coming. The
   * channels stay followed (their owners have not unsubscribed): a later start() resumes them.
   */
  private failPending(): void {
    const error = NetraClient.disconnected();
    for (const q of this.queue.splice(0)) q.reject(error);
    for (const ch of this.channels.values()) for (const w of ch.waiters.splice(0)) w.reject(error);
  }

  private async startLoop(): Promise<void> {
    if (!this.connection) {
      await this.discover();
      this.connection = this.build();
    }
    const connection = this.connection;
    const startedAt = Date.now();
    for (let retry = 0; !this.stopped; retry++) {
      this.setStatus({ state: 'connecting', attempt: retry, error: this.statusValue.error });
      try {
        this.rearmEstablished();
        await connection.start();
        if (this.stopped) {
          await connection.stop();
          return;
        }
        if (!(await this.waitForEstablished())) return; // closed before it was set up: onclose said why
        this.setStatus({ state: 'connected', attempt: 0, error: null });
        await this.afterConnected();
        return;
      } catch (raw) {
        const error = NetraError.parse(raw, 'DISCONNECTED');
        // Negotiate reports a refused token as a 401; a WebSocket handshake cannot (the browser hides
        // the status of a refused upgrade), so any other failure asks the server about the token.
        // (Unless stop() came meanwhile: then it is over anyway.)
        const refused = /\b401\b/.test(error.message) || (!this.stopped && (await this.tokenRefused()) && !this.stopped);
        if (refused) {
          this.setStatus({ state: 'disconnected', attempt: 0, error: NetraClient.unauthorized() });
          this.failPending();
          return;
        }
        const delay = this.retryPolicy.nextRetryDelayInMilliseconds({
          previousRetryCount: retry,
          elapsedMilliseconds: Date.now() - startedAt,
          retryReason: raw instanceof Error ? raw : new Error(String(raw)),
        });
        if (delay === null || this.stopped) {
          this.setStatus({ state: 'disconnected', attempt: 0, error });
          this.failPending();
          return;
        }
        this.statusValue = { ...this.statusValue, error };
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private build(): HubConnection {
    const limits = this.discovery?.websocket_config.connection_limits;
    const hubPath = this.discovery?.websocket_config.endpoints.websocket ?? HubPath.Hub;
    // Counts retries for the banner ("Reconnecting… attempt 3"), then asks the real policy.
    const counting: IRetryPolicy = {
      nextRetryDelayInMilliseconds: (context: RetryContext) => {
        if (/\b401\b/.test(context.retryReason?.message ?? '')) {
          // The token is no longer accepted: retrying cannot help; the app must sign in again.
          this.statusValue = { ...this.statusValue, error: NetraClient.unauthorized() };
          return null;
        }
        // A reconnect attempt failed: over a WebSocket that skipped negotiate, a refused token looks like
        // any other failure, so ask the server, beside the wait (this answer must be synchronous), and
        // stop reconnecting if it refuses the token. Not on the drop itself (previousRetryCount 0): a
        // server restart would have every client ask at once; the first failed attempt asks.
        if (context.previousRetryCount > 0) this.stopIfTokenRefused(connection);
        this.setStatus({ state: 'reconnecting', attempt: context.previousRetryCount + 1, error: this.statusValue.error });
        return this.retryPolicy.nextRetryDelayInMilliseconds(context);
      },
    };
    const connection = new HubConnectionBuilder()
      // Straight to the WebSocket, no negotiate: Netra's own transport serves such handshakes (about
      // 40 % less memory per connection, up to twice the throughput; docs/protocol.md). The token
      // goes in the `access_token` query parameter.
      .withUrl(this.baseUrl + hubPath, {
        accessTokenFactory: this.options.accessTokenFactory,
        skipNegotiation: true,
        transport: HttpTransportType.WebSockets,
      })
      .withAutomaticReconnect(counting)
      .configureLogging(this.options.logLevel ?? LogLevel.Warning)
      .build();
    if (limits) {
      // The server pings idle connections every heartbeat_interval: expect one at least that often
      // (twice, to ride out one lost ping), and ping it as often as it would ping us.
      connection.keepAliveIntervalInMilliseconds = limits.heartbeat_interval;
      connection.serverTimeoutInMilliseconds = Math.max(limits.client_timeout, 2 * limits.heartbeat_interval);
    }
    for (const name of NetraEventNames) {
      connection.on(name, (payload: unknown) => this.dispatch(name, payload));
    }
    connection.onreconnecting((error) => {
      this.rearmEstablished();
      for (const ch of this.channels.values()) {
        ch.syncing = true;
        ch.joined = false; // a new connection follows nothing yet
        this.cancelRetry(ch); // the reconnect resumes every channel
      }
      this.setStatus({
        state: 'reconnecting',
        attempt: Math.max(this.statusValue.attempt, 1),
        error: error ? NetraError.parse(error, 'DISCONNECTED') : this.statusValue.error,
      });
    });
    connection.onreconnected(() => {
      void this.waitForEstablished().then((established) => {
        if (!established || this.connection?.state !== HubConnectionState.Connected) return;
        this.setStatus({ state: 'connected', attempt: 0, error: null });
        return this.afterConnected();
      });
    });
    connection.onclose((error) => {
      this.established.settle(false);
      for (const ch of this.channels.values()) {
        ch.syncing = true;
        ch.joined = false;
        this.cancelRetry(ch); // the next start() resumes every channel
      }
      const unauthorized = this.closingUnauthorized;
      this.closingUnauthorized = false;
      if (this.stopped) return;
      const last = this.statusValue.error;
      this.setStatus({
        state: 'disconnected',
        attempt: 0,
        // A coded reason we already know (UNAUTHORIZED, or CONNECTION_LIMIT from the Error event) wins.
        error: unauthorized ? NetraClient.unauthorized() : last?.fromServer || !error ? last : NetraError.parse(error, 'DISCONNECTED'),
      });
      // Closed with no reconnect coming (the policy gave up, or the close allowed none): nothing waits.
      this.failPending();
    });
    return connection;
  }

  /**
   * Whether the server refuses the token, asked of `GET /api/auth/me` (the hub's bearer scheme). True
   * only on its 401; false when it accepts the token or when the check itself fails (offline, 429,
   * 5xx, no answer within TokenCheckTimeoutMs): then retrying is still right. One at a time: callers
   * while one is in flight share it. Never rejects.
   */
  private tokenRefused(): Promise<boolean> {
    if (this.tokenCheck) return this.tokenCheck.refused;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TokenCheckTimeoutMs);
    const refused = this.http<TokenInfo>(TokenCheckPath, { signal: abort.signal }).then(
      () => false,
      (error: unknown) => error instanceof NetraError && error.status === 401,
    );
    const check = {
      abort,
      refused: refused.finally(() => {
        clearTimeout(timer);
        if (this.tokenCheck === check) this.tokenCheck = null;
      }),
    };
    this.tokenCheck = check;
    return check.refused;
  }

  /**
   * During automatic reconnect: checks the token beside the wait and, if the server refuses it, stops
   * the connection, which ends as disconnected with the unauthorized error (onclose reads the flag).
   */
  private stopIfTokenRefused(connection: HubConnection): void {
    if (this.reconnectCheckPending) return; // one is on its way: it acts on its answer
    this.reconnectCheckPending = true;
    void this.tokenRefused().then((refused) => {
      this.reconnectCheckPending = false;
      if (!refused || this.stopped || connection.state !== HubConnectionState.Reconnecting) return;
      this.closingUnauthorized = true;
      this.statusValue = { ...this.statusValue, error: NetraClient.unauthorized() };
      void connection.stop();
    });
  }

  /** A new connection is being opened: wakes whoever waited on the one before, and waits for this one's event. */
  private rearmEstablished(): void {
    this.established.settle(false);
    this.established = establishment();
  }

  /**
   * A push to this user from another node (a notification, a connection request) reaches a connection
   * only once the server has registered it. Netra's server answers the handshake only then and sends
   * `ConnectionEstablished` right after, but SignalR's own answers the handshake first, so 'connected'
   * (on which the app reloads its lists) waits for that event either way. Past the handshake timeout
   * the connection is used anyway. False when it closed first.
   */
  private async waitForEstablished(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        console.warn(`Netra: no ConnectionEstablished within ${EstablishedTimeoutMs} ms; using the connection anyway.`);
        resolve(true);
      }, EstablishedTimeoutMs);
    });
    try {
      return await Promise.race([this.established.arrived, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** After a connect or reconnect: resume every channel from its last seq, then send what waited. */
  private async afterConnected(): Promise<void> {
    await Promise.all([...this.channels.keys()].map((channel) => this.resync(channel)));
    await this.flushQueue();
  }

  // ------------------------------------------------------------------ hub methods --

  /**
   * Follows a channel. `sinceSeq` null means "from now"; a number replays everything after it
   * (delivered through the same event handlers as live events, before them). Reference-counted:
   * each subscribe needs one unsubscribe. Made while connecting or reconnecting, it happens on
   * connect; made (or still waiting) once the connection is down for good, it rejects with
   * DISCONNECTED, and the channel is subscribed on the next start() unless unsubscribed. Made while
   * connected, a failure goes to the caller and keeps nothing of its (as the .NET client's
   * SubscribeAsync), unless `options.retry` asks to keep the channel and retry it (SubscribeOptions).
   */
  async subscribe(channel: string, sinceSeq: number | null = null, options: SubscribeOptions = {}): Promise<SubscribeResult> {
    const existing = this.channels.get(channel);
    if (existing) {
      existing.refs++;
      if (sinceSeq !== null && (existing.lastSeq === null || sinceSeq < existing.lastSeq)) {
        // A second follower that is further behind: replay to it too (handlers drop what they hold).
        // The channel is already followed, so a failure is handled as on resume (dropped or retried).
        existing.lastSeq = sinceSeq;
        if (this.isConnected) {
          const answer = new Promise<SubscribeResult>((resolve, reject) => existing.waiters.push({ resolve, reject }));
          void this.resync(channel);
          return answer;
        }
      }
      return { channel, lastSeq: existing.lastSeq ?? 0, recovered: true, missed: [] };
    }
    const state: ChannelState = {
      refs: 1, lastSeq: sinceSeq, syncing: true, buffer: [], waiters: [],
      status: { subscribed: false, error: null }, inFlight: false, retries: 0, retryTimer: null, joined: false,
    };
    this.channels.set(channel, state);
    if (this.isConnected && options.retry) {
      // As a subscribe made offline is when the connection comes: kept, and retried until it works.
      const answer = new Promise<SubscribeResult>((resolve, reject) => state.waiters.push({ resolve, reject }));
      void this.resync(channel);
      return answer;
    }
    if (this.isConnected) {
      try {
        return await this.sync(channel);
      } catch (error) {
        // The caller's own subscribe: it gets the answer, and a refusal of any kind leaves nothing of
        // its behind (as the .NET client's SubscribeAsync). One cut off by a drop is resumed on reconnect.
        const e = NetraError.parse(error, 'DISCONNECTED');
        if (e.fromServer && this.channels.get(channel) === state) {
          if (state.refs > 1 && !isPermanentRefusal(e)) {
            // Others joined while it was on its way: their references keep the channel, retried for them.
            state.refs--;
            this.retryLater(channel, state, e);
          } else {
            this.drop(channel, state, e);
          }
        }
        throw e;
      }
    }
    // Disconnected for good: fails at once, like a send, but the channel is kept for the next start().
    if (this.statusValue.state === 'disconnected') throw NetraClient.disconnected();
    return new Promise<SubscribeResult>((resolve, reject) => state.waiters.push({ resolve, reject }));
  }

  /**
   * Stops following a channel once its last subscriber leaves. A subscribe still waiting for the
   * server then (one made offline, or one whose re-subscribe is being retried) rejects with CANCELLED:
   * it was never made, and nobody follows the channel any more.
   */
  async unsubscribe(channel: string): Promise<void> {
    const state = this.channels.get(channel);
    if (!state) return;
    if (--state.refs > 0) return;
    this.channels.delete(channel);
    this.cancelRetry(state);
    const cancelled = new NetraError('CANCELLED', `Unsubscribed from ${channel} before the subscription was made.`);
    for (const w of state.waiters.splice(0)) w.reject(cancelled);
    // Nothing to undo on the server when no Subscribe of it worked there (one still on its way may yet).
    if (this.isConnected && (state.joined || state.inFlight)) await this.call<void>(HubMethods.Unsubscribe, channel);
  }

  /**
   * Sends a chat message and resolves with the stored one. While connecting or reconnecting, it
   * waits in a bounded queue (the clientMessageId kept, so a send that may have reached the server
   * is never stored twice), in call order. Once the connection is down for good (stop(), the retry
   * policy gave up, or a close that allows no reconnect), it rejects with DISCONNECTED.
   */
  sendMessage(input: SendInput): Promise<ChatMessage> {
    const req = {
      chatId: input.chatId,
      content: input.content,
      attachment: input.attachment ?? null,
      clientMessageId: input.clientMessageId ?? newId(),
    };
    return new Promise<ChatMessage>((resolve, reject) => {
      const item: QueuedSend = { order: ++this.sendOrder, request: req, resolve, reject };
      if (this.statusValue.state === 'disconnected') {
        reject(NetraClient.disconnected()); // no connection is coming until start() is called again
      } else if (this.isConnected && this.queue.length === 0 && !this.flushing) {
        void this.trySend(item);
      } else {
        this.enqueue(item);
      }
    });
  }

  setTyping(chatId: number, isTyping: boolean): Promise<void> {
    if (!this.isConnected) return Promise.resolve(); // ephemeral: not worth queueing
    return this.call<void>(HubMethods.SetTyping, chatId, isTyping);
  }

  /** Edits one of the user's own messages; resolves with the message as it now is. */
  editMessage(chatId: number, messageId: number, content: string): Promise<ChatMessage> {
    return this.call<ChatMessage>(HubMethods.EditMessage, { chatId, messageId, content });
  }

  /** Deletes a message (the user's own, or any in a chat the user created). */
  deleteMessage(chatId: number, messageId: number): Promise<void> {
    return this.call<void>(HubMethods.DeleteMessage, { chatId, messageId });
  }

  /** Marks a chat read up to `seq` (only forward); every tab of the user gets `ReadMarker`. */
  markRead(chatId: number, seq: number): Promise<number> {
    return this.call<number>(HubMethods.MarkRead, chatId, seq);
  }

  /** Marks the signed-in user `away` or back `online` for every presence subscriber. */
  setPresence(status: 'online' | 'away'): Promise<void> {
    return this.call<void>(HubMethods.SetPresence, status);
  }

  ping(): Promise<PingResult> {
    return this.call<PingResult>(HubMethods.Ping);
  }

  /**
   * Starts an agent run (`StartAgentRun`) and calls `onEvent` with each of its events as it
   * arrives. Resolves with the run's last event (`agent_completed` or `error`); rejects with a
   * NetraError when the server refuses the start (VALIDATION_FAILED, FORBIDDEN, RATE_LIMITED), when
   * the connection drops (DISCONNECTED: a chat-linked run goes on, and its answer lands in the chat),
   * or with CANCELLED when `signal` aborts, which cancels the run on the server. Not queued offline.
   */
  startAgentRun(request: StartAgentRunRequest, onEvent: (event: AgentEvent) => void, signal?: AbortSignal): Promise<AgentEvent> {
    const connection = this.connection;
    if (!connection || connection.state !== HubConnectionState.Connected) {
      return Promise.reject(new NetraError('DISCONNECTED', 'Not connected to the server.'));
    }
    return new Promise<AgentEvent>((resolve, reject) => {
      let last: AgentEvent | null = null;
      const abort = () => {
        subscription.dispose(); // sends CancelInvocation: the server stops the run
        reject(new NetraError('CANCELLED', 'The agent run was cancelled.'));
      };
      const subscription = connection.stream<AgentEvent>(HubMethods.StartAgentRun, request).subscribe({
        next: (event) => {
          last = event;
          onEvent(event);
        },
        error: (error) => {
          signal?.removeEventListener('abort', abort);
          reject(NetraError.parse(error, 'DISCONNECTED'));
        },
        complete: () => {
          signal?.removeEventListener('abort', abort);
          if (last) resolve(last);
          else reject(new NetraError('UNKNOWN', 'The agent run ended without any event.'));
        },
      });
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /**
   * Uploads one file (`POST /api/uploads`, multipart field `file`); its `path` is what a message's
   * `attachment` carries. The server recognises the type from the bytes (images, PDF, plain text).
   */
  upload(file: Blob, fileName = file instanceof File ? file.name : 'upload'): Promise<UploadResult> {
    const form = new FormData();
    form.append('file', file, fileName);
    return this.http<UploadResult>('/api/uploads', { method: 'POST', form });
  }

  /** An authenticated call to the HTTP API (same token as the hub). */
  async http<T>(path: string, options: Omit<RequestOptions, 'token' | 'fetch'> = {}): Promise<T> {
    const token = await this.options.accessTokenFactory();
    return request<T>(this.baseUrl, path, { ...options, ...this.fetchOption(), token });
  }

  // ---------------------------------------------------------------------- internals --

  private get isConnected(): boolean {
    return this.connection?.state === HubConnectionState.Connected && this.statusValue.state === 'connected';
  }

  private fetchOption(): { fetch?: typeof fetch } {
    return this.options.fetch ? { fetch: this.options.fetch } : {};
  }

  private async call<T>(method: string, ...args: unknown[]): Promise<T> {
    const connection = this.connection;
    if (!connection || connection.state !== HubConnectionState.Connected) {
      throw new NetraError('DISCONNECTED', 'Not connected to the server.');
    }
    try {
      return await connection.invoke<T>(method, ...args);
    } catch (error) {
      throw NetraError.parse(error, 'DISCONNECTED');
    }
  }

  private async sync(channel: string): Promise<SubscribeResult> {
    const state = this.channels.get(channel);
    if (!state) throw new NetraError('DISCONNECTED', `Not subscribed to ${channel}.`);
    state.syncing = true;
    state.inFlight = true;
    const since = state.lastSeq;
    let result: SubscribeResult;
    try {
      result = await this.call<SubscribeResult>(HubMethods.Subscribe, channel, since);
    } catch (error) {
      throw NetraError.parse(error, 'DISCONNECTED');
    } finally {
      state.inFlight = false;
    }
    state.joined = true;
    if (this.channels.get(channel) !== state) return result; // unsubscribed meanwhile
    // Missed events first, in seq order; then what arrived live during the call; drop what we have.
    for (const item of result.missed) {
      const event = replayEventOf(channel, item);
      const seq = sequenceOf(event, item)?.seq;
      if (seq === undefined) continue;
      if (state.lastSeq !== null && seq <= state.lastSeq) continue;
      state.lastSeq = seq;
      this.emit(event, item);
    }
    const buffered = state.buffer.splice(0).sort((a, b) => a.seq - b.seq);
    if (since === null && state.lastSeq === null) {
      // "From now": anything that arrived live after joining is new, even if below the head.
      for (const b of buffered) this.emit(b.event, b.payload);
      state.lastSeq = Math.max(result.lastSeq, ...buffered.map((b) => b.seq));
    } else {
      for (const b of buffered) {
        if (state.lastSeq !== null && b.seq <= state.lastSeq) continue;
        state.lastSeq = b.seq;
        this.emit(b.event, b.payload);
      }
      if (!result.recovered) state.lastSeq = Math.max(state.lastSeq ?? 0, result.lastSeq);
    }
    state.syncing = false;
    state.retries = 0;
    this.setChannelStatus(channel, state, { subscribed: true, error: null });
    for (const w of state.waiters.splice(0)) w.resolve(result);
    if (!result.recovered) for (const l of [...this.resetListeners]) l(channel);
    return result;
  }

  /**
   * Subscribes a followed channel again from its last seq (after a reconnect, on a gap, for a
   * follower further behind). Never rejects: a permanent refusal (isPermanentRefusal) drops the
   * channel and fails whoever waits for it; any other failure keeps it, with its last seq, and tries
   * again while connected after a full-jitter backoff (at least what a "retry in N s" asks), and at
   * the next reconnect in any case.
   */
  private async resync(channel: string): Promise<void> {
    const state = this.channels.get(channel);
    if (!state) return;
    this.cancelRetry(state);
    try {
      await this.sync(channel);
    } catch (error) {
      const e = NetraError.parse(error, 'DISCONNECTED');
      if (this.channels.get(channel) !== state) return; // unsubscribed meanwhile
      if (isPermanentRefusal(e)) this.drop(channel, state, e);
      else this.retryLater(channel, state, e);
    }
  }

  /**
   * A followed channel's Subscribe failed for a transient reason: says so, and tries again after a
   * full-jitter backoff (at least what a "retry in N s" asks). Tried again only while connected (a
   * retry due in a reconnect does nothing: the reconnect resumes every channel, and calls off the
   * retries still waiting); none is set when the connection is already gone (the call was cut off).
   */
  private retryLater(channel: string, state: ChannelState, error: NetraError): void {
    this.setChannelStatus(channel, state, { subscribed: false, error });
    if (!this.isConnected) return; // the next connect resumes it
    const delay = retryDelayMs(this.resubscribeBackoff, state.retries++, error);
    this.cancelRetry(state);
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      if (this.isConnected && this.channels.get(channel) === state && !state.inFlight) void this.resync(channel);
    }, delay ?? 0); // (this policy never gives up)
  }

  /** The server refuses the channel: it is not followed any more, and whoever waited for it is told why. */
  private drop(channel: string, state: ChannelState, error: NetraError): void {
    this.channels.delete(channel);
    this.cancelRetry(state);
    for (const w of state.waiters.splice(0)) w.reject(error);
    this.setChannelStatus(channel, state, { subscribed: false, error });
  }

  private cancelRetry(state: ChannelState): void {
    if (state.retryTimer !== null) clearTimeout(state.retryTimer);
    state.retryTimer = null;
  }

  private setChannelStatus(channel: string, state: ChannelState, status: ChannelStatus): void {
    if (state.status.subscribed === status.subscribed && state.status.error === status.error) return;
    state.status = status;
    for (const l of [...this.channelListeners]) l(channel, status);
  }

  private dispatch(event: NetraEventName, payload: unknown): void {
    if (event === 'ConnectionEstablished') this.established.settle(true);
    if (event === 'Error') {
      const e = payload as NetraEvents['Error'];
      const parsed = NetraError.parse(`${e.code}: ${e.error}`);
      this.statusValue = { ...this.statusValue, error: parsed };
    }
    const sequence = sequenceOf(event, payload);
    const state = sequence ? this.channels.get(sequence.channel) : undefined;
    if (sequence && state) {
      if (state.syncing) {
        state.buffer.push({ event, payload, seq: sequence.seq });
        return;
      }
      if (state.lastSeq !== null && sequence.seq <= state.lastSeq) return; // already delivered
      if (state.lastSeq !== null && sequence.seq > state.lastSeq + 1 && this.isConnected) {
        // A gap: seqs are gapless per channel, so something is missing or still on its way
        // (two senders' broadcasts can overtake each other). Fetch from the last seq we have;
        // this event waits and is delivered after what it skipped, in order.
        state.buffer.push({ event, payload, seq: sequence.seq });
        void this.resync(sequence.channel);
        return;
      }
      state.lastSeq = sequence.seq;
    }
    this.emit(event, payload);
  }

  private emit(event: NetraEventName, payload: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (error) {
        console.error(`Netra: a ${event} handler threw`, error);
      }
    }
  }

  private enqueue(item: QueuedSend): void {
    if (this.queue.length >= this.maxQueuedSends) {
      item.reject(new NetraError('QUEUE_FULL', `Offline: ${this.maxQueuedSends} messages are already waiting to be sent.`));
      return;
    }
    this.requeue(item);
  }

  /**
   * Puts a send in the queue by call order (as the .NET client does): sends cut off by one drop fail
   * one after another, and each goes back before the ones called after it, not to the front.
   */
  private requeue(item: QueuedSend): void {
    const index = this.queue.findIndex((q) => q.order > item.order);
    this.queue.splice(index < 0 ? this.queue.length : index, 0, item);
  }

  /** One attempt; a failure that is not the server's answer puts it back in the queue. */
  private async trySend(item: QueuedSend): Promise<boolean> {
    try {
      item.resolve(await this.call<ChatMessage>(HubMethods.SendMessage, item.request));
      return true;
    } catch (error) {
      const e = NetraError.parse(error, 'DISCONNECTED');
      if (e.fromServer || this.stopped || this.statusValue.state === 'disconnected') {
        // Refused, or cut off by a close that no reconnect follows (onclose has already run).
        item.reject(e.fromServer ? e : NetraClient.disconnected());
        return true;
      }
      this.requeue(item);
      return false;
    }
  }

  private async flushQueue(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0 && this.isConnected) {
        const item = this.queue.shift()!;
        if (!(await this.trySend(item))) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  private static disconnected(): NetraError {
    return new NetraError('DISCONNECTED', 'Not connected to the server, and not reconnecting: call start() to connect again.');
  }

  private static unauthorized(): NetraError {
    return new NetraError('UNAUTHORIZED', 'Your session has expired. Please sign in again.');
  }

  private setStatus(status: ConnectionStatus): void {
    const s = this.statusValue;
    if (s.state === status.state && s.attempt === status.attempt && s.error === status.error) return;
    this.statusValue = status;
    for (const l of [...this.statusListeners]) l(status);
  }
}

export type { Json };
